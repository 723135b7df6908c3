package io.netrescue.rescue.server;

import io.netrescue.rescue.SshPublicKey;
import io.netrescue.store.NotFoundException;
import io.netrescue.store.SqlTime;
import java.time.Instant;
import java.util.List;
import org.jdbi.v3.core.Handle;

/** {@code host_ssh_keys}: the SSH public keys registered for a host, oldest first. */
public final class SshKeyStore {
    /** A registered key, when and by whom. */
    public record Registered(SshPublicKey key, Instant addedAt, String addedBy) {}

    public List<Registered> list(Handle h, String host) {
        return h.createQuery("""
                SELECT k.key_line, k.added_at, k.added_by FROM host_ssh_keys k JOIN hosts h ON h.id = k.host_id
                WHERE h.name = ? ORDER BY k.added_at, k.fingerprint""")
                .bind(0, host).map((rs, ctx) -> new Registered(SshPublicKey.parse(rs.getString("key_line")), SqlTime.require(rs, "added_at"),
                        rs.getString("added_by"))).list();
    }

    public List<SshPublicKey> keys(Handle h, String host) {
        return list(h, host).stream().map(Registered::key).toList();
    }

    public void add(Handle h, String host, SshPublicKey key, Instant now, String actor) {
        long hostId = h.createQuery("SELECT id FROM hosts WHERE name = ?").bind(0, host).mapTo(Long.class).findOne()
                .orElseThrow(() -> new NotFoundException("no host named " + host));
        h.createUpdate("INSERT INTO host_ssh_keys (host_id, fingerprint, key_line, added_at, added_by) VALUES (?, ?, ?, ?, ?)")
                .bind(0, hostId).bind(1, key.fingerprint()).bind(2, key.line()).bind(3, SqlTime.of(now)).bind(4, actor).execute();
    }

    public boolean remove(Handle h, String host, String fingerprint) {
        return h.createUpdate("DELETE FROM host_ssh_keys WHERE fingerprint = ? AND host_id = (SELECT id FROM hosts WHERE name = ?)")
                .bind(0, fingerprint).bind(1, host).execute() > 0;
    }
}
