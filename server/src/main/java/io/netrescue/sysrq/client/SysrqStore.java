package io.netrescue.sysrq.client;

import io.netrescue.inventory.IpAddresses;
import io.netrescue.store.NotFoundException;
import io.netrescue.store.SqlTime;
import io.netrescue.sysrq.XtSysrq;
import java.time.Instant;
import java.util.Optional;
import org.jdbi.v3.core.Handle;

/** Per-host SysRq settings and the sequence number, in the {@code host_sysrq} table. */
public final class SysrqStore {

    public Optional<SysrqConfig> get(Handle h, String host) {
        return h.createQuery("""
                SELECT s.* FROM host_sysrq s JOIN hosts h ON h.id = s.host_id WHERE h.name = ?""")
                .bind(0, host).map((rs, ctx) -> new SysrqConfig(
                        SysrqConfig.Dialect.parse(rs.getString("dialect")), IpAddresses.parse(rs.getString("address")),
                        rs.getInt("agent_port"), rs.getInt("xt_port"),
                        Optional.ofNullable(rs.getString("hash_address")).map(IpAddresses::parse),
                        XtSysrq.Hash.parse(rs.getString("xt_hash")), Optional.ofNullable(rs.getString("xt_password")),
                        rs.getString("allowed_keys"))).findOne();
    }

    /** Saves the settings; the sequence number is kept if the host had settings before. */
    public void put(Handle h, String host, SysrqConfig c, Instant now) {
        long hostId = h.createQuery("SELECT id FROM hosts WHERE name = ?").bind(0, host).mapTo(Long.class).findOne()
                .orElseThrow(() -> new NotFoundException("no host named " + host));
        int n = h.createUpdate("""
                UPDATE host_sysrq SET dialect = ?, address = ?, agent_port = ?, xt_port = ?, hash_address = ?, xt_hash = ?,
                                      xt_password = ?, allowed_keys = ?, updated_at = ? WHERE host_id = ?""")
                .bind(0, c.dialect().word()).bind(1, IpAddresses.format(c.address())).bind(2, c.agentPort()).bind(3, c.xtPort())
                .bind(4, c.hashAddress().map(IpAddresses::format).orElse(null)).bind(5, c.xtHash().name().toLowerCase())
                .bind(6, c.sealedPassword().orElse(null)).bind(7, c.allowedKeys()).bind(8, SqlTime.of(now)).bind(9, hostId)
                .execute();
        if (n == 0) {
            h.createUpdate("""
                    INSERT INTO host_sysrq (host_id, dialect, address, agent_port, xt_port, hash_address, xt_hash, xt_password,
                                            allowed_keys, seq, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?)""")
                    .bind(0, hostId).bind(1, c.dialect().word()).bind(2, IpAddresses.format(c.address())).bind(3, c.agentPort())
                    .bind(4, c.xtPort()).bind(5, c.hashAddress().map(IpAddresses::format).orElse(null))
                    .bind(6, c.xtHash().name().toLowerCase()).bind(7, c.sealedPassword().orElse(null)).bind(8, c.allowedKeys())
                    .bind(9, SqlTime.of(now)).execute();
        }
    }

    public boolean remove(Handle h, String host) {
        return h.createUpdate("DELETE FROM host_sysrq WHERE host_id = (SELECT id FROM hosts WHERE name = ?)").bind(0, host).execute() > 0;
    }

    /**
     * The next sequence number for this host: above every number used before (stored, so it survives
     * restarts and clock steps) and at least the current Unix time in milliseconds. xt_SYSRQ starts
     * from its host's clock at module load in seconds (a 64-bit long) and accepts only numbers above
     * the last one it accepted: milliseconds are above any such start whatever the clocks' skew. With
     * seconds, a request in the second the module loaded (or to a host whose clock runs ahead) was
     * ignored as old; QEMU showed it.
     */
    public long nextSeq(Handle h, String host, Instant now) {
        h.createUpdate("""
                UPDATE host_sysrq SET seq = CASE WHEN seq + 1 > :now THEN seq + 1 ELSE :now END
                WHERE host_id = (SELECT id FROM hosts WHERE name = :host)""")
                .bind("now", now.toEpochMilli()).bind("host", host).execute(); // CASE: SQLite has no GREATEST
        return h.createQuery("SELECT s.seq FROM host_sysrq s JOIN hosts h ON h.id = s.host_id WHERE h.name = ?")
                .bind(0, host).mapTo(Long.class).one();
    }
}
