package io.netrescue.dhcp;

import static io.netrescue.dhcp.Packets.HEX;
import static org.assertj.core.api.Assertions.assertThat;

import io.netrescue.inventory.MacAddress;
import java.net.Inet4Address;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** RFC 2131 server behaviour with time as an argument (the fake clock). */
class FullResponderTest {
    static final Inet4Address US = ip("10.88.0.1");
    static final byte[] A = HEX.parseHex("02000000000a"), B = HEX.parseHex("02000000000b"), C = HEX.parseHex("02000000000c");
    Instant now = Instant.parse("2026-11-24T10:00:00Z");
    final Map<MacAddress, List<Inet4Address>> reservations = new HashMap<>();
    final DhcpInventory inv = new DhcpInventory() {
        public boolean isKnown(MacAddress mac) {
            return reservations.containsKey(mac);
        }

        public List<Inet4Address> expectedIps(MacAddress mac) {
            return reservations.getOrDefault(mac, List.of());
        }

        public boolean reservedForOther(Inet4Address ip, MacAddress mac) {
            return reservations.entrySet().stream().anyMatch(e -> e.getValue().contains(ip) && !e.getKey().equals(mac));
        }
    };

    static Inet4Address ip(String s) {
        return (Inet4Address) io.netrescue.inventory.IpAddresses.parse(s);
    }

    static FullConfig config(String start, String end, boolean knownOnly) {
        return new FullConfig(US, ip("10.88.0.0"), 24, ip(start), ip(end), Optional.of(US), List.of(ip("10.88.0.53"), ip("10.88.0.54")),
                Duration.ofHours(1), Duration.ofSeconds(30), Duration.ofMinutes(10),
                Optional.of(ProxyResponderTest.BOOT), knownOnly);
    }

    Decision send(FullResponder r, byte[] wire) {
        DhcpPacket p = Packets.decode(wire);
        return r.respond(p, Packets.client(p), now);
    }

    static DhcpPacket packet(Decision d) {
        return ProxyResponderTest.reply(d);
    }

    /** DISCOVER, then REQUEST of what was offered; returns the ACK. */
    DhcpPacket lease(FullResponder r, byte[] mac, List<Lease> stored) {
        DhcpPacket offer = packet(send(r, Packets.plain(1, mac, 0, null, null)));
        assertThat(offer.messageType()).contains(MessageType.OFFER);
        Decision ack = send(r, Packets.plain(3, mac, 0, offer.yiaddr().getAddress(), US.getAddress()));
        assertThat(ack).isInstanceOf(Decision.Reply.class);
        stored.addAll(((Decision.Reply) ack).durable());
        return packet(ack);
    }

    @Test
    void discoverOfferRequestAckWithTheNetworkSettings() {
        FullResponder r = new FullResponder(config("10.88.0.100", "10.88.0.199", false), inv, List.of());
        List<Lease> stored = new ArrayList<>();
        DhcpPacket ack = lease(r, A, stored);
        assertThat(ack.messageType()).contains(MessageType.ACK);
        assertThat(ack.yiaddr()).isEqualTo(ip("10.88.0.100"));
        assertThat(ack.option(1)).hasValueSatisfying(v -> assertThat(HEX.formatHex(v)).isEqualTo("ffffff00"));
        assertThat(ack.option(3)).hasValueSatisfying(v -> assertThat(v).isEqualTo(US.getAddress()));
        assertThat(ack.option(6)).hasValueSatisfying(v -> assertThat(HEX.formatHex(v)).isEqualTo("0a5800350a580036"));
        assertThat(ack.option(51)).hasValueSatisfying(v -> assertThat(HEX.formatHex(v)).isEqualTo("00000e10"));
        assertThat(ack.option(54)).hasValueSatisfying(v -> assertThat(v).isEqualTo(US.getAddress()));
        assertThat(ack.file()).isEmpty(); // not a PXE client: no boot file
        assertThat(stored).containsExactly(new Lease(ip("10.88.0.100"), MacAddress.of(A), Lease.State.BOUND, now.plus(Duration.ofHours(1))));
        // a second client gets the next address
        assertThat(lease(r, B, stored).yiaddr()).isEqualTo(ip("10.88.0.101"));
    }

