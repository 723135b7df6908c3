package io.netrescue.power.server;

/**
 * A power operation that did not happen. {@code retryable} is true for timeouts and transient
 * network errors, false when retrying cannot help (bad credentials, unsupported action, bad setting).
 */
public final class PowerException extends Exception {
    private final boolean retryable;

    public PowerException(String message, boolean retryable) {
        super(message);
        this.retryable = retryable;
    }

    public PowerException(String message, boolean retryable, Throwable cause) {
        super(message, cause);
        this.retryable = retryable;
    }

    public boolean retryable() {
        return retryable;
    }
}
