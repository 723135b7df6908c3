package io.netrescue.inventory;

/** A value from an operator or a network peer that we refuse; the message is shown to people as is. */
public final class InvalidInputException extends RuntimeException {
    public InvalidInputException(String message) {
        super(message);
    }
}
