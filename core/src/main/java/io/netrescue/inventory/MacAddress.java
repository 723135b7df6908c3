package io.netrescue.inventory;

import java.util.HexFormat;
import java.util.Locale;

/**
 * A 48-bit Ethernet MAC address. Parses the spellings firmware and people use
 * ({@code aa:bb:cc:dd:ee:ff}, {@code aa-bb-..}, {@code aabb.ccdd.eeff}, {@code aabbccddeeff});
 * prints lower-case with colons.
 */
public record MacAddress(long value) implements Comparable<MacAddress> {

    public MacAddress {
        if ((value & ~0xFFFF_FFFF_FFFFL) != 0) {
            throw new IllegalArgumentException("MAC value out of range");
        }
    }

    public static MacAddress parse(String text) {
        if (text == null || text.isBlank()) {
            throw new InvalidInputException("MAC address is empty");
        }
        String s = text.strip();
        String hex;
        if (s.length() == 17 && (s.indexOf(':') == 2 || s.indexOf('-') == 2)) {
            char sep = s.charAt(2);
            StringBuilder b = new StringBuilder(12);
            for (int i = 0; i < 17; i++) {
                if (i % 3 == 2) {
                    if (s.charAt(i) != sep) return fail(text);
                } else {
                    b.append(s.charAt(i));
                }
            }
            hex = b.toString();
        } else if (s.length() == 14 && s.charAt(4) == '.' && s.charAt(9) == '.') {
            hex = s.substring(0, 4) + s.substring(5, 9) + s.substring(10);
        } else if (s.length() == 12) {
            hex = s;
        } else {
            return fail(text);
        }
        for (int i = 0; i < hex.length(); i++) {
            char c = hex.charAt(i); // ASCII hex only: Character.digit also takes full-width and other scripts' digits
            if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F')) return fail(text);
        }
        return new MacAddress(Long.parseLong(hex, 16));
    }

    private static MacAddress fail(String text) {
        throw new InvalidInputException("malformed MAC address '" + Printable.clip(text) + "' (expected six hex pairs like 52:54:00:12:34:56)");
    }

    public byte[] bytes() {
        byte[] b = new byte[6];
        for (int i = 0; i < 6; i++) b[i] = (byte) (value >>> (40 - 8 * i));
        return b;
    }

    public static MacAddress of(byte[] b) {
        if (b.length != 6) throw new IllegalArgumentException("a MAC address has 6 bytes, not " + b.length);
        long v = 0;
        for (byte x : b) v = (v << 8) | (x & 0xFF);
        return new MacAddress(v);
    }

    /** {@code 52-54-00-12-34-56}: the form PXELINUX uses in {@code pxelinux.cfg/01-...}. */
    public String hyphenated() {
        return HexFormat.ofDelimiter("-").formatHex(bytes());
    }

    @Override
    public String toString() {
        return HexFormat.ofDelimiter(":").formatHex(bytes()).toLowerCase(Locale.ROOT);
    }

    @Override
    public int compareTo(MacAddress o) {
        return Long.compare(value, o.value);
    }
}
