package io.netrescue.dhcp;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netrescue.inventory.MacAddress;
import java.net.Inet4Address;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Whatever arrives on port 67 or 4011: decoding either gives a packet that re-encodes to itself or
 * throws MalformedDhcpException; the PXE view and both responders never throw on a decoded packet,
 * and every reply they make is itself a valid packet. Seeds: DhcpFuzzTestInputs/.
 */
class DhcpFuzzTest {
    static final Inet4Address US = DhcpPacket.v4(0x0a580001);
    static final DhcpInventory INV = new DhcpInventory() {
        public boolean isKnown(MacAddress mac) {
            return (mac.value() & 1) == 0;
        }

        public List<Inet4Address> expectedIps(MacAddress mac) {
            return List.of(DhcpPacket.v4(0x0a580000 | (int) (mac.value() & 0xFF)));
        }

        public boolean reservedForOther(Inet4Address ip, MacAddress mac) {
            return (DhcpPacket.bits(ip) & 0xFF) != (mac.value() & 0xFF);
        }
    };

    static DhcpPacket decodeOrNull(byte[] raw) {
        try {
            return DhcpPacket.decode(ByteBuffer.wrap(raw));
        } catch (MalformedDhcpException e) {
            return null; // counted and dropped by the server
        }
    }

    static PxeClient clientOrNull(DhcpPacket p) {
        try {
            return PxeClient.parse(p);
        } catch (MalformedDhcpException e) {
            return null;
        }
    }

    static void checkReply(Decision d) {
        if (d instanceof Decision.Reply r) {
            assertThat(decodeOrNull(r.packet().encode())).isEqualTo(r.packet());
            assertThat(r.packet().op()).isEqualTo(DhcpPacket.BOOTREPLY);
        }
    }

    @FuzzTest(maxDuration = "15s")
    void decode(byte[] raw) {
        DhcpPacket p = decodeOrNull(raw);
        if (p != null) assertThat(decodeOrNull(p.encode())).isEqualTo(p);
    }

    @FuzzTest(maxDuration = "15s")
    void pxeClient(byte[] raw) {
        DhcpPacket p = decodeOrNull(raw);
        if (p == null) return;
        PxeClient c = clientOrNull(p);
        if (c != null) assertThat(c.mac().bytes()).isEqualTo(p.hardwareAddress());
    }

    @FuzzTest(maxDuration = "15s")
    void proxyResponder(byte[] raw) {
        DhcpPacket p = decodeOrNull(raw);
        PxeClient c = p == null ? null : clientOrNull(p);
        if (c == null) return;
        BootConfig boot = new BootConfig(US, "http://10.88.0.1:8080/ipxe", "http://10.88.0.1:8080/ipxe-bin", "undionly.kpxe", "snponly.efi",
                Optional.of("arm64.efi"));
        for (ReceivedOn port : ReceivedOn.values()) {
            Decision d = new ProxyResponder(US, boot, (raw.length & 1) == 0, INV).respond(p, c, port);
            checkReply(d);
            if (d instanceof Decision.Reply r) assertThat(r.packet().yiaddr()).isEqualTo(DhcpPacket.ZERO); // never an address
        }
    }

    /** One responder across inputs, so the lease table's state is explored too; time moves with the input. */
    static final FullResponder FULL = new FullResponder(new FullConfig(US, DhcpPacket.v4(0x0a580000), 24, DhcpPacket.v4(0x0a580064),
            DhcpPacket.v4(0x0a580070), Optional.of(US), List.of(US), Duration.ofMinutes(5), Duration.ofSeconds(30), Duration.ofMinutes(1),
            Optional.empty(), false), INV, List.of());
    static Instant now = Instant.parse("2026-01-01T00:00:00Z");

    @FuzzTest(maxDuration = "15s")
    void fullResponder(byte[] raw) {
        DhcpPacket p = decodeOrNull(raw);
        PxeClient c = p == null ? null : clientOrNull(p);
        if (c == null) return;
        now = now.plusSeconds(raw.length % 97);
        Decision d = FULL.respond(p, c, now);
        checkReply(d);
        if (d instanceof Decision.Reply r && r.packet().messageType().orElseThrow() != MessageType.NAK && !DhcpPacket.isZero(r.packet().yiaddr())) {
            assertThat(DhcpPacket.bits(r.packet().yiaddr()) & 0xFFFFFF00).isEqualTo(0x0a580000); // only our subnet
        }
    }
}
