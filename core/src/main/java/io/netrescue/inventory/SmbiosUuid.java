package io.netrescue.inventory;

import java.util.Locale;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * A machine's SMBIOS system UUID in its canonical text form (what iPXE's {@code ${uuid}} prints).
 * On the wire (DHCP option 97, PXELINUX file names) the first three fields are little-endian:
 * {@link #wireBytes()} gives that order.
 */
public record SmbiosUuid(UUID value) {
    private static final Pattern FORM = Pattern.compile("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");

    public static SmbiosUuid parse(String text) {
        if (text == null || !FORM.matcher(text.strip()).matches()) {
            throw new InvalidInputException("malformed UUID '" + Printable.clip(text) + "' (expected 8-4-4-4-12 hex digits)");
        }
        return new SmbiosUuid(UUID.fromString(text.strip()));
    }

    /** All-zero or all-ones UUIDs mean "not set" (QEMU without -uuid sends zeros). */
    public boolean isPlaceholder() {
        return (value.getMostSignificantBits() == 0 && value.getLeastSignificantBits() == 0)
                || (value.getMostSignificantBits() == -1 && value.getLeastSignificantBits() == -1);
    }

    /** The 16 bytes in SMBIOS order: time_low, time_mid, time_hi little-endian, the rest as printed. */
    public byte[] wireBytes() {
        byte[] b = new byte[16];
        long msb = value.getMostSignificantBits(), lsb = value.getLeastSignificantBits();
        for (int i = 0; i < 8; i++) b[i] = (byte) (msb >>> (56 - 8 * i));
        for (int i = 0; i < 8; i++) b[8 + i] = (byte) (lsb >>> (56 - 8 * i));
        swap(b, 0, 3); swap(b, 1, 2); swap(b, 4, 5); swap(b, 6, 7);
        return b;
    }

    private static void swap(byte[] b, int i, int j) {
        byte t = b[i]; b[i] = b[j]; b[j] = t;
    }

    @Override
    public String toString() {
        return value.toString().toLowerCase(Locale.ROOT);
    }
}
