package io.netrescue.job;

import io.netrescue.inventory.InvalidInputException;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A job as the agent fetches it ({@code GET /rescue/jobs/next}, {@code docs/protocols/jobs.md}): its id,
 * timeout in seconds, the highest output sequence number the server holds, environment additions,
 * the script {@code /bin/sh} runs, and which built-in the script is, if it is one (an installed
 * host's agent runs only the kinds its {@code allowed-jobs} names). The constructor refuses what the contract refuses, so an invalid
 * spec cannot be built (from an operator's input either). {@code script} is not copied.
 */
public record JobSpec(long id, int timeoutSeconds, long acked, List<Env> env, byte[] script, java.util.Optional<String> builtin) {
    private static final Pattern NAME = Pattern.compile("[A-Z_][A-Z0-9_]{0,63}");
    /** A built-in's name: lowercase words joined by '-'. */
    public static final Pattern BUILTIN = Pattern.compile("[a-z][a-z0-9-]{0,31}");

    /** A script job (not a built-in). */
    public JobSpec(long id, int timeoutSeconds, long acked, List<Env> env, byte[] script) {
        this(id, timeoutSeconds, acked, env, script, java.util.Optional.empty());
    }

    /** One {@code env NAME value} line: NAME {@code [A-Z_][A-Z0-9_]{0,63}}, value printable ASCII. */
    public record Env(String name, String value) {
        public Env {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(value, "value");
            if (!NAME.matcher(name).matches())
                throw new InvalidInputException("env name '" + JobCodec.clip(name) + "' must match [A-Z_][A-Z0-9_]{0,63}");
            if (value.length() > JobCodec.MAX_ENV_VALUE)
                throw new InvalidInputException("env " + name + ": value longer than " + JobCodec.MAX_ENV_VALUE + " characters");
            if (!JobCodec.printable(value)) throw new InvalidInputException("env " + name + ": value must be printable ASCII");
        }
    }

    public JobSpec {
        Objects.requireNonNull(script, "script");
        Objects.requireNonNull(builtin, "builtin");
        if (builtin.isPresent() && !BUILTIN.matcher(builtin.get()).matches()) {
            throw new InvalidInputException("built-in name '" + JobCodec.clip(builtin.get()) + "' must match " + BUILTIN.pattern());
        }
        env = List.copyOf(env);
        if (id < 1) throw new InvalidInputException("job id must be at least 1, not " + id);
        if (timeoutSeconds < 1 || timeoutSeconds > JobCodec.MAX_TIMEOUT)
            throw new InvalidInputException("timeout must be 1-" + JobCodec.MAX_TIMEOUT + " seconds, not " + timeoutSeconds);
        if (acked < 0) throw new InvalidInputException("acked must not be negative");
        if (env.size() > JobCodec.MAX_ENV) throw new InvalidInputException("at most " + JobCodec.MAX_ENV + " env lines");
        Set<String> names = new HashSet<>();
        for (Env e : env) if (!names.add(e.name())) throw new InvalidInputException("env " + e.name() + " given twice");
        if (script.length > JobCodec.MAX_SCRIPT) throw new InvalidInputException("script of " + script.length + " bytes (max " + JobCodec.MAX_SCRIPT + ")");
    }
}
