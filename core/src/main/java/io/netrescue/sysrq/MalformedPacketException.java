package io.netrescue.sysrq;

/** A datagram that is not a well-formed, authentic message; the receiver counts it and drops it. */
public final class MalformedPacketException extends Exception {
    private final Reason reason;

    public enum Reason { TRUNCATED, OVERSIZED, BAD_MAGIC, BAD_VERSION, BAD_TYPE, BAD_FIELD, BAD_MAC }

    public MalformedPacketException(Reason reason, String message) {
        super(message, null, false, false);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
