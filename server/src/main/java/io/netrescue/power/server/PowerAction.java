package io.netrescue.power.server;

import io.netrescue.inventory.InvalidInputException;
import java.util.Locale;

/** The verbs of {@code netrescue power HOST ...}. */
public enum PowerAction {
    STATUS, ON, OFF,
    /** Off, then on again (a hard reset where the device has one). */
    CYCLE,
    /** A warm reset or an ACPI soft signal, where the device has one. */
    SOFT_RESET;

    public String word() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    public static PowerAction parse(String s) {
        for (PowerAction a : values()) if (a.word().equals(s.strip().toLowerCase(Locale.ROOT))) return a;
        throw new InvalidInputException("power action must be status, on, off, cycle or soft-reset, not '" + s + "'");
    }
}
