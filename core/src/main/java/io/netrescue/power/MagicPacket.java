package io.netrescue.power;

import io.netrescue.inventory.InvalidInputException;
import io.netrescue.inventory.MacAddress;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Optional;

/**
 * A Wake-on-LAN magic packet (AMD, "Magic Packet Technology", 1995): six bytes 0xFF, the target MAC sixteen
 * times, and optionally a 4- or 6-byte SecureOn password that NICs supporting it compare before waking.
 * The password is a weak shared value sent in clear; {@link #toString()} never shows it.
 */
public record MagicPacket(MacAddress target, byte[] password) {
    public static final int SYNC = 6;
    public static final int REPEATS = 16;
    public static final int LENGTH = SYNC + REPEATS * 6;

    public MagicPacket {
        if (password.length != 0 && password.length != 4 && password.length != 6) {
            throw new IllegalArgumentException("a SecureOn password has 4 or 6 bytes, not " + password.length);
        }
        password = password.clone();
    }

    public static MagicPacket of(MacAddress target) {
        return new MagicPacket(target, new byte[0]);
    }

    @Override
    public byte[] password() {
        return password.clone();
    }

    public byte[] encode() {
        byte[] b = new byte[LENGTH + password.length];
        Arrays.fill(b, 0, SYNC, (byte) 0xFF);
        byte[] mac = target.bytes();
        for (int i = 0; i < REPEATS; i++) System.arraycopy(mac, 0, b, SYNC + 6 * i, 6);
        System.arraycopy(password, 0, b, LENGTH, password.length);
        return b;
    }

    /**
     * Recognises exactly what {@link #encode} produces (102, 106 or 108 bytes); anything else, including a
     * magic packet embedded in a longer payload, is empty. Never throws.
     */
    public static Optional<MagicPacket> parse(byte[] b, int length) {
        if (b == null || length < 0 || length > b.length) return Optional.empty();
        if (length != LENGTH && length != LENGTH + 4 && length != LENGTH + 6) return Optional.empty();
        for (int i = 0; i < SYNC; i++) if (b[i] != (byte) 0xFF) return Optional.empty();
        for (int i = 1; i < REPEATS; i++) {
            if (!Arrays.equals(b, SYNC, SYNC + 6, b, SYNC + 6 * i, SYNC + 6 * i + 6)) return Optional.empty();
        }
        return Optional.of(new MagicPacket(MacAddress.of(Arrays.copyOfRange(b, SYNC, SYNC + 6)), Arrays.copyOfRange(b, LENGTH, length)));
    }

    /**
     * A SecureOn password as ether-wake takes it: six hex pairs like a MAC ({@code 01:02:03:04:05:06}),
     * four hex pairs, or four dotted decimals ({@code 192.168.1.1}). The message never repeats the value.
     */
    public static byte[] parsePassword(String text) {
        String s = text == null ? "" : text.strip();
        String[] dotted = s.split("\\.", -1);
        if (dotted.length == 4) {
            byte[] b = new byte[4];
            for (int i = 0; i < 4; i++) {
                if (!dotted[i].matches("[0-9]{1,3}") || Integer.parseInt(dotted[i]) > 255) throw badPassword();
                b[i] = (byte) Integer.parseInt(dotted[i]);
            }
            return b;
        }
        String hex = s.replace(":", "").replace("-", "");
        boolean separated = hex.length() != s.length();
        if ((hex.length() != 8 && hex.length() != 12) || !hex.matches("[0-9A-Fa-f]+")) throw badPassword();
        if (separated && !s.matches("[0-9A-Fa-f]{2}([:-][0-9A-Fa-f]{2}){3}|[0-9A-Fa-f]{2}([:-][0-9A-Fa-f]{2}){5}")) throw badPassword();
        return HexFormat.of().parseHex(hex);
    }

    private static InvalidInputException badPassword() {
        return new InvalidInputException("the SecureOn password (the secret) must be 4 or 6 bytes written as hex pairs "
                + "(01:02:03:04:05:06) or dotted decimal (192.168.1.1)");
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof MagicPacket m && m.target.equals(target) && Arrays.equals(m.password, password);
    }

    @Override
    public int hashCode() {
        return target.hashCode() * 31 + Arrays.hashCode(password);
    }

    @Override
    public String toString() {
        return "MagicPacket[" + target + (password.length == 0 ? "" : ", SecureOn " + password.length + " bytes") + "]";
    }
}
