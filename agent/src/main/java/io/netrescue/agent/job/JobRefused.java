package io.netrescue.agent.job;

import java.io.IOException;

/** The server refused this agent's token (403): stop asking for jobs, keep delivering what is held. */
public final class JobRefused extends IOException {
    public JobRefused(String message) {
        super(message);
    }
}
