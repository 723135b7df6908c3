package io.netrescue.dhcp;

import io.netrescue.inventory.MacAddress;
import io.netrescue.inventory.SmbiosUuid;
import java.net.Inet4Address;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.UUID;

/**
 * What a DHCP request says about the machine that sent it, as far as booting is concerned. Built
 * from an untrusted packet: every field is checked, and anything malformed in the options we rely
 * on makes the whole request malformed (counted and dropped), rather than half-understood.
 *
 * @param vendorClass PXE or HTTP boot firmware (option 60 prefix), or OTHER for ordinary clients
 * @param archFromOption93 false when the architecture came from option 60's {@code Arch:xxxxx}
 *                         or was assumed (BIOS: old PXE ROMs send no architecture at all)
 * @param uuid option 97 type 0, converted from SMBIOS byte order; empty when absent or a placeholder
 */
public record PxeClient(MessageType type, MacAddress mac, int xid, VendorClass vendorClass, ClientArch arch,
                        boolean archFromOption93, boolean ipxe, Optional<SmbiosUuid> uuid,
                        Optional<Inet4Address> requestedIp, Optional<Inet4Address> serverId,
                        Inet4Address ciaddr, Inet4Address giaddr, boolean broadcast) {

    public enum VendorClass {
        PXE("PXEClient"), HTTP("HTTPClient"), OTHER("");

        private final String prefix;

        VendorClass(String prefix) {
            this.prefix = prefix;
        }

        public String prefix() {
            return prefix;
        }

        public boolean isBootFirmware() {
            return this != OTHER;
        }
    }

    public static PxeClient parse(DhcpPacket p) throws MalformedDhcpException {
        if (p.op() != DhcpPacket.BOOTREQUEST) throw new MalformedDhcpException("not a BOOTREQUEST");
        if (p.htype() != 1 || p.hlen() != 6) throw new MalformedDhcpException("hardware type " + p.htype() + "/" + p.hlen() + " is not Ethernet");
        byte[] mt = p.option(DhcpOption.MESSAGE_TYPE).orElseThrow(() -> new MalformedDhcpException("no message type (option 53)"));
        if (mt.length != 1) throw new MalformedDhcpException("option 53 has " + mt.length + " bytes");
        MessageType type = MessageType.of(mt[0] & 0xFF).orElseThrow(() -> new MalformedDhcpException("unknown message type " + (mt[0] & 0xFF)));
        MacAddress mac = MacAddress.of(p.hardwareAddress());
        String vc = p.option(DhcpOption.VENDOR_CLASS).map(b -> new String(b, StandardCharsets.ISO_8859_1)).orElse("");
        VendorClass vendor = vc.startsWith("PXEClient") ? VendorClass.PXE : vc.startsWith("HTTPClient") ? VendorClass.HTTP : VendorClass.OTHER;
        ClientArch arch = ClientArch.BIOS;
        boolean from93 = false;
        Optional<byte[]> o93 = p.option(DhcpOption.CLIENT_ARCH);
        if (o93.isPresent()) {
            byte[] a = o93.get();
            if (a.length < 2 || a.length % 2 != 0) throw new MalformedDhcpException("option 93 has " + a.length + " bytes, not a list of 16-bit types");
            arch = new ClientArch((a[0] & 0xFF) << 8 | (a[1] & 0xFF)); // the first is the one the firmware runs
            from93 = true;
        } else {
            Optional<ClientArch> fromVc = archFromVendorClass(vc);
            if (fromVc.isPresent()) arch = fromVc.get();
        }
        return new PxeClient(type, mac, p.xid(), vendor, arch, from93, isIpxe(p), uuid(p),
                address(p, DhcpOption.REQUESTED_IP), address(p, DhcpOption.SERVER_ID),
                p.ciaddr(), p.giaddr(), p.broadcastFlag());
    }

    /** {@code PXEClient:Arch:00007:UNDI:003016}: the five digits after {@code Arch:}. */
    static Optional<ClientArch> archFromVendorClass(String vc) {
        int i = vc.indexOf(":Arch:");
        if (i < 0 || i + 11 > vc.length()) return Optional.empty();
        int code = 0;
        for (int k = i + 6; k < i + 11; k++) {
            char c = vc.charAt(k);
            if (c < '0' || c > '9') return Optional.empty();
            code = code * 10 + (c - '0');
        }
        return code <= 0xFFFF ? Optional.of(new ClientArch(code)) : Optional.empty();
    }

    /**
     * iPXE says who it is with user class {@code iPXE}: raw (what it really sends) or RFC 3004
     * length-prefixed; and with its encapsulated option 175.
     */
    static boolean isIpxe(DhcpPacket p) {
        if (p.has(DhcpOption.IPXE_ENCAP)) return true;
        Optional<byte[]> uc = p.option(DhcpOption.USER_CLASS);
        if (uc.isEmpty()) return false;
        byte[] b = uc.get();
        if (isAscii(b, 0, b.length, "iPXE")) return true;
        for (int i = 0; i < b.length; ) {
            int len = b[i] & 0xFF;
            if (len == 0 || i + 1 + len > b.length) return false;
            if (isAscii(b, i + 1, len, "iPXE")) return true;
            i += 1 + len;
        }
        return false;
    }

    private static boolean isAscii(byte[] b, int off, int len, String s) {
        if (len != s.length()) return false;
        for (int i = 0; i < len; i++) if (b[off + i] != s.charAt(i)) return false;
        return true;
    }

    private static Optional<SmbiosUuid> uuid(DhcpPacket p) throws MalformedDhcpException {
        Optional<byte[]> o = p.option(DhcpOption.CLIENT_UUID);
        if (o.isEmpty()) return Optional.empty();
        byte[] b = o.get();
        if (b.length != 17 || b[0] != 0) throw new MalformedDhcpException("option 97 must be type 0 and 16 bytes, got " + b.length + " bytes");
        SmbiosUuid u = fromWire(b, 1);
        return u.isPlaceholder() ? Optional.empty() : Optional.of(u);
    }

    /** The inverse of {@link SmbiosUuid#wireBytes()}: the first three fields are little-endian on the wire. */
    static SmbiosUuid fromWire(byte[] b, int off) {
        long msb = (long) le32(b, off) << 32 | (long) le16(b, off + 4) << 16 | le16(b, off + 6);
        long lsb = 0;
        for (int i = 8; i < 16; i++) lsb = lsb << 8 | (b[off + i] & 0xFF);
        return new SmbiosUuid(new UUID(msb, lsb));
    }

    private static long le32(byte[] b, int i) {
        return (b[i] & 0xFFL) | (b[i + 1] & 0xFFL) << 8 | (b[i + 2] & 0xFFL) << 16 | (b[i + 3] & 0xFFL) << 24;
    }

    private static long le16(byte[] b, int i) {
        return (b[i] & 0xFFL) | (b[i + 1] & 0xFFL) << 8;
    }

    private static Optional<Inet4Address> address(DhcpPacket p, int code) throws MalformedDhcpException {
        Optional<byte[]> o = p.option(code);
        if (o.isEmpty()) return Optional.empty();
        if (o.get().length != 4) throw new MalformedDhcpException("option " + code + " must be an IPv4 address, got " + o.get().length + " bytes");
        return Optional.of(DhcpPacket.v4(java.nio.ByteBuffer.wrap(o.get()).getInt()));
    }
}
