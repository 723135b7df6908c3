package io.netrescue.job;

import io.netrescue.inventory.InvalidInputException;
import java.util.Objects;

/** {@code POST /rescue/jobs/ID/done}: the last chunk's seq (0: no output) and how the job ended. */
public record Done(long seq, JobEnd end) {
    public Done {
        Objects.requireNonNull(end, "end");
        if (seq < 0) throw new InvalidInputException("done seq must not be negative");
    }
}
