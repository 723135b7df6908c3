package io.netrescue.agent.job;

import java.io.IOException;

/**
 * The server answered a request in a way that sending it again cannot change: 400 (malformed), 404
 * (no such job for this host), 413 (too large). Other failures (no connection, 429, 5xx) are plain
 * {@link IOException}s and are retried.
 */
public final class JobRejected extends IOException {
    private final int status;

    public JobRejected(int status, String message) {
        super(message);
        this.status = status;
    }

    public int status() {
        return status;
    }
}
