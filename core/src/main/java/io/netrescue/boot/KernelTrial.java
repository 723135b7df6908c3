package io.netrescue.boot;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * A boot-once test kernel with a deadline ({@code netrescue kernel try}), and the pure judgement of
 * how it went: the trial profile's booted system must report a healthy status ({@code /boot/report},
 * with the per-boot token it was given) before the deadline; a report of failure, or silence past the
 * deadline, fails it, and the server then falls back (previous boot mode, power cycle). With
 * {@code kexec}, the host's agent starts the trial kernel and the boot mode is never changed.
 */
public record KernelTrial(long id, String host, String profile, Instant startedAt, Instant deadline, State state, String detail, boolean kexec) {

    public enum State {
        ARMED, SUCCEEDED, FAILED, CANCELLED;

        public String word() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** Statuses a booted system may report that mean "this kernel works". */
    public static final Set<String> HEALTHY = Set.of("ok", "healthy", "up", "booted");

    /** A {@code boot.report} of the host: when, for which profile, with what status. */
    /**
     * A {@code /boot/report}: when, for which profile, what status, and when the token it carried was issued
     * (a report passes a trial only with a token issued for a boot served during the trial).
     */
    public record Report(Instant at, String profile, String status, Instant tokenIssuedAt) {
        /** A report whose token was issued when it reported (tests). */
        public Report(Instant at, String profile, String status) {
            this(at, profile, status, at);
        }
    }

    public sealed interface Verdict {
        record Waiting() implements Verdict {}

        record Healthy(Instant at, String status) implements Verdict {}

        record Failed(String why) implements Verdict {}
    }

    /** How the trial stands at {@code now}, given the host's reports since it started. */
    public Verdict judge(List<Report> reports, Instant now) {
        Optional<Report> mine = reports.stream()
                .filter(r -> r.profile().equals(profile) && !r.at().isBefore(startedAt) && !r.at().isAfter(deadline)
                        && !r.tokenIssuedAt().isBefore(startedAt)).findFirst();
        if (mine.isPresent()) {
            String st = mine.get().status().strip().toLowerCase(Locale.ROOT);
            if (HEALTHY.contains(st)) return new Verdict.Healthy(mine.get().at(), st);
            return new Verdict.Failed("the trial kernel reported '" + mine.get().status() + "'");
        }
        if (!now.isBefore(deadline)) {
            return new Verdict.Failed("no healthy report from profile " + profile + " within " + Durations.format(Duration.between(startedAt, deadline)));
        }
        return new Verdict.Waiting();
    }
}
