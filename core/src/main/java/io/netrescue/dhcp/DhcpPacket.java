package io.netrescue.dhcp;

import java.io.ByteArrayOutputStream;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * A DHCP (RFC 2131) or BOOTP message: the fixed header, then the options in wire order. Option
 * overload (52) is resolved on decode: options carried in {@code file}/{@code sname} are appended
 * to {@link #options()} in RFC 2131 order (options, file, sname) and those fields read as empty;
 * option 52, PAD and END are framing and never appear in the list. {@link #encode()} writes all
 * options in the options field and pads the message to 300 bytes, the BOOTP minimum some clients
 * still insist on.
 */
public record DhcpPacket(int op, int htype, int hlen, int hops, int xid, int secs, int flags,
                         Inet4Address ciaddr, Inet4Address yiaddr, Inet4Address siaddr, Inet4Address giaddr,
                         byte[] chaddr, String sname, String file, List<DhcpOption> options) {
    public static final int BOOTREQUEST = 1, BOOTREPLY = 2;
    public static final int FLAG_BROADCAST = 0x8000;
    /** The header (236) plus the magic cookie. */
    public static final int MIN_SIZE = 240;
    public static final int BOOTP_MIN_SIZE = 300;
    public static final int MAX_SIZE = 65_507; // the largest UDP payload over IPv4
    private static final int MAGIC = 0x63825363;
    private static final int SNAME = 44, FILE = 108, COOKIE = 236;
    public static final Inet4Address ZERO = v4(0);

    public DhcpPacket {
        check(op == BOOTREQUEST || op == BOOTREPLY, "op " + op);
        check(htype >= 0 && htype <= 255, "htype " + htype);
        check(hlen >= 0 && hlen <= 16, "hlen " + hlen);
        check(hops >= 0 && hops <= 255, "hops " + hops);
        check(secs >= 0 && secs <= 0xFFFF, "secs " + secs);
        check(flags >= 0 && flags <= 0xFFFF, "flags " + flags);
        check(chaddr.length <= 16, "chaddr of " + chaddr.length + " bytes");
        chaddr = Arrays.copyOf(chaddr, 16);
        ciaddr = orZero(ciaddr);
        yiaddr = orZero(yiaddr);
        siaddr = orZero(siaddr);
        giaddr = orZero(giaddr);
        sname = sname == null ? "" : sname;
        file = file == null ? "" : file;
        check(fits(sname, 64), "sname is longer than 64 bytes or not ISO-8859-1 without NUL");
        check(fits(file, 128), "file is longer than 128 bytes or not ISO-8859-1 without NUL");
        options = List.copyOf(options);
        for (DhcpOption o : options) check(o.code() != DhcpOption.OVERLOAD, "option 52 (overload) is framing, not content");
    }

    private static void check(boolean ok, String what) {
        if (!ok) throw new IllegalArgumentException("invalid DHCP field: " + what);
    }

    private static boolean fits(String s, int max) {
        if (s.length() > max) return false;
        for (int i = 0; i < s.length(); i++) if (s.charAt(i) == 0 || s.charAt(i) > 0xFF) return false;
        return true;
    }

    private static Inet4Address orZero(Inet4Address a) {
        return a == null ? ZERO : a;
    }

    @Override
    public byte[] chaddr() {
        return chaddr.clone();
    }

    /** The first {@code hlen} bytes of chaddr: the client's hardware address. */
    public byte[] hardwareAddress() {
        return Arrays.copyOf(chaddr, hlen);
    }

    public boolean broadcastFlag() {
        return (flags & FLAG_BROADCAST) != 0;
    }

    /** An option's data; several instances of one code are concatenated (RFC 3396). */
    public Optional<byte[]> option(int code) {
        byte[] found = null;
        for (DhcpOption o : options) {
            if (o.code() != code) continue;
            if (found == null) {
                found = o.raw();
            } else {
                byte[] b = Arrays.copyOf(found, found.length + o.length());
                System.arraycopy(o.raw(), 0, b, found.length, o.length());
                found = b;
            }
        }
        return found == null ? Optional.empty() : Optional.of(found.clone());
    }

    public boolean has(int code) {
        for (DhcpOption o : options) if (o.code() == code) return true;
        return false;
    }

    /** Option 53; empty for BOOTP and for types we do not know. */
    public Optional<MessageType> messageType() {
        return option(DhcpOption.MESSAGE_TYPE).filter(b -> b.length == 1).flatMap(b -> MessageType.of(b[0] & 0xFF));
    }

    public static DhcpPacket decode(ByteBuffer in) throws MalformedDhcpException {
        ByteBuffer b = in.slice();
        int n = b.remaining();
        if (n < MIN_SIZE) throw new MalformedDhcpException("too short: " + n + " bytes, a DHCP message has at least " + MIN_SIZE);
        if (n > MAX_SIZE) throw new MalformedDhcpException("too long: " + n + " bytes");
        int op = b.get(0) & 0xFF;
        if (op != BOOTREQUEST && op != BOOTREPLY) throw new MalformedDhcpException("op " + op + " is neither BOOTREQUEST nor BOOTREPLY");
        int hlen = b.get(2) & 0xFF;
        if (hlen > 16) throw new MalformedDhcpException("hardware address length " + hlen + " exceeds chaddr's 16 bytes");
        if (b.getInt(COOKIE) != MAGIC) throw new MalformedDhcpException("no DHCP magic cookie (plain BOOTP is not served)");
        List<DhcpOption> options = new ArrayList<>();
        int overload = parseOptions(b, MIN_SIZE, n, options, "options");
        if ((overload & 1) != 0) parseOptions(b, FILE, COOKIE, options, "file");
        if ((overload & 2) != 0) parseOptions(b, SNAME, FILE, options, "sname");
        byte[] chaddr = new byte[16];
        b.get(28, chaddr);
        return new DhcpPacket(op, b.get(1) & 0xFF, hlen, b.get(3) & 0xFF, b.getInt(4), b.getShort(8) & 0xFFFF, b.getShort(10) & 0xFFFF,
                v4(b.getInt(12)), v4(b.getInt(16)), v4(b.getInt(20)), v4(b.getInt(24)), chaddr,
                (overload & 2) != 0 ? "" : cString(b, SNAME, 64), (overload & 1) != 0 ? "" : cString(b, FILE, 128), options);
    }

    /** Reads options from [from, to); returns the overload value (0 when absent or not in the options field). */
    private static int parseOptions(ByteBuffer b, int from, int to, List<DhcpOption> out, String area) throws MalformedDhcpException {
        int overload = 0;
        int i = from;
        while (i < to) {
            int code = b.get(i) & 0xFF;
            if (code == 0) {
                i++;
                continue;
            }
            if (code == 255) return overload;
            if (i + 1 >= to) throw new MalformedDhcpException("option " + code + " in " + area + " has no length byte");
            int len = b.get(i + 1) & 0xFF;
            if (i + 2 + len > to) throw new MalformedDhcpException("option " + code + " in " + area + " claims " + len + " bytes, " + (to - i - 2) + " remain");
            byte[] data = new byte[len];
            b.get(i + 2, data);
            if (code == DhcpOption.OVERLOAD) {
                if (area.equals("options")) {
                    if (len != 1 || data[0] < 1 || data[0] > 3) throw new MalformedDhcpException("option 52 (overload) must be one byte 1-3");
                    overload = data[0];
                }
            } else {
                out.add(new DhcpOption(code, data));
            }
            i += 2 + len;
        }
        return overload; // no END: tolerated, the datagram's end bounds the options
    }

    private static String cString(ByteBuffer b, int at, int max) {
        int len = 0;
        while (len < max && b.get(at + len) != 0) len++;
        byte[] s = new byte[len];
        b.get(at, s);
        return new String(s, StandardCharsets.ISO_8859_1);
    }

    public byte[] encode() {
        ByteArrayOutputStream opts = new ByteArrayOutputStream(128);
        for (DhcpOption o : options) {
            byte[] d = o.raw();
            int off = 0;
            do { // options over 255 bytes go out as several instances (RFC 3396)
                int len = Math.min(255, d.length - off);
                opts.write(o.code());
                opts.write(len);
                opts.write(d, off, len);
                off += len;
            } while (off < d.length);
        }
        opts.write(255);
        int size = Math.max(BOOTP_MIN_SIZE, MIN_SIZE + opts.size());
        ByteBuffer b = ByteBuffer.allocate(size);
        b.put((byte) op).put((byte) htype).put((byte) hlen).put((byte) hops).putInt(xid)
                .putShort((short) secs).putShort((short) flags)
                .putInt(bits(ciaddr)).putInt(bits(yiaddr)).putInt(bits(siaddr)).putInt(bits(giaddr)).put(chaddr);
        b.put(SNAME, sname.getBytes(StandardCharsets.ISO_8859_1));
        b.put(FILE, file.getBytes(StandardCharsets.ISO_8859_1));
        b.putInt(COOKIE, MAGIC);
        b.put(MIN_SIZE, opts.toByteArray());
        return b.array();
    }

    public static int bits(Inet4Address a) {
        byte[] x = a.getAddress();
        return (x[0] & 0xFF) << 24 | (x[1] & 0xFF) << 16 | (x[2] & 0xFF) << 8 | (x[3] & 0xFF);
    }

    public static Inet4Address v4(int bits) {
        try {
            return (Inet4Address) InetAddress.getByAddress(new byte[] {(byte) (bits >>> 24), (byte) (bits >>> 16), (byte) (bits >>> 8), (byte) bits});
        } catch (UnknownHostException e) {
            throw new AssertionError(e); // four bytes are always an address
        }
    }

    public static boolean isZero(Inet4Address a) {
        return bits(a) == 0;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DhcpPacket p && op == p.op && htype == p.htype && hlen == p.hlen && hops == p.hops && xid == p.xid
                && secs == p.secs && flags == p.flags && ciaddr.equals(p.ciaddr) && yiaddr.equals(p.yiaddr) && siaddr.equals(p.siaddr)
                && giaddr.equals(p.giaddr) && Arrays.equals(chaddr, p.chaddr) && sname.equals(p.sname) && file.equals(p.file)
                && options.equals(p.options);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * xid + Arrays.hashCode(chaddr)) + options.hashCode();
    }

    @Override
    public String toString() {
        return "DhcpPacket[op=" + op + " xid=" + Integer.toHexString(xid) + " chaddr=" + java.util.HexFormat.of().formatHex(chaddr, 0, hlen)
                + " ciaddr=" + ciaddr.getHostAddress() + " yiaddr=" + yiaddr.getHostAddress() + " siaddr=" + siaddr.getHostAddress()
                + " giaddr=" + giaddr.getHostAddress() + " file=" + file + " options=" + options + "]";
    }
}
