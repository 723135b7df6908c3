package io.netrescue.sysrq.client;

/** Too many requests for one host in the current window; the API answers 429. */
public final class RateLimitedException extends RuntimeException {
    public RateLimitedException(String message) {
        super(message, null, false, false);
    }
}
