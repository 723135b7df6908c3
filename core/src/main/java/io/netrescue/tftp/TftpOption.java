package io.netrescue.tftp;

import java.util.Objects;

/** One RFC 2347 option as it travels: name (case-insensitive on the wire) and value, the name non-empty. */
public record TftpOption(String name, String value) {
    public TftpOption {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(value, "value");
        if (name.isEmpty()) throw new IllegalArgumentException("option name is empty");
    }

    public boolean is(String other) {
        return name.equalsIgnoreCase(other);
    }
}
