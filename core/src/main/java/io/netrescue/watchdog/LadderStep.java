package io.netrescue.watchdog;

import io.netrescue.boot.Durations;
import io.netrescue.inventory.InvalidInputException;
import java.time.Duration;
import java.util.Locale;

/** One rung of an escalation ladder, written in policies as text: {@code wait 60s}, {@code sysrq sisub}, ... */
public sealed interface LadderStep {

    /** Give the host time to come back by itself or from the previous step. Scaled by the attempt's back-off. */
    record Wait(Duration duration) implements LadderStep {
        public String text() {
            return "wait " + Durations.format(duration);
        }
    }

    /** Network SysRq in the host's dialect (agent or xt_SYSRQ): a hung kernel that still handles interrupts syncs and reboots. */
    record Sysrq(String keys) implements LadderStep {
        public String text() {
            return "sysrq " + keys;
        }
    }

    /** A power action through the host's first power driver that has it: {@code on}, {@code off}, {@code cycle}, {@code soft-reset}. */
    record Power(String action) implements LadderStep {
        public String text() {
            return "power " + action;
        }
    }

    /** Set the host's next boot to the rescue system, then power cycle it. */
    record Rescue() implements LadderStep {
        public String text() {
            return "rescue";
        }
    }

    /** Ask a person to go to the machine (webhook/ticket with the host's details and history). */
    record HandsOn() implements LadderStep {
        public String text() {
            return "hands-on";
        }
    }

    String text();

    static LadderStep parse(String s) {
        String[] w = s.strip().toLowerCase(Locale.ROOT).split("\\s+");
        switch (w[0]) {
            case "wait" -> {
                if (w.length != 2) throw new InvalidInputException("'" + s + "': wait needs a duration, e.g. 'wait 60s'");
                Duration d = Durations.parse(w[1]);
                if (d.isZero() || d.isNegative()) throw new InvalidInputException("'" + s + "': wait must be positive");
                return new Wait(d);
            }
            case "sysrq" -> {
                if (w.length != 2 || !w[1].matches("[0-9a-z]{1,16}")) {
                    throw new InvalidInputException("'" + s + "': sysrq needs its keys, e.g. 'sysrq sisub'");
                }
                return new Sysrq(w[1]);
            }
            case "power" -> {
                if (w.length != 2 || !java.util.Set.of("on", "off", "cycle", "soft-reset").contains(w[1])) {
                    throw new InvalidInputException("'" + s + "': power needs on, off, cycle or soft-reset");
                }
                return new Power(w[1]);
            }
            case "rescue" -> {
                if (w.length != 1) throw new InvalidInputException("'" + s + "': rescue takes no argument");
                return new Rescue();
            }
            case "hands-on" -> {
                if (w.length != 1) throw new InvalidInputException("'" + s + "': hands-on takes no argument");
                return new HandsOn();
            }
            default -> throw new InvalidInputException("'" + s + "' is not a ladder step (wait D, sysrq KEYS, power ACTION, rescue, hands-on)");
        }
    }
}
