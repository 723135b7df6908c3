package io.netrescue.bench;

import io.netrescue.dhcp.DhcpInventory;
import io.netrescue.dhcp.Sightings;
import io.netrescue.dhcp.server.DhcpServer;
import io.netrescue.dhcp.server.DhcpSettings;
import java.time.Clock;
import java.util.Optional;

/**
 * Runs netrescue's ProxyDHCP alone (the same DhcpServer the server wires in) for bench/dhcp.sh:
 *   java io.netrescue.bench.DhcpProxyMain INTERFACE HTTP_URL RATE_PER_SOURCE
 */
public final class DhcpProxyMain {
    public static void main(String[] a) throws Exception {
        DhcpSettings s = new DhcpSettings("proxy", a[0], null, null, a[1], null, null, null, null, Integer.parseInt(a[2]), Integer.parseInt(a[2]), null, null);
        try (DhcpServer server = DhcpServer.start(s, DhcpInventory.EMPTY, new Sightings(4096), Optional.empty(), Clock.systemUTC())) {
            System.out.println("dhcp-bench-ready");
            System.out.flush();
            Runtime.getRuntime().addShutdownHook(new Thread(() -> System.err.println("counters " + server.counters())));
            Thread.sleep(Long.MAX_VALUE);
        }
    }
}
