package io.netrescue.rescue;

import io.netrescue.inventory.InvalidInputException;
import io.netrescue.inventory.Printable;
import java.util.Locale;
import java.util.Optional;

/**
 * How a host is rebooted into its rescue activation: not at all (it netboots rescue whenever it next
 * boots), a power cycle through its power drivers, or the network SysRq keys {@code sub}. The pure
 * rules of which one can work; the reboot itself is the server's.
 */
public enum Reboot {
    NONE, POWER, SYSRQ;

    /** What a host offers for a reboot: a power driver that can cycle it, SysRq settings that allow {@code sub}. */
    public record Means(boolean powerCycle, boolean sysrq) {}

    public static Reboot parse(String s) {
        if (s == null || s.isBlank()) return NONE;
        return switch (s.strip().toLowerCase(Locale.ROOT)) {
            case "none" -> NONE;
            case "power" -> POWER;
            case "sysrq" -> SYSRQ;
            default -> throw new InvalidInputException("unknown reboot '" + Printable.clip(s) + "': use power, sysrq or none");
        };
    }

    public String word() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Why this reboot cannot work for {@code host}, which offers {@code means}; empty when it can. */
    public Optional<String> refusal(String host, Means means) {
        return switch (this) {
            case NONE -> Optional.empty();
            case POWER -> means.powerCycle() ? Optional.empty()
                    : Optional.of("--reboot power: no power driver of " + host + " can cycle it (netrescue host power " + host + " --set KIND ...)");
            case SYSRQ -> means.sysrq() ? Optional.empty()
                    : Optional.of("--reboot sysrq: " + host + " has no SysRq settings that allow 'sub' (netrescue host sysrq " + host + " ...)");
        };
    }

    /**
     * The ladder's choice: a power cycle works on a hung host whatever its kernel does, so it comes
     * first; SysRq {@code sub} reaches a kernel that still runs its network stack; else none.
     */
    public static Reboot best(Means means) {
        return means.powerCycle() ? POWER : means.sysrq() ? SYSRQ : NONE;
    }
}
