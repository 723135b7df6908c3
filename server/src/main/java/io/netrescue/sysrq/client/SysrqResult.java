package io.netrescue.sysrq.client;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Optional;

/**
 * What became of one SysRq request. {@link #wireName()} is the word in the API's JSON, the CLI's
 * output and the event kind ({@code sysrq.<word>}); clients compare it, so it never changes.
 */
public enum SysrqResult {
    /** The agent ran the request. */
    ACKNOWLEDGED("acknowledged"),
    /** The agent refused it (key not allowed, outside the window, ...). */
    REFUSED("refused"),
    /** The agent did not answer in time: the request may or may not have run. */
    NO_ACK("no-ack"),
    /** xt_SYSRQ: sent, and the kernel never answers. */
    SENT("sent"),
    /** Could not be sent at all. */
    FAILED("failed");

    private final String wireName;

    SysrqResult(String wireName) {
        this.wireName = wireName;
    }

    @JsonValue
    public String wireName() {
        return wireName;
    }

    /** Acknowledged by the agent, or sent to xt_SYSRQ, which is all that dialect can tell. */
    public boolean succeeded() {
        return this == ACKNOWLEDGED || this == SENT;
    }

    /** The keys may have run, so a reboot is worth watching for. */
    public boolean mayHaveRun() {
        return this != REFUSED && this != FAILED;
    }

    /** The result a server answered with; empty for a word this version does not know. */
    public static Optional<SysrqResult> ofWireName(String word) {
        for (SysrqResult r : values()) {
            if (r.wireName.equals(word)) return Optional.of(r);
        }
        return Optional.empty();
    }

    @Override
    public String toString() {
        return wireName;
    }
}
