package io.netrescue.console.server;

import io.netrescue.boot.Host;
import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * Which host an address belongs to, for datagrams that carry no identity (netconsole): the address a
 * host last booted from (recorded by the boot service), else an expected address from the inventory
 * (an index rebuilt at most every few seconds). Bounded: at most {@code capacity} recorded addresses.
 */
public final class HostByAddress {
    private static final int CAPACITY = 1 << 17;
    private final Map<InetAddress, String> seen = new ConcurrentHashMap<>();
    private final Supplier<List<Host>> hosts;
    private final Clock clock;
    private final Duration maxAge;
    private volatile Map<InetAddress, String> expected = Map.of();
    private volatile Instant built = Instant.MIN;

    public HostByAddress(Supplier<List<Host>> hosts, Clock clock, Duration maxAge) {
        this.hosts = hosts;
        this.clock = clock;
        this.maxAge = maxAge;
    }

    /** A host was just served from this address. */
    public void seen(InetAddress address, String host) {
        if (seen.size() >= CAPACITY && !seen.containsKey(address)) seen.clear(); // crude but bounded; refills from boots
        seen.put(address, host);
    }

    public Optional<String> lookup(InetAddress address) {
        String h = seen.get(address);
        if (h != null) return Optional.of(h);
        Instant now = clock.instant();
        if (built.plus(maxAge).isBefore(now)) {
            Map<InetAddress, String> m = new HashMap<>();
            for (Host host : hosts.get()) for (InetAddress ip : host.expectedIps()) m.put(ip, host.name());
            expected = m;
            built = now;
        }
        return Optional.ofNullable(expected.get(address));
    }
}
