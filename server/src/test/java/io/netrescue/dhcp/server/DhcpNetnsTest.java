package io.netrescue.dhcp.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.netrescue.dhcp.DhcpInventory;
import io.netrescue.dhcp.Sightings;
import io.netrescue.inventory.IpAddresses;
import io.netrescue.inventory.MacAddress;
import io.netrescue.store.Database;
import java.net.Inet4Address;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real DHCP clients in network namespaces: busybox udhcpc gets its address from our full mode
 * (pool, reservation, restart), and next to dnsmasq as the site server our ProxyDHCP never offers
 * an address. Root only (namespaces, SO_BINDTODEVICE, port 67); skipped with the reason otherwise.
 */
class DhcpNetnsTest {
    @TempDir
    Path tmp;

    @BeforeEach
    void needsRootAndPeers() {
        assumeTrue(Netns.isRoot(), "needs root: network namespaces, veth pairs and port 67");
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/busybox")) || Files.isExecutable(Path.of("/bin/busybox")),
                "busybox (with udhcpc) not installed: apt-get install busybox-static");
        assumeTrue(Netns.onPath("ip"), "iproute2 not installed");
    }

    /** Runs udhcpc once in {@code ns} on {@code dev}; returns what its script saw ("ip", "serverid", ...). */
    Map<String, String> udhcpc(Netns net, String ns, String dev, String... extra) throws Exception {
        Path script = tmp.resolve("udhcpc-" + System.nanoTime() + ".sh");
        Path out = tmp.resolve("lease-" + System.nanoTime());
        Files.writeString(script, "#!/bin/sh\n[ \"$1\" = bound ] && echo \"ip=$ip serverid=$serverid boot_file=$boot_file siaddr=$siaddr mask=$mask router=$router\" > " + out + "\nexit 0\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
        List<String> cmd = new java.util.ArrayList<>(List.of("ip", "netns", "exec", ns, "busybox", "udhcpc", "-f", "-q", "-n", "-i", dev,
                "-t", "6", "-T", "1", "-s", script.toString()));
        cmd.addAll(List.of(extra));
        Process p = net.start(tmp.resolve("udhcpc.log"), cmd.toArray(String[]::new));
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).as("udhcpc finished").isTrue();
        assertThat(Files.exists(out)).as("udhcpc got a lease; log: " + Files.readString(tmp.resolve("udhcpc.log"))).isTrue();
        Map<String, String> m = new java.util.HashMap<>();
        for (String kv : Files.readString(out).strip().split(" ")) {
            int i = kv.indexOf('=');
            m.put(kv.substring(0, i), kv.substring(i + 1));
        }
        return m;
    }

    static DhcpSettings full(String dev, String known) {
        return new DhcpSettings("full", dev, "10.91.0.1", null, "http://10.91.0.1:8080", null, null, null, null, null, null, null,
                new DhcpSettings.Pool("10.91.0.100", "10.91.0.110", "10.91.0.0/24", "10.91.0.1", List.of("10.91.0.53"), "1h", null, null));
    }

    @Test
    void fullModeLeasesReservationsAndRestart() throws Exception {
        try (Netns net = new Netns()) {
            String c = net.namespace("c");
            String dev = "nrs" + net.id;
            net.veth(dev, "eth0", c);
            Netns.sh("ip", "addr", "add", "10.91.0.1/24", "dev", dev);
            MacAddress reserved = MacAddress.parse("02:00:00:00:91:05");
            DhcpInventory inv = new MapInventory(Map.of(reserved, List.of((Inet4Address) IpAddresses.parse("10.91.0.5"))));
            Path data = tmp.resolve("data");
            try (Database db = Database.openEmbedded(data);
                 DhcpServer s = DhcpServer.start(full(dev, null), inv, new Sightings(100), Optional.of(new LeaseStore(db)), Clock.systemUTC())) {
                Map<String, String> lease = udhcpc(net, c, "eth0");
                assertThat(lease).containsEntry("ip", "10.91.0.100").containsEntry("serverid", "10.91.0.1")
                        .containsEntry("mask", "24").containsEntry("router", "10.91.0.1");
                assertThat(s.counters().replied()).isGreaterThanOrEqualTo(2); // OFFER + ACK
            }
            // a restart from the same store: the same client gets the same address again
            try (Database db = Database.openEmbedded(data);
                 DhcpServer s = DhcpServer.start(full(dev, null), inv, new Sightings(100), Optional.of(new LeaseStore(db)), Clock.systemUTC())) {
                Netns.sh("ip", "-n", c, "link", "set", "eth0", "address", "02:00:00:00:91:77");
                Map<String, String> other = udhcpc(net, c, "eth0");
                assertThat(other.get("ip")).isEqualTo("10.91.0.101");
                Netns.sh("ip", "-n", c, "link", "set", "eth0", "address", reserved.toString());
                assertThat(udhcpc(net, c, "eth0")).containsEntry("ip", "10.91.0.5"); // the inventory's expected IP
                assertThat(new LeaseStore(db).loadAll()).hasSize(3);
            }
            try (Database db = Database.openEmbedded(data);
                 DhcpServer s = DhcpServer.start(full(dev, null), inv, new Sightings(100), Optional.of(new LeaseStore(db)), Clock.systemUTC())) {
                Netns.sh("ip", "-n", c, "link", "set", "eth0", "address", "02:00:00:00:91:77");
                assertThat(udhcpc(net, c, "eth0")).containsEntry("ip", "10.91.0.101");
            }
        }
    }

    @Test
    void proxyCoexistsWithDnsmasqAsTheSiteServer() throws Exception {
        assumeTrue(Netns.onPath("dnsmasq"), "dnsmasq not installed: apt-get install dnsmasq-base");
        try (Netns net = new Netns()) {
            String site = net.namespace("s");
            String c = net.namespace("c");
            Netns.sh("ip", "-n", site, "link", "add", "br0", "type", "bridge");
            Netns.sh("ip", "-n", site, "link", "set", "br0", "type", "bridge", "forward_delay", "0", "stp_state", "0");
            Netns.sh("ip", "-n", site, "addr", "add", "10.92.0.1/24", "dev", "br0");
            Netns.sh("ip", "-n", site, "link", "set", "br0", "up");
            // the client's veth: eth0 in the client namespace, its peer on the site bridge
            Netns.sh("ip", "-n", site, "link", "add", "cport", "type", "veth", "peer", "name", "eth0", "netns", c);
            Netns.sh("ip", "-n", site, "link", "set", "cport", "master", "br0", "up");
            Netns.sh("ip", "-n", c, "link", "set", "eth0", "up");
            // our end: in the root namespace, its peer on the bridge
            String dev = "nrp" + net.id;
            net.veth(dev, "pport", site);
            Netns.sh("ip", "-n", site, "link", "set", "pport", "master", "br0");
            Netns.sh("ip", "addr", "add", "10.92.0.2/24", "dev", dev);
            net.start(tmp.resolve("dnsmasq.log"), "ip", "netns", "exec", site, "dnsmasq", "--no-daemon", "--conf-file=/dev/null", "--port=0",
                    "--interface=br0", "--bind-interfaces", "--dhcp-range=10.92.0.100,10.92.0.150,1h", "--log-dhcp",
                    "--dhcp-leasefile=" + tmp.resolve("site.leases"));
            Thread.sleep(500);
            DhcpSettings proxy = new DhcpSettings("proxy", dev, null, null, "http://10.92.0.2:8080", null, null, null, null, null, null, null, null);
            try (DhcpServer s = DhcpServer.start(proxy, DhcpInventory.EMPTY, new Sightings(100), Optional.empty(), Clock.systemUTC())) {
                Map<String, String> plain = udhcpc(net, c, "eth0");
                assertThat(plain).containsEntry("serverid", "10.92.0.1");
                assertThat(plain.get("ip")).startsWith("10.92.0.1");
                assertThat(s.counters().received()).isGreaterThan(0);
                assertThat(s.counters().replied()).isZero(); // not a PXE client: we stay silent

                // a client that says PXEClient gets our boot offer (yiaddr 0) and still its address from dnsmasq
                Map<String, String> pxe = udhcpc(net, c, "eth0", "-V", "PXEClient:Arch:00000:UNDI:002001");
                assertThat(pxe).containsEntry("serverid", "10.92.0.1");
                assertThat(pxe.get("ip")).startsWith("10.92.0.1");
                assertThat(s.counters().replied()).isGreaterThan(0);
                MacAddress mac = MacAddress.parse(Netns.sh("ip", "netns", "exec", c, "cat", "/sys/class/net/eth0/address").strip());
                assertThat(s.sightings().lookup(mac)).hasValueSatisfying(v -> assertThat(v.arch().code()).isZero());
            }
        }
    }

    record MapInventory(Map<MacAddress, List<Inet4Address>> ips) implements DhcpInventory {
        public boolean isKnown(MacAddress mac) {
            return ips.containsKey(mac);
        }

        public List<Inet4Address> expectedIps(MacAddress mac) {
            return ips.getOrDefault(mac, List.of());
        }

        public boolean reservedForOther(Inet4Address ip, MacAddress mac) {
            return ips.entrySet().stream().anyMatch(e -> e.getValue().contains(ip) && !e.getKey().equals(mac));
        }
    }
}
