package io.netrescue.sysrq;

import io.netrescue.inventory.InvalidInputException;
import io.netrescue.inventory.Printable;

/**
 * A sequence of magic SysRq keys such as {@code sub} (sync, remount read-only, reboot). Keys are the
 * kernel's: a digit (log level) or a lower-case letter. {@code b}, {@code o} and {@code c} end the
 * running kernel, so they may only come last.
 */
public record SysrqKeys(String keys) {
    public static final int MAX = 32;

    public SysrqKeys {
        if (keys == null || keys.isEmpty()) throw new InvalidInputException("no SysRq keys given");
        if (keys.length() > MAX) throw new InvalidInputException("at most " + MAX + " SysRq keys at once");
        for (int i = 0; i < keys.length(); i++) {
            char c = keys.charAt(i);
            if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))) {
                throw new InvalidInputException("invalid SysRq key '" + Printable.clip(String.valueOf(c)) + "' in '"
                        + Printable.clip(keys) + "' (keys are 0-9 and a-z, e.g. sub)");
            }
            if (terminal(c) && i != keys.length() - 1) {
                throw new InvalidInputException("SysRq key '" + c + "' ends the kernel, so it must be the last key");
            }
        }
    }

    /** Reboot, power off, crash: nothing runs after these. */
    public static boolean terminal(char c) {
        return c == 'b' || c == 'o' || c == 'c';
    }

    public boolean endsKernel() {
        return terminal(keys.charAt(keys.length() - 1));
    }

    /** True if every key is in {@code allowed} (an allow-list written as a string of keys). */
    public boolean allowedBy(String allowed) {
        for (int i = 0; i < keys.length(); i++) if (allowed.indexOf(keys.charAt(i)) < 0) return false;
        return true;
    }

    @Override
    public String toString() {
        return keys;
    }
}
