package io.netrescue.dhcp;

import io.netrescue.inventory.MacAddress;
import java.net.Inet4Address;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Which address each client gets in full mode. Pure (time is an argument) and not thread-safe:
 * {@link FullResponder} serializes access. At most one lease per MAC.
 */
public final class LeaseTable {
    private final FullConfig cfg;
    private final DhcpInventory inventory;
    private final Map<Inet4Address, Lease> byIp = new HashMap<>();
    private final Map<MacAddress, Inet4Address> byMac = new HashMap<>();

    public LeaseTable(FullConfig cfg, DhcpInventory inventory, Collection<Lease> stored) {
        this.cfg = cfg;
        this.inventory = inventory;
        for (Lease l : stored) put(l);
    }

    public Optional<Lease> byMac(MacAddress mac) {
        Inet4Address ip = byMac.get(mac);
        return ip == null ? Optional.empty() : Optional.ofNullable(byIp.get(ip));
    }

    public Optional<Lease> byIp(Inet4Address ip) {
        return Optional.ofNullable(byIp.get(ip));
    }

    /** The host's first expected address in our subnet: it always gets that one. */
    Optional<Inet4Address> reservation(MacAddress mac) {
        List<Inet4Address> ips = inventory.expectedIps(mac);
        for (Inet4Address ip : ips) if (cfg.assignable(ip)) return Optional.of(ip);
        return Optional.empty();
    }

    /** Could {@code mac} hold {@code ip} now, going by leases and reservations? */
    boolean available(Inet4Address ip, MacAddress mac, Instant now) {
        if (!cfg.assignable(ip)) return false;
        if (inventory.reservedForOther(ip, mac)) return false;
        Lease l = byIp.get(ip);
        if (l == null) return true;
        if (l.state() == Lease.State.DECLINED) return !l.expires().isAfter(now);
        return l.mac().equals(mac) || !l.activeAt(now);
    }

    /** The address {@code mac} may bind: its reservation if it has one, else any available pool address. */
    boolean mayBind(Inet4Address ip, MacAddress mac, Instant now) {
        Optional<Inet4Address> r = reservation(mac);
        if (r.isPresent() && available(r.get(), mac, now)) return r.get().equals(ip);
        return cfg.inPool(ip) && available(ip, mac, now);
    }

    /** Picks an address for a DISCOVER and holds it for {@link FullConfig#offerHold()}. */
    public Optional<Inet4Address> offer(MacAddress mac, Optional<Inet4Address> requested, Instant now) {
        Optional<Inet4Address> ip = choose(mac, requested, now);
        ip.ifPresent(a -> {
            Lease cur = byIp.get(a);
            if (cur != null && cur.mac().equals(mac) && cur.activeAt(now) && cur.state() == Lease.State.BOUND) return; // keep the binding
            put(new Lease(a, mac, Lease.State.OFFERED, now.plus(cfg.offerHold())));
        });
        return ip;
    }

    private Optional<Inet4Address> choose(MacAddress mac, Optional<Inet4Address> requested, Instant now) {
        Optional<Inet4Address> r = reservation(mac);
        if (r.isPresent() && available(r.get(), mac, now)) return r;
        Inet4Address mine = byMac.get(mac);
        if (mine != null && cfg.inPool(mine) && available(mine, mac, now)) return Optional.of(mine);
        if (requested.isPresent() && cfg.inPool(requested.get()) && available(requested.get(), mac, now)) return requested;
        // never used addresses first; then the one free the longest, so returning clients keep theirs
        int start = DhcpPacket.bits(cfg.poolStart()), end = DhcpPacket.bits(cfg.poolEnd());
        Inet4Address oldest = null;
        for (int x = start; Integer.compareUnsigned(x, end) <= 0; x++) {
            Inet4Address a = DhcpPacket.v4(x);
            Lease l = byIp.get(a);
            if (l == null) {
                if (available(a, mac, now)) return Optional.of(a);
            } else if (available(a, mac, now) && (oldest == null || l.expires().isBefore(byIp.get(oldest).expires()))) {
                oldest = a;
            }
            if (x == end) break; // end may be 255.255.255.255's neighbour: no wrap-around
        }
        return Optional.ofNullable(oldest);
    }

    /** Binds {@code ip} to {@code mac} for a lease time; empty (NAK) when it may not. */
    public Optional<Lease> bind(MacAddress mac, Inet4Address ip, Instant now) {
        if (!mayBind(ip, mac, now)) return Optional.empty();
        Lease l = new Lease(ip, mac, Lease.State.BOUND, now.plus(cfg.leaseTime()));
        put(l);
        return Optional.of(l);
    }

    /** A client that picked another server's offer: our held address is free again. */
    public void cancelOffer(MacAddress mac) {
        byMac(mac).filter(l -> l.state() == Lease.State.OFFERED).ifPresent(l -> {
            byIp.remove(l.ip());
            byMac.remove(mac);
        });
    }

    public Optional<Lease> release(MacAddress mac, Inet4Address ip, Instant now) {
        Lease l = byIp.get(ip);
        if (l == null || !l.mac().equals(mac) || l.state() != Lease.State.BOUND) return Optional.empty();
        Lease r = new Lease(ip, mac, Lease.State.RELEASED, now);
        put(r);
        return Optional.of(r);
    }

    public Optional<Lease> decline(MacAddress mac, Inet4Address ip, Instant now) {
        Lease l = byIp.get(ip);
        if (l == null || !l.mac().equals(mac) || l.state() == Lease.State.DECLINED) return Optional.empty();
        Lease d = new Lease(ip, mac, Lease.State.DECLINED, now.plus(cfg.declineHold()));
        byIp.put(ip, d);
        byMac.remove(mac);
        return Optional.of(d);
    }

    private void put(Lease l) {
        Inet4Address old = byMac.get(l.mac());
        if (old != null && !old.equals(l.ip())) {
            Lease o = byIp.get(old);
            if (o != null && o.mac().equals(l.mac()) && o.state() != Lease.State.DECLINED) byIp.remove(old);
        }
        Lease prev = byIp.get(l.ip());
        if (prev != null && !prev.mac().equals(l.mac())) byMac.remove(prev.mac(), l.ip());
        byIp.put(l.ip(), l);
        if (l.state() != Lease.State.DECLINED) byMac.put(l.mac(), l.ip());
    }
}