    @Test
    void pxeClientsGetTheirBootFileInTheSameReply() {
        FullResponder r = new FullResponder(config("10.88.0.100", "10.88.0.199", false), inv, List.of());
        DhcpPacket offer = packet(send(r, Packets.firmwareDiscover(7, "PXEClient", A)));
        assertThat(offer.yiaddr()).isEqualTo(ip("10.88.0.100"));
        assertThat(offer.file()).isEqualTo("snponly.efi");
        assertThat(offer.siaddr()).isEqualTo(ProxyResponderTest.TFTP);
        assertThat(packet(send(r, Packets.ipxeDiscover(1))).file()).isEqualTo("http://10.77.0.2:8080/ipxe");
    }

    @Test
    void reservationsAlwaysGetTheirExpectedAddressAndThePoolSkipsThem() {
        reservations.put(MacAddress.of(A), List.of(ip("192.168.1.5"), ip("10.88.0.42")));
        reservations.put(MacAddress.of(C), List.of(ip("10.88.0.100")));
        FullResponder r = new FullResponder(config("10.88.0.100", "10.88.0.199", false), inv, List.of());
        List<Lease> stored = new ArrayList<>();
        assertThat(lease(r, A, stored).yiaddr()).isEqualTo(ip("10.88.0.42")); // outside the pool, first one in the subnet
        assertThat(lease(r, B, stored).yiaddr()).isEqualTo(ip("10.88.0.101")); // .100 is C's
        assertThat(lease(r, C, stored).yiaddr()).isEqualTo(ip("10.88.0.100"));
        // A asking for a pool address is told no: it must come back for its reservation
        Decision nak = send(r, Packets.plain(3, A, 0, ip("10.88.0.150").getAddress(), null));
        assertThat(packet(nak).messageType()).contains(MessageType.NAK);
        assertThat(packet(nak).broadcastFlag()).isTrue();
    }

    @Test
    void nakForAnAddressHeldByAnotherClientOrOutsideTheSubnet() {
        FullResponder r = new FullResponder(config("10.88.0.100", "10.88.0.199", false), inv, List.of());
        lease(r, A, new ArrayList<>());
        assertThat(packet(send(r, Packets.plain(3, B, 0, ip("10.88.0.100").getAddress(), null))).messageType()).contains(MessageType.NAK);
        assertThat(packet(send(r, Packets.plain(3, B, 0, ip("192.168.0.7").getAddress(), null))).messageType()).contains(MessageType.NAK);
        // renewing (ciaddr) our own lease is fine and extends it
        now = now.plus(Duration.ofMinutes(30));
        Decision renew = send(r, Packets.plain(3, A, DhcpPacket.bits(ip("10.88.0.100")), null, null));
        assertThat(((Decision.Reply) renew).durable().getFirst().expires()).isEqualTo(now.plus(Duration.ofHours(1)));
    }

    @Test
    void choosingAnotherServerFreesTheOffer() {
        FullResponder r = new FullResponder(config("10.88.0.100", "10.88.0.100", false), inv, List.of());
        assertThat(packet(send(r, Packets.plain(1, A, 0, null, null))).yiaddr()).isEqualTo(ip("10.88.0.100"));
        assertThat(send(r, Packets.plain(1, B, 0, null, null))).isInstanceOf(Decision.Silent.class); // held for A
        assertThat(send(r, Packets.plain(3, A, 0, ip("10.88.0.100").getAddress(), ip("10.88.0.250").getAddress())))
                .isInstanceOf(Decision.Silent.class);
        assertThat(packet(send(r, Packets.plain(1, B, 0, null, null))).yiaddr()).isEqualTo(ip("10.88.0.100"));
    }

    @Test
    void offersAreHeldBrieflyAndLeasesUntilTheyExpire() {
        FullResponder r = new FullResponder(config("10.88.0.100", "10.88.0.100", false), inv, List.of());
        send(r, Packets.plain(1, A, 0, null, null));
        now = now.plus(Duration.ofSeconds(31));
        assertThat(packet(send(r, Packets.plain(1, B, 0, null, null))).yiaddr()).isEqualTo(ip("10.88.0.100"));
        send(r, Packets.plain(3, B, 0, ip("10.88.0.100").getAddress(), US.getAddress()));
        now = now.plus(Duration.ofMinutes(59));
        assertThat(send(r, Packets.plain(1, A, 0, null, null))).isEqualTo(new Decision.Silent("no free address in the pool", true, List.of()));
        now = now.plus(Duration.ofMinutes(2));
        assertThat(packet(send(r, Packets.plain(1, A, 0, null, null))).yiaddr()).isEqualTo(ip("10.88.0.100"));
    }

