package io.netrescue.store;

/** The change collides with existing data (a duplicate name or MAC, a profile in use). */
public final class ConflictException extends RuntimeException {
    public ConflictException(String message) {
        super(message);
    }
}
