package io.netrescue.sysrq;

import io.netrescue.inventory.InvalidInputException;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;

/**
 * The request format of the kernel module xt_SYSRQ (xtables-addons): one UDP payload
 * {@code <keys>,<seqno>,<salt>,<hash>}, where hash is the hex digest of everything up to and including
 * the third comma, followed by {@code <destination address>,<password>}. The destination is the
 * address the target kernel sees in the IP header: dotted IPv4, or IPv6 with all eight groups written
 * out with leading zeros (the kernel's {@code %pI6}). The module accepts a request only if its seqno
 * is greater than the last one it accepted; it gives no answer either way.
 */
public final class XtSysrq {
    public enum Hash {
        SHA1("SHA-1"), SHA256("SHA-256");

        final String jca;

        Hash(String jca) {
            this.jca = jca;
        }

        public static Hash parse(String s) {
            return switch (s == null ? "" : s.toLowerCase(Locale.ROOT)) {
                case "sha1", "sha-1" -> SHA1;
                case "sha256", "sha-256" -> SHA256;
                default -> throw new InvalidInputException("xt_SYSRQ hash must be sha1 or sha256, not '" + s + "'");
            };
        }
    }

    private XtSysrq() {}

    /** The UDP payload for {@code keys} with sequence number {@code seqno} and {@code salt} (hex, no commas). */
    public static byte[] request(SysrqKeys keys, long seqno, String salt, InetAddress destination, byte[] password, Hash hash) {
        if (seqno < 0) throw new IllegalArgumentException("seqno must not be negative");
        if (!salt.matches("[0-9a-f]{1,64}")) throw new IllegalArgumentException("salt must be 1-64 lower-case hex digits");
        String head = keys.keys() + "," + Long.toUnsignedString(seqno) + "," + salt + ",";
        String digest = digest(head, destination, password, hash);
        return (head + digest).getBytes(StandardCharsets.US_ASCII);
    }

    static String digest(String head, InetAddress destination, byte[] password, Hash hash) {
        try {
            MessageDigest md = MessageDigest.getInstance(hash.jca);
            md.update(head.getBytes(StandardCharsets.US_ASCII));
            md.update((formatAddress(destination) + ",").getBytes(StandardCharsets.US_ASCII));
            md.update(password);
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The kernel's {@code %pI4} / {@code %pI6}: IPv6 fully expanded, lower-case, no compression. */
    public static String formatAddress(InetAddress a) {
        if (a instanceof Inet4Address) return a.getHostAddress();
        if (a instanceof Inet6Address) {
            byte[] b = a.getAddress();
            StringBuilder s = new StringBuilder(39);
            for (int i = 0; i < 16; i += 2) {
                if (i > 0) s.append(':');
                s.append(String.format("%02x%02x", b[i] & 0xff, b[i + 1] & 0xff));
            }
            return s.toString();
        }
        throw new IllegalArgumentException("not an IP address: " + a);
    }
}
