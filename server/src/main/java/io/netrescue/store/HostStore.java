package io.netrescue.store;

import io.netrescue.boot.BootMode;
import io.netrescue.boot.BootState;
import io.netrescue.boot.Host;
import io.netrescue.inventory.InvalidInputException;
import io.netrescue.inventory.IpAddresses;
import io.netrescue.inventory.MacAddress;
import io.netrescue.inventory.SmbiosUuid;
import java.net.InetAddress;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import org.jdbi.v3.core.Handle;

/** Hosts: identity (name, MACs, UUID, expected IPs, labels) and boot state, with a version for CAS. */
public final class HostStore {
    private final Database db;

    public HostStore(Database db) {
        this.db = db;
    }

    /** A host to create; validated by {@link Host}'s constructor. */
    public record NewHost(String name, List<MacAddress> macs, Optional<SmbiosUuid> uuid,
                          List<InetAddress> ips, Map<String, String> labels) {}

    public Host add(Handle h, NewHost n, Instant now) {
        Host host = new Host(n.name(), n.macs(), n.uuid(), n.ips(), new TreeMap<>(n.labels()), BootState.LOCAL, 0);
        Set<MacAddress> seen = new HashSet<>();
        for (MacAddress m : host.macs()) {
            if (!seen.add(m)) throw new InvalidInputException("MAC " + m + " is given twice");
        }
        if (h.createQuery("SELECT count(*) FROM hosts WHERE name = ?").bind(0, host.name()).mapTo(Long.class).one() > 0) {
            throw new ConflictException("host " + host.name() + " already exists");
        }
        for (MacAddress m : host.macs()) {
            Optional<String> owner = h.createQuery("SELECT h.name FROM host_macs m JOIN hosts h ON h.id = m.host_id WHERE m.mac = ?")
                    .bind(0, m.toString()).mapTo(String.class).findOne();
            if (owner.isPresent()) throw new ConflictException("MAC " + m + " already belongs to host " + owner.get());
        }
        if (host.uuid().isPresent()) {
            Optional<String> owner = h.createQuery("SELECT name FROM hosts WHERE uuid = ?")
                    .bind(0, host.uuid().get().toString()).mapTo(String.class).findOne();
            if (owner.isPresent()) throw new ConflictException("UUID " + host.uuid().get() + " already belongs to host " + owner.get());
        }
        long t = SqlTime.of(now);
        long id = h.createUpdate("INSERT INTO hosts (name, uuid, boot_mode, version, created_at, updated_at, key_salt) VALUES (?, ?, 'local', 0, ?, ?, ?)")
                .bind(0, host.name()).bind(1, host.uuid().map(Object::toString).orElse(null)).bind(2, t).bind(3, t).bind(4, newSalt())
                .executeAndReturnGeneratedKeys("id").mapTo(Long.class).one();
        int pos = 0;
        for (MacAddress m : host.macs()) {
            h.createUpdate("INSERT INTO host_macs (mac, host_id, pos) VALUES (?, ?, ?)").bind(0, m.toString()).bind(1, id).bind(2, pos++).execute();
        }
        pos = 0;
        for (InetAddress a : new java.util.LinkedHashSet<>(host.expectedIps())) {
            h.createUpdate("INSERT INTO host_ips (host_id, ip, pos) VALUES (?, ?, ?)").bind(0, id).bind(1, IpAddresses.format(a)).bind(2, pos++).execute();
        }
        for (var e : host.labels().entrySet()) {
            h.createUpdate("INSERT INTO host_labels (host_id, k, v) VALUES (?, ?, ?)").bind(0, id).bind(1, e.getKey()).bind(2, e.getValue()).execute();
        }
        h.createUpdate("DELETE FROM discovered WHERE mac IN (<macs>)")
                .bindList("macs", host.macs().stream().map(Object::toString).toList()).execute();
        return host;
    }

