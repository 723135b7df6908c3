package io.netrescue.boot;

import io.netrescue.inventory.InvalidInputException;
import io.netrescue.inventory.Printable;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Durations as people type them: {@code 90s}, {@code 15m}, {@code 2h}, {@code 1d}, {@code 1h30m}. */
public final class Durations {
    private static final Pattern PART = Pattern.compile("(\\d{1,9})(ms|s|m|h|d)");

    private Durations() {}

    public static Duration parse(String text) {
        if (text == null || text.isBlank()) throw new InvalidInputException("duration is empty");
        String s = text.strip();
        Matcher m = PART.matcher(s);
        Duration d = Duration.ZERO;
        int pos = 0;
        while (m.lookingAt()) {
            long n = Long.parseLong(m.group(1));
            d = d.plus(switch (m.group(2)) {
                case "ms" -> Duration.ofMillis(n);
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                case "h" -> Duration.ofHours(n);
                default -> Duration.ofDays(n);
            });
            pos = m.end();
            m.region(pos, s.length());
        }
        if (pos != s.length() || pos == 0) {
            throw new InvalidInputException("malformed duration '" + Printable.clip(text) + "' (examples: 90s, 15m, 2h, 1d, 1h30m)");
        }
        if (d.isZero()) throw new InvalidInputException("duration must be positive");
        return d;
    }

    public static String format(Duration d) {
        long s = d.toSeconds();
        if (s % 86400 == 0) return s / 86400 + "d";
        if (s % 3600 == 0) return s / 3600 + "h";
        if (s % 60 == 0) return s / 60 + "m";
        return s + "s";
    }
}
