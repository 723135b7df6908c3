package io.netrescue.tftp;

import java.util.Locale;
import java.util.Optional;

/** RFC 1350 transfer modes; the wire spelling is case-insensitive. */
public enum TransferMode {
    NETASCII, OCTET, MAIL;

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Optional<TransferMode> parse(String s) {
        for (TransferMode m : values()) {
            if (m.wireName().equalsIgnoreCase(s)) return Optional.of(m);
        }
        return Optional.empty();
    }
}
