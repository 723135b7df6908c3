package io.netrescue.rescue.server;

/** A rescue system's per-boot token that does not belong to a live activation of its host: HTTP 403. */
public final class RescueTokenRefused extends RuntimeException {
    public RescueTokenRefused(String message) {
        super(message, null, false, false);
    }
}
