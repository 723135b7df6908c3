package io.netrescue.watchdog;

import io.netrescue.inventory.InvalidInputException;
import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

/**
 * A recurring window in which a down host is left alone (planned work reboots machines):
 * {@code "daily 02:00-04:00"}, {@code "sun 01:00-05:00"}, {@code "mon-fri 22:00-02:00"} (may cross
 * midnight; the day is the day the window starts). Times are in the policy's zone.
 */
public record MaintenanceWindow(Set<DayOfWeek> days, LocalTime from, LocalTime to, String text) {

    public static MaintenanceWindow parse(String s) {
        String[] w = s.strip().toLowerCase(Locale.ROOT).split("\\s+");
        if (w.length != 2 || !w[1].matches("\\d\\d:\\d\\d-\\d\\d:\\d\\d")) {
            throw new InvalidInputException("maintenance window '" + s + "' must look like 'sun 02:00-04:00' or 'daily 22:00-02:00'");
        }
        Set<DayOfWeek> days = EnumSet.noneOf(DayOfWeek.class);
        if (w[0].equals("daily")) days = EnumSet.allOf(DayOfWeek.class);
        else {
            for (String part : w[0].split(",")) {
                String[] r = part.split("-");
                DayOfWeek a = day(r[0], s), b = r.length == 2 ? day(r[1], s) : a;
                for (DayOfWeek d = a; ; d = d.plus(1)) {
                    days.add(d);
                    if (d == b) break;
                }
            }
        }
        try {
            LocalTime from = LocalTime.parse(w[1].substring(0, 5)), to = LocalTime.parse(w[1].substring(6));
            if (from.equals(to)) throw new InvalidInputException("maintenance window '" + s + "' is empty");
            return new MaintenanceWindow(days, from, to, s.strip());
        } catch (java.time.format.DateTimeParseException e) {
            throw new InvalidInputException("maintenance window '" + s + "': bad time");
        }
    }

    private static DayOfWeek day(String d, String s) {
        for (DayOfWeek x : DayOfWeek.values()) {
            if (x.name().toLowerCase(Locale.ROOT).startsWith(d) && d.length() == 3) return x;
        }
        throw new InvalidInputException("maintenance window '" + s + "': '" + d + "' is not a day (mon, tue, ... or daily)");
    }

    /** The end of the window that contains {@code t}, or null if none does. */
    public Instant endIfInside(Instant t, ZoneId zone) {
        ZonedDateTime z = t.atZone(zone);
        for (int back = 0; back <= 1; back++) { // the window may have started yesterday
            ZonedDateTime startDay = z.minusDays(back);
            if (!days.contains(startDay.getDayOfWeek())) continue;
            ZonedDateTime start = startDay.with(from);
            ZonedDateTime end = to.isAfter(from) ? startDay.with(to) : startDay.plusDays(1).with(to);
            if (!z.isBefore(start) && z.isBefore(end)) return end.toInstant();
        }
        return null;
    }
}