    /**
     * Removes the host. Its per-boot tokens go with it, and its live rescue activation ends: neither
     * may outlive the host it speaks for, or speak for a new host of the same name (a running rescue
     * system then finds its token refused and drops its credentials). The history keyed by name (events,
     * ended activations) stays. Returns how many live rescue activations ended.
     */
    public int remove(Handle h, String name, Instant now) {
        int n = h.createUpdate("DELETE FROM hosts WHERE name = ?").bind(0, name).execute();
        if (n == 0) throw new NotFoundException("no host named " + name);
        h.createUpdate("DELETE FROM boot_tokens WHERE host = ?").bind(0, name).execute();
        return h.createUpdate("UPDATE rescue_activations SET state = 'ended', ended_at = ?, end_reason = 'host removed'"
                        + " WHERE host = ? AND state <> 'ended' AND expires_at > ?")
                .bind(0, SqlTime.of(now)).bind(1, name).bind(2, SqlTime.of(now)).execute();
    }

    /**
     * Ends the removed host's queued and running jobs as cancelled: a job queued for one machine must
     * never run on a new host that is given the same name.
     */
    public int cancelJobs(Handle h, String name, Instant now) {
        return h.createUpdate("UPDATE jobs SET state = 'cancelled', finished_at = ?, reason = 'host removed' WHERE host = ? AND state IN ('queued', 'running')")
                .bind(0, SqlTime.of(now)).bind(1, name).execute();
    }

    private static final java.security.SecureRandom RANDOM = new java.security.SecureRandom();

    /** 128 random bits, hex: this incarnation of the host's part in its agent key ({@code HostKeys.derive}). */
    private static String newSalt() {
        byte[] b = new byte[16];
        RANDOM.nextBytes(b);
        return java.util.HexFormat.of().formatHex(b);
    }

    /**
     * The host's key salt, when the host exists: the salt, or an empty Optional for a host added before
     * salts existed (its key is the v1 derivation).
     */
    public Optional<Optional<String>> keySalt(Handle h, String name) {
        return h.createQuery("SELECT coalesce(key_salt, '') FROM hosts WHERE name = ?").bind(0, name).mapTo(String.class).findOne()
                .map(s -> s.isEmpty() ? Optional.<String>empty() : Optional.of(s));
    }

    /** Every host's key salt by name (an empty Optional: the v1 derivation). */
    public Map<String, Optional<String>> keySalts(Handle h) {
        Map<String, Optional<String>> out = new java.util.HashMap<>();
        h.createQuery("SELECT name, key_salt FROM hosts").map((rs, ctx) -> out.put(rs.getString(1), Optional.ofNullable(rs.getString(2)))).list();
        return out;
    }

    public List<Host> list(Handle h) {
        List<Row> rows = h.createQuery("SELECT * FROM hosts ORDER BY name").map((rs, ctx) -> row(rs)).list();
        Map<Long, List<MacAddress>> macs = new TreeMap<>();
        h.createQuery("SELECT host_id, mac FROM host_macs ORDER BY host_id, pos").map((rs, ctx) -> {
            macs.computeIfAbsent(rs.getLong(1), k -> new ArrayList<>()).add(MacAddress.parse(rs.getString(2)));
            return 0;
        }).list();
        Map<Long, List<InetAddress>> ips = new TreeMap<>();
        h.createQuery("SELECT host_id, ip FROM host_ips ORDER BY host_id, pos").map((rs, ctx) -> {
            ips.computeIfAbsent(rs.getLong(1), k -> new ArrayList<>()).add(IpAddresses.parse(rs.getString(2)));
            return 0;
        }).list();
        Map<Long, Map<String, String>> labels = new TreeMap<>();
        h.createQuery("SELECT host_id, k, v FROM host_labels").map((rs, ctx) -> {
            labels.computeIfAbsent(rs.getLong(1), k -> new TreeMap<>()).put(rs.getString(2), rs.getString(3));
            return 0;
        }).list();
        List<Host> out = new ArrayList<>(rows.size());
        for (Row r : rows) {
            out.add(r.toHost(macs.getOrDefault(r.id, List.of()), ips.getOrDefault(r.id, List.of()), labels.getOrDefault(r.id, Map.of())));
        }
        return out;
    }

    public Optional<Host> get(Handle h, String name) {
        return h.createQuery("SELECT * FROM hosts WHERE name = ?").bind(0, name).map((rs, ctx) -> row(rs)).findOne().map(r -> load(h, r));
    }

    public Host require(Handle h, String name) {
        return get(h, name).orElseThrow(() -> new NotFoundException("no host named " + name));
    }

