package io.netrescue.dhcp;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;

/** Requests built byte for byte, the way real clients put them on the wire. */
final class Packets {
    static final HexFormat HEX = HexFormat.of();
    static final byte[] VM_MAC = HEX.parseHex("525400123456");

    private Packets() {}

    /** Appends option {@code code} with {@code data} (raw bytes) to {@code out}. */
    static void opt(ByteArrayOutputStream out, int code, byte[] data) {
        out.write(code);
        out.write(data.length);
        out.writeBytes(data);
    }

    static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    /** The fixed header of a BOOTREQUEST from {@code mac}, with the magic cookie, and then {@code options}. */
    static byte[] request(byte[] mac, int xid, int ciaddr, int flags, byte[] options) {
        ByteBuffer b = ByteBuffer.allocate(240 + options.length);
        b.put((byte) 1).put((byte) 1).put((byte) 6).put((byte) 0).putInt(xid).putShort((short) 4).putShort((short) flags);
        b.putInt(ciaddr).putInt(0).putInt(0).putInt(0).put(mac);
        b.position(236);
        b.putInt(0x63825363).put(options);
        return b.array();
    }

    /**
     * iPXE 1.0.0+git-20190125 (Debian ipxe-qemu, BIOS, virtio-net) DHCPDISCOVER as measured in the lab
     * (shared/lab/README.md): option order and contents as it sends them, QEMU -uuid
     * 8c5b0b4e-2f6a-4d1e-9a61-0123456789ab.
     */
    static byte[] ipxeDiscover(int type) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        opt(o, 53, new byte[] {(byte) type});
        opt(o, 57, HEX.parseHex("05c0"));
        opt(o, 93, HEX.parseHex("0000"));
        opt(o, 94, HEX.parseHex("010201"));
        opt(o, 60, ascii("PXEClient:Arch:00000:UNDI:002001"));
        opt(o, 77, ascii("iPXE"));
        opt(o, 55, new byte[] {1, 3, 6, 7, 12, 15, 17, 26, 43, 60, 66, 67, 119, (byte) 128, (byte) 129, (byte) 130, (byte) 131,
                (byte) 132, (byte) 133, (byte) 134, (byte) 135, (byte) 175, (byte) 203});
        // 175: bus-id (177) PCI 1af4:1000, version (235) 1.0.0, then the one-byte feature flags
        opt(o, 175, HEX.parseHex("b105011af41000" + "eb03010000" + "170101" + "220101" + "130101" + "110101" + "270101"
                + "190101" + "290101" + "100102" + "210101" + "150101" + "180101" + "120101"));
        opt(o, 61, HEX.parseHex("01525400123456"));
        opt(o, 97, HEX.parseHex("004e0b5b8c6a2f1e4d9a610123456789ab"));
        o.write(255);
        return request(VM_MAC, 0x1d4f3c2b, 0, 0, o.toByteArray());
    }

    /** A PXE ROM (not iPXE) of the given architecture: option 93 and the vendor class that goes with it. */
    static byte[] firmwareDiscover(int arch, String vendorPrefix, byte[] mac) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        opt(o, 53, new byte[] {1});
        opt(o, 93, new byte[] {(byte) (arch >> 8), (byte) arch});
        opt(o, 60, ascii(vendorPrefix + ":Arch:" + String.format("%05d", arch) + ":UNDI:003016"));
        opt(o, 97, HEX.parseHex("00" + "11223344556677889900aabbccddeeff"));
        o.write(255);
        return request(mac, 42, 0, 0x8000, o.toByteArray());
    }

    /** An ordinary DHCP client (busybox udhcpc style): no vendor class. */
    static byte[] plain(int type, byte[] mac, int ciaddr, byte[] requested, byte[] serverId) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        opt(o, 53, new byte[] {(byte) type});
        if (requested != null) opt(o, 50, requested);
        if (serverId != null) opt(o, 54, serverId);
        opt(o, 55, new byte[] {1, 3, 6, 12, 15, 28});
        o.write(255);
        return request(mac, 7, ciaddr, 0, o.toByteArray());
    }

    static DhcpPacket decode(byte[] b) {
        try {
            return DhcpPacket.decode(ByteBuffer.wrap(b));
        } catch (MalformedDhcpException e) {
            throw new AssertionError(e);
        }
    }

    static PxeClient client(DhcpPacket p) {
        try {
            return PxeClient.parse(p);
        } catch (MalformedDhcpException e) {
            throw new AssertionError(e);
        }
    }
}
