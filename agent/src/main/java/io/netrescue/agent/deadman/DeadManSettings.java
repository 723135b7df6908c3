package io.netrescue.agent.deadman;

import io.netrescue.inventory.InvalidInputException;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.Properties;

/**
 * The dead-man switch's settings (docs/host-preparation.md), from the agent's config. Off unless
 * {@code dead-man} names a period.
 *
 * <pre>
 * dead-man = 10m                   # off (default), or the period: 10s-1d (90s, 10m, 2h)
 * dead-man-target = gateway        # what else counts as "the network works": gateway (the default
 *                                  # route's, looked up at each probe), none, or an IP address
 * dead-man-restart = COMMAND       # /bin/sh -c COMMAND after one silent period (empty: no restart,
 *                                  # the reboot still follows one period later)
 * dead-man-max-reboots = 3         # reboots in any 24 hours (0: never reboot, only restart)
 * dead-man-journal = /var/lib/netrescue-agent/dead-man.log   # every step, fsynced before it is taken
 * </pre>
 *
 * @param target empty: the default gateway; {@link Target.None}; or a fixed address
 */
public record DeadManSettings(Duration period, Target target, String restartCommand, int maxRebootsPerDay, Path journal) {

    /** What the agent probes besides the server. */
    public sealed interface Target {
        record Gateway() implements Target {}

        record None() implements Target {}

        record Address(InetAddress address) implements Target {}
    }

    /** Empty when {@code dead-man} is off (or absent). */
    public static Optional<DeadManSettings> of(Properties p, String where, Path stateDir) {
        String period = p.getProperty("dead-man", "off").strip().toLowerCase(Locale.ROOT);
        if (period.isEmpty() || period.equals("off")) {
            for (String k : p.stringPropertyNames()) {
                if (k.startsWith("dead-man-")) throw new InvalidInputException(where + ": " + k + " needs dead-man = PERIOD (e.g. 10m)");
            }
            return Optional.empty();
        }
        Duration d = duration(period);
        if (d == null || d.compareTo(Duration.ofSeconds(10)) < 0 || d.compareTo(Duration.ofDays(1)) > 0) {
            throw new InvalidInputException(where + ": dead-man must be off or a period of 10s-1d like 90s, 10m or 2h, not '" + period + "'");
        }
        String t = p.getProperty("dead-man-target", "gateway").strip();
        Target target = switch (t.toLowerCase(Locale.ROOT)) {
            case "gateway" -> new Target.Gateway();
            case "none" -> new Target.None();
            default -> {
                try {
                    yield new Target.Address(io.netrescue.inventory.IpAddresses.parse(t));
                } catch (RuntimeException e) {
                    throw new InvalidInputException(where + ": dead-man-target must be gateway, none or an IP address, not '" + t + "'");
                }
            }
        };
        int max;
        try {
            max = Integer.parseInt(p.getProperty("dead-man-max-reboots", "3").strip());
        } catch (NumberFormatException e) {
            max = -1;
        }
        if (max < 0 || max > 100) throw new InvalidInputException(where + ": dead-man-max-reboots must be 0-100");
        Path journal = Path.of(p.getProperty("dead-man-journal", stateDir.resolve("dead-man.log").toString()).strip());
        if (!journal.isAbsolute()) throw new InvalidInputException(where + ": dead-man-journal must be an absolute path");
        return Optional.of(new DeadManSettings(d, target, p.getProperty("dead-man-restart", "").strip(), max, journal));
    }

    /** {@code 90s}, {@code 10m}, {@code 2h}, {@code 1d}, or plain seconds; null if none of these. */
    public static Duration duration(String s) {
        var m = java.util.regex.Pattern.compile("(\\d{1,6})([smhd]?)").matcher(s.strip().toLowerCase(Locale.ROOT));
        if (!m.matches()) return null;
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "", "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            default -> Duration.ofDays(n);
        };
    }

    /** How often the switch looks: often enough to act within a twentieth of the period, at most every 10 s. */
    public Duration tick() {
        long ms = Math.clamp(period.toMillis() / 20, 500, 10_000);
        return Duration.ofMillis(ms);
    }
}
