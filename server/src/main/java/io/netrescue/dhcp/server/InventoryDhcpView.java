package io.netrescue.dhcp.server;

import io.netrescue.dhcp.DhcpInventory;
import io.netrescue.boot.Host;
import io.netrescue.inventory.MacAddress;
import io.netrescue.store.InventoryCache;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The inventory as DHCP sees it. MAC lookups go to {@link InventoryCache} (always fresh); the
 * reverse index (which host expects an address), which the cache does not keep, is rebuilt from
 * {@code allHosts} at most every {@code maxAge}, so a reservation added through the API reaches
 * the pool's "skip reserved addresses" rule within that time (the reserved host itself gets its
 * address at once: that lookup is by MAC).
 */
public final class InventoryDhcpView implements DhcpInventory {
    private final InventoryCache cache;
    private final Supplier<List<Host>> allHosts;
    private final Duration maxAge;
    private final Clock clock;
    private volatile Map<Inet4Address, List<MacAddress>> byIp = Map.of();
    private volatile Instant builtAt = Instant.MIN;

    public InventoryDhcpView(InventoryCache cache, Supplier<List<Host>> allHosts, Duration maxAge, Clock clock) {
        this.cache = cache;
        this.allHosts = allHosts;
        this.maxAge = maxAge;
        this.clock = clock;
    }

    @Override
    public boolean isKnown(MacAddress mac) {
        return cache.hostByMac(mac).isPresent();
    }

    @Override
    public List<Inet4Address> expectedIps(MacAddress mac) {
        return cache.hostByMac(mac).map(h -> v4(h.expectedIps())).orElse(List.of());
    }

    @Override
    public boolean reservedForOther(Inet4Address ip, MacAddress mac) {
        Instant now = clock.instant();
        if (builtAt.plus(maxAge).isBefore(now)) rebuild(now);
        List<MacAddress> owner = byIp.get(ip);
        return owner != null && !owner.contains(mac);
    }

    private synchronized void rebuild(Instant now) {
        if (!builtAt.plus(maxAge).isBefore(now)) return;
        Map<Inet4Address, List<MacAddress>> m = new HashMap<>();
        for (Host h : allHosts.get()) for (Inet4Address ip : v4(h.expectedIps())) m.putIfAbsent(ip, h.macs());
        byIp = Map.copyOf(m);
        builtAt = now;
    }

    private static List<Inet4Address> v4(List<InetAddress> ips) {
        return ips.stream().filter(a -> a instanceof Inet4Address).map(a -> (Inet4Address) a).toList();
    }
}
