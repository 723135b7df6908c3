package io.netrescue.rescue.server;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

/**
 * Bounds what refused requests cost, per source address: at most {@code max} refusals in a fixed
 * window are looked at (and logged); beyond that the source is answered 429 without a database read
 * until the window turns. The table is bounded too: a flood from many sources resets it rather than
 * growing it. Time is an argument, so the rule is tested with a fake clock.
 */
public final class RefusalLimiter {
    private static final int MAX_SOURCES = 4096;
    private final int max;
    private final Duration window;
    private final Map<String, Integer> counts = new HashMap<>();
    private Instant windowStart = Instant.MIN;

    public RefusalLimiter(int max, Duration window) {
        this.max = max;
        this.window = window;
    }

    /** Whether {@code source} may be heard now (it has not used up its refusals in this window). */
    public synchronized boolean allowed(String source, Instant now) {
        turn(now);
        return counts.getOrDefault(source, 0) < max;
    }

    /** Counts a refusal; true for the one that used up the source's allowance (log it once). */
    public synchronized boolean refused(String source, Instant now) {
        turn(now);
        if (counts.size() >= MAX_SOURCES && !counts.containsKey(source)) counts.clear();
        return counts.merge(source, 1, Integer::sum) == max;
    }

    private void turn(Instant now) {
        if (!now.isBefore(windowStart.plus(window)) || now.isBefore(windowStart)) {
            counts.clear();
            windowStart = now;
        }
    }
}
