package io.netrescue.dhcp;

import static io.netrescue.dhcp.Packets.HEX;
import static io.netrescue.dhcp.Packets.ascii;
import static io.netrescue.dhcp.Packets.opt;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class DhcpPacketTest {

    @Test
    void decodesIpxeDiscoverAsMeasured() {
        byte[] wire = Packets.ipxeDiscover(1);
        DhcpPacket p = Packets.decode(wire);
        assertThat(p.op()).isEqualTo(DhcpPacket.BOOTREQUEST);
        assertThat(p.xid()).isEqualTo(0x1d4f3c2b);
        assertThat(p.secs()).isEqualTo(4);
        assertThat(p.hardwareAddress()).isEqualTo(Packets.VM_MAC);
        assertThat(p.messageType()).contains(MessageType.DISCOVER);
        assertThat(p.options()).extracting(DhcpOption::code).containsExactly(53, 57, 93, 94, 60, 77, 55, 175, 61, 97);
        assertThat(p.option(175).orElseThrow()).hasSize(48);
        assertThat(p.option(60).map(String::new)).contains("PXEClient:Arch:00000:UNDI:002001");
        assertThat(p.sname()).isEmpty();
        assertThat(p.file()).isEmpty();
    }

    @Test
    void roundTripsAndPadsToTheBootpMinimum() {
        DhcpPacket p = Packets.decode(Packets.ipxeDiscover(1));
        byte[] again = p.encode();
        assertThat(Packets.decode(again)).isEqualTo(p);
        // our encoding of a captured request is the captured bytes, padded with zeros
        byte[] wire = Packets.ipxeDiscover(1);
        assertThat(Arrays.copyOf(again, wire.length)).isEqualTo(wire);

        DhcpPacket tiny = new DhcpPacket(2, 1, 6, 0, 1, 0, 0, null, null, null, null, Packets.VM_MAC, "", "", List.of());
        assertThat(tiny.encode()).hasSize(300);
        assertThat(Packets.decode(tiny.encode())).isEqualTo(tiny);
    }

    @Test
    void randomPacketsRoundTrip() {
        Random r = new Random(5);
        for (int i = 0; i < 2000; i++) {
            List<DhcpOption> opts = new java.util.ArrayList<>();
            int n = r.nextInt(12);
            for (int k = 0; k < n; k++) {
                int code = 1 + r.nextInt(254);
                if (code == 52) continue;
                byte[] d = new byte[r.nextInt(256)];
                r.nextBytes(d);
                opts.add(new DhcpOption(code, d));
            }
            byte[] mac = new byte[6];
            r.nextBytes(mac);
            DhcpPacket p = new DhcpPacket(1 + r.nextInt(2), 1, 6, r.nextInt(256), r.nextInt(), r.nextInt(65536), r.nextInt(65536),
                    DhcpPacket.v4(r.nextInt()), DhcpPacket.v4(r.nextInt()), DhcpPacket.v4(r.nextInt()), DhcpPacket.v4(r.nextInt()),
                    mac, "srv" + r.nextInt(1000), "boot/file" + r.nextInt(), opts);
            assertThat(Packets.decode(p.encode())).isEqualTo(p);
        }
    }

    @Test
    void optionOverloadReadsFileThenSname() {
        byte[] b = Packets.request(Packets.VM_MAC, 9, 0, 0, HEX.parseHex("350101" + "340103" + "ff"));
        // file (offset 108) holds option 12 "file-opt"; sname (offset 44) holds option 15 "sn"
        ByteArrayOutputStream f = new ByteArrayOutputStream();
        opt(f, 12, ascii("file-opt"));
        f.write(255);
        System.arraycopy(f.toByteArray(), 0, b, 108, f.size());
        ByteArrayOutputStream s = new ByteArrayOutputStream();
        opt(s, 15, ascii("sn"));
        s.write(255);
        System.arraycopy(s.toByteArray(), 0, b, 44, s.size());
        DhcpPacket p = Packets.decode(b);
        assertThat(p.options()).extracting(DhcpOption::code).containsExactly(53, 12, 15);
        assertThat(p.sname()).isEmpty();
        assertThat(p.file()).isEmpty();
        assertThat(new String(p.option(12).orElseThrow())).isEqualTo("file-opt");
    }

    @Test
    void withoutOverloadFileAndSnameAreStrings() {
        byte[] b = Packets.request(Packets.VM_MAC, 9, 0, 0, HEX.parseHex("350101ff"));
        System.arraycopy(ascii("undionly.kpxe"), 0, b, 108, 13);
        System.arraycopy(ascii("tftp1"), 0, b, 44, 5);
        DhcpPacket p = Packets.decode(b);
        assertThat(p.file()).isEqualTo("undionly.kpxe");
        assertThat(p.sname()).isEqualTo("tftp1");
    }

    @Test
    void splitOptionsAreConcatenatedAndLongOnesSplitOnEncode() {
        byte[] big = new byte[600];
        new Random(1).nextBytes(big);
        DhcpPacket p = new DhcpPacket(2, 1, 6, 0, 1, 0, 0, null, null, null, null, Packets.VM_MAC, "", "", List.of(new DhcpOption(43, big)));
        DhcpPacket back = Packets.decode(p.encode());
        assertThat(back.options()).hasSize(3);
        assertThat(back.option(43).orElseThrow()).isEqualTo(big);
    }

    @Test
    void refusesMalformedInputWithAReason() {
        byte[] good = Packets.ipxeDiscover(1);
        assertMalformed(Arrays.copyOf(good, 239), "too short");
        byte[] cookie = good.clone();
        cookie[236] = 0;
        assertMalformed(cookie, "magic cookie");
        byte[] op = good.clone();
        op[0] = 3;
        assertMalformed(op, "op 3");
        byte[] hlen = good.clone();
        hlen[2] = 17;
        assertMalformed(hlen, "hardware address length");
        assertMalformed(Packets.request(Packets.VM_MAC, 1, 0, 0, HEX.parseHex("35")), "no length byte");
        assertMalformed(Packets.request(Packets.VM_MAC, 1, 0, 0, HEX.parseHex("350501ff")), "claims 5 bytes");
        assertMalformed(Packets.request(Packets.VM_MAC, 1, 0, 0, HEX.parseHex("340104ff")), "overload");
        assertMalformed(new byte[70_000], "too long");
    }

    @Test
    void toleratesMissingEndAndPadding() {
        DhcpPacket p = Packets.decode(Packets.request(Packets.VM_MAC, 1, 0, 0, HEX.parseHex("00000035010300")));
        assertThat(p.messageType()).contains(MessageType.REQUEST);
    }

    static void assertMalformed(byte[] b, String why) {
        assertThatThrownBy(() -> DhcpPacket.decode(ByteBuffer.wrap(b))).isInstanceOf(MalformedDhcpException.class).hasMessageContaining(why);
    }
}
