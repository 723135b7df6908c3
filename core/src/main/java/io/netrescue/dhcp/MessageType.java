package io.netrescue.dhcp;

import java.util.Optional;

/** DHCP message types (option 53, RFC 2132 section 9.6). */
public enum MessageType {
    DISCOVER(1), OFFER(2), REQUEST(3), DECLINE(4), ACK(5), NAK(6), RELEASE(7), INFORM(8);

    private final int code;

    MessageType(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    /** Empty for codes we do not handle (lease query and later extensions). */
    public static Optional<MessageType> of(int code) {
        return code >= 1 && code <= 8 ? Optional.of(values()[code - 1]) : Optional.empty();
    }
}
