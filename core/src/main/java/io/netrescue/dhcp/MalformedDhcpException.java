package io.netrescue.dhcp;

/** A datagram that is not a DHCP message we can read; the server counts it and drops it. */
public final class MalformedDhcpException extends Exception {
    public MalformedDhcpException(String message) {
        super(message, null, false, false);
    }
}
