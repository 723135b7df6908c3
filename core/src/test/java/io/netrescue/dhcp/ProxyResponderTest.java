package io.netrescue.dhcp;

import static io.netrescue.dhcp.Packets.HEX;
import static io.netrescue.dhcp.Packets.ascii;
import static io.netrescue.dhcp.Packets.opt;
import static org.assertj.core.api.Assertions.assertThat;

import io.netrescue.inventory.MacAddress;
import java.io.ByteArrayOutputStream;
import java.net.Inet4Address;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ProxyResponderTest {
    static final Inet4Address US = DhcpPacket.v4(0x0a4d0002), TFTP = DhcpPacket.v4(0x0a4d0003);
    static final BootConfig BOOT = new BootConfig(TFTP, "http://10.77.0.2:8080/ipxe", "http://10.77.0.2:8080/ipxe-bin/",
            "undionly.kpxe", "snponly.efi", Optional.empty());
    static final byte[] OTHER_MAC = HEX.parseHex("020000000001");

    static ProxyResponder proxy(BootConfig boot, boolean knownOnly, DhcpInventory inv) {
        return new ProxyResponder(US, boot, knownOnly, inv);
    }

    static Decision answer(ProxyResponder r, byte[] wire, ReceivedOn port) {
        DhcpPacket p = Packets.decode(wire);
        return r.respond(p, Packets.client(p), port);
    }

    static DhcpPacket reply(Decision d) {
        assertThat(d).isInstanceOf(Decision.Reply.class);
        DhcpPacket r = ((Decision.Reply) d).packet();
        assertThat(Packets.decode(r.encode())).isEqualTo(r); // what we send is what we mean
        return r;
    }

    @Test
    void biosFirmwareGetsUndionlyOverTftpWithWhatPxeRomsNeed() {
        DhcpPacket r = reply(answer(proxy(BOOT, false, DhcpInventory.EMPTY), Packets.firmwareDiscover(0, "PXEClient", OTHER_MAC), ReceivedOn.DHCP));
        assertThat(r.messageType()).contains(MessageType.OFFER);
        assertThat(r.yiaddr()).isEqualTo(DhcpPacket.ZERO);
        assertThat(r.siaddr()).isEqualTo(TFTP);
        assertThat(r.file()).isEqualTo("undionly.kpxe");
        assertThat(r.xid()).isEqualTo(42);
        assertThat(r.flags()).isEqualTo(0x8000);
        assertThat(r.hardwareAddress()).isEqualTo(OTHER_MAC);
        assertThat(r.option(54)).hasValueSatisfying(v -> assertThat(v).isEqualTo(US.getAddress()));
        assertThat(r.option(60).map(String::new)).contains("PXEClient");
        assertThat(r.option(43)).hasValueSatisfying(v -> assertThat(v).isEqualTo(HEX.parseHex("060108ff")));
        assertThat(r.option(97)).hasValueSatisfying(v -> assertThat(HEX.formatHex(v)).isEqualTo("0011223344556677889900aabbccddeeff"));
        assertThat(r.encode().length).isGreaterThanOrEqualTo(300);
    }

    @Test
    void bootFileFollowsTheArchitecture() {
        ProxyResponder p = proxy(BOOT, false, DhcpInventory.EMPTY);
        assertThat(reply(answer(p, Packets.firmwareDiscover(7, "PXEClient", OTHER_MAC), ReceivedOn.DHCP)).file()).isEqualTo("snponly.efi");
        assertThat(reply(answer(p, Packets.firmwareDiscover(9, "PXEClient", OTHER_MAC), ReceivedOn.DHCP)).file()).isEqualTo("snponly.efi");
        BootConfig own = new BootConfig(TFTP, BOOT.bootstrapUrl(), BOOT.binariesUrl(), "undionly.kpxe", "ipxe.efi", Optional.empty());
        assertThat(reply(answer(proxy(own, false, DhcpInventory.EMPTY), Packets.firmwareDiscover(7, "PXEClient", OTHER_MAC), ReceivedOn.DHCP)).file())
                .isEqualTo("ipxe.efi");
        assertThat(answer(p, Packets.firmwareDiscover(6, "PXEClient", OTHER_MAC), ReceivedOn.DHCP))
                .isEqualTo(new Decision.Silent("no iPXE build for architecture efi-ia32", true, List.of()));
    }

    @Test
    void arm64NeedsAConfiguredBuild() {
        Decision none = answer(proxy(BOOT, false, DhcpInventory.EMPTY), Packets.firmwareDiscover(11, "PXEClient", OTHER_MAC), ReceivedOn.DHCP);
        assertThat(none).isInstanceOfSatisfying(Decision.Silent.class, s -> {
            assertThat(s.notable()).isTrue();
            assertThat(s.reason()).contains("dhcp.ipxe.efi-arm64");
        });
        BootConfig arm = new BootConfig(TFTP, BOOT.bootstrapUrl(), BOOT.binariesUrl(), "undionly.kpxe", "snponly.efi", Optional.of("arm64/ipxe.efi"));
        assertThat(reply(answer(proxy(arm, false, DhcpInventory.EMPTY), Packets.firmwareDiscover(11, "PXEClient", OTHER_MAC), ReceivedOn.DHCP)).file())
                .isEqualTo("arm64/ipxe.efi");
    }

    @Test
    void uefiHttpBootGetsAnHttpUrlAndTheHttpClientVendorClass() {
        DhcpPacket r = reply(answer(proxy(BOOT, false, DhcpInventory.EMPTY), Packets.firmwareDiscover(16, "HTTPClient", OTHER_MAC), ReceivedOn.DHCP));
        assertThat(r.file()).isEqualTo("http://10.77.0.2:8080/ipxe-bin/snponly.efi");
        assertThat(r.option(60).map(String::new)).contains("HTTPClient");
        assertThat(r.has(43)).isFalse();
        assertThat(r.siaddr()).isEqualTo(DhcpPacket.ZERO);
    }

    @Test
    void ipxeGetsOurBootstrapScriptWhichBreaksTheChainloadLoop() {
        DhcpPacket r = reply(answer(proxy(BOOT, false, DhcpInventory.EMPTY), Packets.ipxeDiscover(1), ReceivedOn.DHCP));
        assertThat(r.file()).isEqualTo("http://10.77.0.2:8080/ipxe");
        assertThat(r.option(97)).hasValueSatisfying(v -> assertThat(HEX.formatHex(v)).isEqualTo("004e0b5b8c6a2f1e4d9a610123456789ab"));
        // iPXE priority 1 (175.1): our filename beats a site DHCP server's undionly.kpxe
        assertThat(r.option(175)).hasValueSatisfying(v -> assertThat(HEX.formatHex(v)).isEqualTo("010101"));
        BootConfig siteWins = new BootConfig(TFTP, BOOT.bootstrapUrl(), BOOT.binariesUrl(), "undionly.kpxe", "snponly.efi", Optional.empty(), false);
        assertThat(reply(answer(proxy(siteWins, false, DhcpInventory.EMPTY), Packets.ipxeDiscover(1), ReceivedOn.DHCP)).option(175)).isEmpty();
        // firmware that is not iPXE does not read option 175
        assertThat(reply(answer(proxy(BOOT, false, DhcpInventory.EMPTY), Packets.firmwareDiscover(0, "PXEClient", OTHER_MAC), ReceivedOn.DHCP))
                .option(175)).isEmpty();
    }

    @Test
    void answersTheUnicastRequestOn4011WithAnAck() {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        opt(o, 53, new byte[] {3});
        opt(o, 60, ascii("PXEClient"));
        opt(o, 93, HEX.parseHex("0000"));
        opt(o, 77, ascii("iPXE"));
        opt(o, 43, HEX.parseHex("470480000000ff"));
        o.write(255);
        byte[] req = Packets.request(Packets.VM_MAC, 77, 0x0a4d006f, 0, o.toByteArray());
        ProxyResponder p = proxy(BOOT, false, DhcpInventory.EMPTY);
        DhcpPacket r = reply(answer(p, req, ReceivedOn.PXE));
        assertThat(r.messageType()).contains(MessageType.ACK);
        assertThat(r.ciaddr()).isEqualTo(DhcpPacket.v4(0x0a4d006f));
        assertThat(r.yiaddr()).isEqualTo(DhcpPacket.ZERO);
        assertThat(r.file()).isEqualTo("http://10.77.0.2:8080/ipxe");
        // the same REQUEST on 67 is the site server's business; a DISCOVER on 4011 is nobody's
        assertThat(answer(p, req, ReceivedOn.DHCP)).isInstanceOf(Decision.Silent.class);
        assertThat(answer(p, Packets.ipxeDiscover(1), ReceivedOn.PXE)).isInstanceOf(Decision.Silent.class);
    }

    @Test
    void ignoresOrdinaryClientsAndUnknownMachinesWhenKnownOnly() {
        ProxyResponder open = proxy(BOOT, false, DhcpInventory.EMPTY);
        assertThat(answer(open, Packets.plain(1, OTHER_MAC, 0, null, null), ReceivedOn.DHCP)).isInstanceOf(Decision.Silent.class);
        DhcpInventory one = new DhcpInventory() {
            public boolean isKnown(MacAddress mac) {
                return mac.equals(MacAddress.parse("52:54:00:12:34:56"));
            }

            public List<Inet4Address> expectedIps(MacAddress mac) {
                return List.of();
            }

            public boolean reservedForOther(Inet4Address ip, MacAddress mac) {
                return false;
            }
        };
        ProxyResponder known = proxy(BOOT, true, one);
        assertThat(answer(known, Packets.firmwareDiscover(0, "PXEClient", OTHER_MAC), ReceivedOn.DHCP))
                .isEqualTo(new Decision.Silent("not in the inventory (dhcp.known-only)"));
        assertThat(answer(known, Packets.ipxeDiscover(1), ReceivedOn.DHCP)).isInstanceOf(Decision.Reply.class);
    }

    @Test
    void longUrlsGoInOption67() {
        String url = "http://" + "a".repeat(130) + ":8080/ipxe";
        BootConfig longUrl = new BootConfig(TFTP, url, BOOT.binariesUrl(), "undionly.kpxe", "snponly.efi", Optional.empty());
        DhcpPacket r = reply(answer(proxy(longUrl, false, DhcpInventory.EMPTY), Packets.ipxeDiscover(1), ReceivedOn.DHCP));
        assertThat(r.file()).isEmpty();
        assertThat(r.option(67).map(String::new)).contains(url);
    }

    @Test
    void repliesGoToRelaysSendersOfPort4011RequestsOrBroadcast() {
        DhcpPacket disc = Packets.decode(Packets.ipxeDiscover(1));
        DhcpPacket offer = reply(answer(proxy(BOOT, false, DhcpInventory.EMPTY), Packets.ipxeDiscover(1), ReceivedOn.DHCP));
        var src = new java.net.InetSocketAddress(DhcpPacket.v4(0x0a4d006f), 68);
        assertThat(ReplyRouting.destination(disc, offer, ReceivedOn.DHCP, src, 68, 67))
                .isEqualTo(new java.net.InetSocketAddress(ReplyRouting.BROADCAST, 68));
        assertThat(ReplyRouting.destination(disc, offer, ReceivedOn.PXE, src, 68, 67)).isEqualTo(src);
        byte[] relayed = Packets.ipxeDiscover(1);
        relayed[24] = 10; relayed[25] = 1; relayed[26] = 2; relayed[27] = 1;
        assertThat(ReplyRouting.destination(Packets.decode(relayed), offer, ReceivedOn.DHCP, src, 68, 67))
                .isEqualTo(new java.net.InetSocketAddress(DhcpPacket.v4(0x0a010201), 67));
        DhcpPacket renew = Packets.decode(Packets.plain(3, OTHER_MAC, 0x0a4d006f, null, null));
        assertThat(ReplyRouting.destination(renew, offer, ReceivedOn.DHCP, src, 68, 67))
                .isEqualTo(new java.net.InetSocketAddress(DhcpPacket.v4(0x0a4d006f), 68));
    }
}
