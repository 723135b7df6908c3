package io.netrescue.store;

/** The named thing does not exist; the message is shown to people. */
public final class NotFoundException extends RuntimeException {
    public NotFoundException(String message) {
        super(message);
    }
}
