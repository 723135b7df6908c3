package io.netrescue.job;

import io.netrescue.inventory.InvalidInputException;

/** The server's answer to output (200 and 409 alike) and to done: what it holds, and whether the operator cancelled. */
public record Ack(long acked, boolean cancel) {
    public Ack {
        if (acked < 0) throw new InvalidInputException("acked must not be negative");
    }
}
