package io.netrescue.power.server;

import io.netrescue.store.NotFoundException;
import io.netrescue.store.SqlTime;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jdbi.v3.core.Handle;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.ObjectMapper;

/** Per-host power drivers in the {@code host_power} table, in the order they are tried. */
public final class PowerStore {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A stored driver configuration; {@code sealedSecret} is opened only to build the driver. */
    public record Stored(String kind, int pos, Map<String, String> settings, Optional<String> sealedSecret, int timeoutMillis) {}

    public List<Stored> list(Handle h, String host) {
        return h.createQuery("""
                SELECT p.* FROM host_power p JOIN hosts h ON h.id = p.host_id WHERE h.name = ? ORDER BY p.pos, p.kind""")
                .bind(0, host).map((rs, ctx) -> new Stored(rs.getString("kind"), rs.getInt("pos"),
                        JSON.readValue(rs.getString("settings"), new TypeReference<Map<String, String>>() {}),
                        Optional.ofNullable(rs.getString("secret")), rs.getInt("timeout_ms"))).list();
    }

    /** Adds or replaces the host's driver of this kind; a new kind goes last unless {@code pos} is given. */
    public void put(Handle h, String host, String kind, Optional<Integer> pos, Map<String, String> settings, Optional<String> sealedSecret,
                    boolean keepSecret, int timeoutMillis, Instant now) {
        long hostId = h.createQuery("SELECT id FROM hosts WHERE name = ?").bind(0, host).mapTo(Long.class).findOne()
                .orElseThrow(() -> new NotFoundException("no host named " + host));
        Optional<Stored> old = list(h, host).stream().filter(s -> s.kind().equals(kind)).findFirst();
        int p = pos.orElse(old.map(Stored::pos).orElseGet(() ->
                h.createQuery("SELECT COALESCE(MAX(pos), 0) + 1 FROM host_power WHERE host_id = ?").bind(0, hostId).mapTo(Integer.class).one()));
        Optional<String> secret = keepSecret && sealedSecret.isEmpty() ? old.flatMap(Stored::sealedSecret) : sealedSecret;
        h.createUpdate("DELETE FROM host_power WHERE host_id = ? AND kind = ?").bind(0, hostId).bind(1, kind).execute();
        h.createUpdate("""
                INSERT INTO host_power (host_id, kind, pos, settings, secret, timeout_ms, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)""")
                .bind(0, hostId).bind(1, kind).bind(2, p).bind(3, JSON.writeValueAsString(new java.util.TreeMap<>(settings)))
                .bind(4, secret.orElse(null)).bind(5, timeoutMillis).bind(6, SqlTime.of(now)).execute();
    }

    public boolean remove(Handle h, String host, String kind) {
        return h.createUpdate("DELETE FROM host_power WHERE kind = ? AND host_id = (SELECT id FROM hosts WHERE name = ?)")
                .bind(0, kind).bind(1, host).execute() > 0;
    }
}
