package io.netrescue.api;

import io.netrescue.dhcp.Lease;
import io.netrescue.dhcp.server.DhcpServer;
import io.netrescue.dhcp.server.LeaseStore;
import io.netrescue.boot.Host;
import io.netrescue.store.InventoryCache;
import io.netrescue.store.NotFoundException;
import io.netrescue.tftp.server.TftpServer;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * {@code /api/v1/netboot}: what the DHCP and TFTP services are doing (mode, counters);
 * {@code /api/v1/netboot/leases}: full DHCP mode's stored leases, with the host each MAC belongs to.
 */
public final class NetbootApi {
    private final Supplier<Optional<DhcpServer>> dhcp;
    private final Supplier<Optional<TftpServer>> tftp;
    private final LeaseStore leases;
    private final InventoryCache inventory;

    public NetbootApi(Supplier<Optional<DhcpServer>> dhcp, Supplier<Optional<TftpServer>> tftp, LeaseStore leases, InventoryCache inventory) {
        this.dhcp = dhcp;
        this.tftp = tftp;
        this.leases = leases;
        this.inventory = inventory;
    }

    public record StatusJson(Map<String, Object> dhcp, Map<String, Object> tftp) {}

    public record LeaseJson(String ip, String mac, String host, String state, String expires) {}

    record Reply(int status, Object body) {}

    Reply route(String method, String sub) {
        if (sub != null && !sub.equals("leases")) throw new NotFoundException("no such API path");
        if (!"GET".equals(method)) return new Reply(405, new Json.ErrorJson("method not allowed"));
        if (sub == null) return new Reply(200, status());
        return new Reply(200, leases.loadAll().stream().map(l -> new LeaseJson(l.ip().getHostAddress(), l.mac().toString(),
                    inventory.hostByMac(l.mac()).map(Host::name).orElse(null), l.state().name().toLowerCase(Locale.ROOT),
                l.expires().toString())).toList());
    }

    private StatusJson status() {
        Map<String, Object> d = new LinkedHashMap<>();
        dhcp.get().ifPresentOrElse(s -> {
            d.put("mode", s.settings().modeValue().name().toLowerCase(Locale.ROOT));
            d.put("interface", s.settings().iface().isEmpty() ? "*" : s.settings().iface());
            d.put("ports", s.ports());
            d.put("clientsSeen", s.sightings().size());
            d.put("counters", s.counters());
        }, () -> d.put("mode", "off"));
        Map<String, Object> t = new LinkedHashMap<>();
        tftp.get().ifPresentOrElse(s -> {
            t.put("listen", s.localAddress().getAddress().getHostAddress() + ":" + s.localAddress().getPort());
            t.put("stats", s.stats());
        }, () -> t.put("listen", "off"));
        return new StatusJson(d, t);
    }
}
