package io.netrescue.job;

import io.netrescue.inventory.InvalidInputException;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A job as the agent fetches it ({@code GET /rescue/jobs/next}, {@code docs/protocols/jobs.md}): its id,
 * timeout in seconds, the highest output sequence number the server holds, environment additions and
 * the script {@code /bin/sh} runs. The constructor refuses what the contract refuses, so an invalid
 * spec cannot be built (from an operator's input either). {@code script} is not copied.
 */
public record JobSpec(long id, int timeoutSeconds, long acked, List<Env> env, byte[] script) {
    private static final Pattern NAME = Pattern.compile("[A-Z_][A-Z0-9_]{0,63}");

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
