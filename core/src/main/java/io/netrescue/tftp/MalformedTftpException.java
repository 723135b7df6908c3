package io.netrescue.tftp;

/** A datagram that is not a well-formed TFTP packet; the server counts it and drops it. */
public final class MalformedTftpException extends Exception {
    private final Reason reason;

    public enum Reason { TRUNCATED, OVERSIZED, BAD_OPCODE, BAD_STRING, BAD_MODE, BAD_OPTION }

    public MalformedTftpException(Reason reason, String message) {
        super(message, null, false, false); // no stack trace: thrown for every bad datagram
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
