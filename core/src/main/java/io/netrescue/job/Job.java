package io.netrescue.job;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * A job as stored: what runs (its name, script and environment), on which host, within what time,
 * and how far it got; {@code builtin} names the built-in it is, and {@code endRescue} ends the host's rescue
 * activation once it succeeds; {@code installed} runs it on the host's installed system (its agent allowing it)
 * instead of its rescue system. The script's bytes are not here (they can be a megabyte); {@code JobStore} reads them when a job is handed out.
 */
public record Job(long id, String host, String name, List<EnvVar> env, Duration timeout, JobState state, boolean cancelRequested,
                  Instant createdAt, String createdBy, Optional<Instant> startedAt, Optional<Instant> finishedAt,
                  Optional<Long> activation, Optional<String> end, Optional<String> reason, long acked, long storedBytes, boolean truncated,
                  Optional<String> builtin, boolean endRescue, boolean installed) {
    public record EnvVar(String name, String value) {}

    public Job {
        env = List.copyOf(env);
    }

    /** How long it ran (or has been running, as of {@code now}). */
    public Optional<Duration> duration(Instant now) {
        return startedAt.map(s -> Duration.between(s, finishedAt.orElse(now)));
    }
}
