package io.netrescue.sysrq.client;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;

/**
 * At most {@code max} requests per host in any {@code window} (a sliding window). Keeps a careless
 * script or a stuck ladder from hammering a host with reboots; the time is an argument so the rule
 * is tested with a fake clock.
 */
public final class RateLimiter {
    private final int max;
    private final Duration window;
    private final Map<String, ArrayDeque<Instant>> recent = new HashMap<>();

    public RateLimiter(int max, Duration window) {
        this.max = max;
        this.window = window;
    }

    /** Takes a slot for {@code host} at {@code now}, or says how long until one frees up. */
    public synchronized Duration tryAcquire(String host, Instant now) {
        ArrayDeque<Instant> q = recent.computeIfAbsent(host, k -> new ArrayDeque<>());
        while (!q.isEmpty() && !q.peekFirst().plus(window).isAfter(now)) q.removeFirst();
        if (q.size() >= max) return Duration.between(now, q.peekFirst().plus(window));
        q.addLast(now);
        return Duration.ZERO;
    }
}
