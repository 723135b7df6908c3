package io.netrescue.dhcp;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A token bucket per source (client MAC): {@code perSecond} requests a second with bursts of
 * {@code burst}. A client that floods only empties its own bucket, so others are still answered.
 * At most {@code maxSources} buckets are kept (least recently used go first), so spoofed MACs cost
 * bounded memory; an evicted source starts again with a full bucket, which is the price of the bound.
 * Time is an argument (nanoseconds), for tests with a fake clock. Thread-safe.
 */
public final class SourceRateLimit {
    private final double perNano;
    private final double burst;
    private final int maxSources;
    private final LinkedHashMap<Long, double[]> buckets; // [tokens, last refill nanos]

    public SourceRateLimit(double perSecond, int burst, int maxSources) {
        if (perSecond <= 0 || burst < 1 || maxSources < 1) throw new IllegalArgumentException("rate, burst and size must be positive");
        this.perNano = perSecond / 1e9;
        this.burst = burst;
        this.maxSources = maxSources;
        this.buckets = new LinkedHashMap<>(1024, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<Long, double[]> eldest) {
                return size() > SourceRateLimit.this.maxSources;
            }
        };
    }

    public synchronized boolean tryAcquire(long source, long nowNanos) {
        double[] b = buckets.get(source);
        if (b == null) {
            buckets.put(source, new double[] {burst - 1, nowNanos});
            return true;
        }
        b[0] = Math.min(burst, b[0] + Math.max(0, nowNanos - (long) b[1]) * perNano);
        b[1] = nowNanos;
        if (b[0] < 1) return false;
        b[0] -= 1;
        return true;
    }
}
