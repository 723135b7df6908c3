package io.netrescue.rescue;

/** A rescue step that the activation's state does not allow (ended, expired, reported twice); shown to people as is. */
public final class RescueConflict extends RuntimeException {
    public RescueConflict(String message) {
        super(message, null, false, false);
    }
}