    @Test
    void returningClientsKeepTheirAddressAcrossReleaseAndRestart() {
        List<Lease> stored = new ArrayList<>();
        FullResponder r = new FullResponder(config("10.88.0.100", "10.88.0.199", false), inv, List.of());
        lease(r, A, stored);
        DhcpPacket b = lease(r, B, stored);
        Decision rel = send(r, Packets.plain(7, B, DhcpPacket.bits(b.yiaddr()), null, US.getAddress()));
        assertThat(rel).isInstanceOf(Decision.Silent.class);
        stored.addAll(((Decision.Silent) rel).durable());
        assertThat(stored.getLast().state()).isEqualTo(Lease.State.RELEASED);
        // a restart: a new responder from what was stored, last write per address wins
        Map<Inet4Address, Lease> rows = new HashMap<>();
        stored.forEach(l -> rows.put(l.ip(), l));
        FullResponder again = new FullResponder(config("10.88.0.100", "10.88.0.199", false), inv, rows.values());
        assertThat(packet(send(again, Packets.plain(1, A, 0, null, null))).yiaddr()).isEqualTo(ip("10.88.0.100"));
        assertThat(packet(send(again, Packets.plain(1, B, 0, null, null))).yiaddr()).isEqualTo(ip("10.88.0.101"));
        assertThat(packet(send(again, Packets.plain(1, C, 0, null, null))).yiaddr()).isEqualTo(ip("10.88.0.102"));
    }

    @Test
    void declinedAddressesAreSkippedForAWhile() {
        FullResponder r = new FullResponder(config("10.88.0.100", "10.88.0.101", false), inv, List.of());
        DhcpPacket ack = lease(r, A, new ArrayList<>());
        Decision d = send(r, Packets.plain(4, A, 0, ack.yiaddr().getAddress(), US.getAddress()));
        assertThat(((Decision.Silent) d).durable()).extracting(Lease::state).containsExactly(Lease.State.DECLINED);
        assertThat(lease(r, A, new ArrayList<>()).yiaddr()).isEqualTo(ip("10.88.0.101"));
        assertThat(send(r, Packets.plain(1, B, 0, null, null))).isInstanceOf(Decision.Silent.class);
        now = now.plus(Duration.ofMinutes(11));
        assertThat(packet(send(r, Packets.plain(1, B, 0, null, null))).yiaddr()).isEqualTo(ip("10.88.0.100"));
    }

    @Test
    void requestedAddressIsHonouredWhenFree() {
        FullResponder r = new FullResponder(config("10.88.0.100", "10.88.0.199", false), inv, List.of());
        assertThat(packet(send(r, Packets.plain(1, A, 0, ip("10.88.0.150").getAddress(), null))).yiaddr()).isEqualTo(ip("10.88.0.150"));
        assertThat(packet(send(r, Packets.plain(1, B, 0, ip("10.88.0.150").getAddress(), null))).yiaddr()).isEqualTo(ip("10.88.0.100"));
    }

    @Test
    void informGetsSettingsButNoAddressAndKnownOnlyIgnoresStrangers() {
        FullResponder r = new FullResponder(config("10.88.0.100", "10.88.0.199", false), inv, List.of());
        DhcpPacket ack = packet(send(r, Packets.plain(8, A, DhcpPacket.bits(ip("10.88.0.7")), null, null)));
        assertThat(ack.yiaddr()).isEqualTo(DhcpPacket.ZERO);
        assertThat(ack.ciaddr()).isEqualTo(ip("10.88.0.7"));
        assertThat(ack.has(51)).isFalse();
        assertThat(ack.has(1)).isTrue();
        reservations.put(MacAddress.of(A), List.of());
        FullResponder known = new FullResponder(config("10.88.0.100", "10.88.0.199", true), inv, List.of());
        assertThat(send(known, Packets.plain(1, B, 0, null, null))).isInstanceOf(Decision.Silent.class);
        assertThat(send(known, Packets.plain(1, A, 0, null, null))).isInstanceOf(Decision.Reply.class);
    }
}
