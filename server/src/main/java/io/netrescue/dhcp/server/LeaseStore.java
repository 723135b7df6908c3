package io.netrescue.dhcp.server;

import io.netrescue.dhcp.Lease;
import io.netrescue.inventory.IpAddresses;
import io.netrescue.inventory.MacAddress;
import io.netrescue.store.Database;
import io.netrescue.store.SqlTime;
import java.net.Inet4Address;
import java.time.Instant;
import java.util.List;
import java.util.Locale;

/** Full mode's leases in the store (table dhcp_leases, migration V3). */
public final class LeaseStore {
    private final Database db;

    public LeaseStore(Database db) {
        this.db = db;
    }

    public List<Lease> loadAll() {
        return db.read(h -> h.createQuery("SELECT ip, mac, state, expires_at FROM dhcp_leases ORDER BY ip")
                .map((rs, ctx) -> new Lease((Inet4Address) IpAddresses.parse(rs.getString(1)), MacAddress.parse(rs.getString(2)),
                        Lease.State.valueOf(rs.getString(3).toUpperCase(Locale.ROOT)), SqlTime.require(rs, 4)))
                .list());
    }

    /** Stores the changes in one transaction and makes them durable before returning (the ACK waits for this). */
    public void save(List<Lease> changes, Instant now) {
        if (changes.isEmpty()) return;
        db.inWriteTransaction(h -> {
            for (Lease l : changes) {
                String ip = l.ip().getHostAddress(), mac = l.mac().toString();
                // the address's previous row, and the MAC's other binding (one lease per MAC; declines stay)
                h.createUpdate("DELETE FROM dhcp_leases WHERE ip = ? OR (mac = ? AND state <> 'declined')").bind(0, ip).bind(1, mac).execute();
                h.createUpdate("INSERT INTO dhcp_leases (ip, mac, state, expires_at, updated_at) VALUES (?, ?, ?, ?, ?)")
                        .bind(0, ip).bind(1, mac).bind(2, l.state().name().toLowerCase(Locale.ROOT))
                        .bind(3, SqlTime.of(l.expires())).bind(4, SqlTime.of(now))
                        .execute();
            }
            return null;
        });
    }
}