    public Optional<Host> byMac(Handle h, MacAddress mac) {
        return h.createQuery("SELECT h.* FROM host_macs m JOIN hosts h ON h.id = m.host_id WHERE m.mac = ?")
                .bind(0, mac.toString()).map((rs, ctx) -> row(rs)).findOne().map(r -> load(h, r));
    }

    public Optional<Host> byUuid(Handle h, SmbiosUuid uuid) {
        return h.createQuery("SELECT * FROM hosts WHERE uuid = ?").bind(0, uuid.toString())
                .map((rs, ctx) -> row(rs)).findOne().map(r -> load(h, r));
    }

    /** Sets the boot state unconditionally (an operator's command); returns the new version. */
    public long setBoot(Handle h, String name, BootState state, Instant now) {
        Host cur = require(h, name);
        if (!compareAndSetBoot(h, name, cur.version(), state, now)) {
            throw new ConflictException("host " + name + " changed while we updated it; try again");
        }
        return cur.version() + 1;
    }

    /** Moves the boot state only if nobody changed it since {@code expectedVersion}: the atomicity of once. */
    public boolean compareAndSetBoot(Handle h, String name, long expectedVersion, BootState s, Instant now) {
        Optional<BootState> p = s.previous();
        return h.createUpdate("""
                UPDATE hosts SET boot_mode = ?, boot_profile = ?, boot_expires_at = ?,
                                 prev_mode = ?, prev_profile = ?, prev_expires_at = ?,
                                 version = version + 1, updated_at = ?
                WHERE name = ? AND version = ?""")
                .bind(0, s.mode().kind()).bind(1, s.mode().profileName().orElse(null)).bind(2, s.expiresAt().map(SqlTime::of).orElse(null))
                .bind(3, p.map(x -> x.mode().kind()).orElse(null)).bind(4, p.flatMap(x -> x.mode().profileName()).orElse(null))
                .bind(5, p.flatMap(BootState::expiresAt).map(SqlTime::of).orElse(null))
                .bind(6, SqlTime.of(now)).bind(7, name).bind(8, expectedVersion)
                .execute() == 1;
    }

    public long count(Handle h) {
        return h.createQuery("SELECT count(*) FROM hosts").mapTo(Long.class).one();
    }

    private record Row(long id, String name, Optional<SmbiosUuid> uuid, BootState boot, long version) {
        Host toHost(List<MacAddress> macs, List<InetAddress> ips, Map<String, String> labels) {
            return new Host(name, macs, uuid, ips, new TreeMap<>(labels), boot, version);
        }
    }

    private static Row row(ResultSet rs) throws SQLException {
        BootState prev = null;
        if (rs.getString("prev_mode") != null) {
            prev = BootState.of(BootMode.of(rs.getString("prev_mode"), rs.getString("prev_profile")), SqlTime.get(rs, "prev_expires_at"));
        }
        BootMode mode = BootMode.of(rs.getString("boot_mode"), rs.getString("boot_profile"));
        BootState boot = new BootState(mode, SqlTime.get(rs, "boot_expires_at"), Optional.ofNullable(prev));
        String uuid = rs.getString("uuid");
        return new Row(rs.getLong("id"), rs.getString("name"), Optional.ofNullable(uuid).map(SmbiosUuid::parse), boot, rs.getLong("version"));
    }

    private Host load(Handle h, Row r) {
        List<MacAddress> macs = h.createQuery("SELECT mac FROM host_macs WHERE host_id = ? ORDER BY pos").bind(0, r.id)
                .map((rs, ctx) -> MacAddress.parse(rs.getString(1))).list();
        List<InetAddress> ips = h.createQuery("SELECT ip FROM host_ips WHERE host_id = ? ORDER BY pos").bind(0, r.id)
                .map((rs, ctx) -> IpAddresses.parse(rs.getString(1))).list();
        Map<String, String> labels = new TreeMap<>();
        h.createQuery("SELECT k, v FROM host_labels WHERE host_id = ?").bind(0, r.id)
                .map((rs, ctx) -> labels.put(rs.getString(1), rs.getString(2))).list();
        return r.toHost(macs, ips, labels);
    }

}
