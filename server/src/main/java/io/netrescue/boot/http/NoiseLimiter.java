package io.netrescue.boot.http;

import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Bounds what unauthenticated boot requests write (issue 15: a flood of unknown or refused
 * {@code /boot.ipxe} requests grew the store by 12.5 KB each and buried every timeline). Per source
 * address, at most {@link #PER_SOURCE} unknown or refused requests a minute are recorded one by one, and
 * at most {@link #OVERALL} from all sources together; the rest are counted, and one summary event a
 * minute says how many were not recorded. Known hosts' decisions are never limited. In memory: a
 * restart starts the counts again.
 */
final class NoiseLimiter {
    static final int PER_SOURCE = 20, OVERALL = 200, MAX_SOURCES = 10_000;
    static final Duration WINDOW = Duration.ofMinutes(1);

    /** What to do with one noisy request: record it, and first a summary of what was suppressed before. */
    record Verdict(boolean record, long suppressedBefore, int sources) {}

    private final Map<String, int[]> perSource = new LinkedHashMap<>(64, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, int[]> e) {
            return size() > MAX_SOURCES;
        }
    };
    private Instant windowStart = Instant.EPOCH;
    private int overall;
    private long suppressed;
    private final java.util.Set<String> suppressedSources = new java.util.HashSet<>();

    synchronized Verdict admit(String source, Instant now) {
        if (!now.isBefore(windowStart.plus(WINDOW))) {
            windowStart = now;
            overall = 0;
            perSource.clear();
        }
        int[] n = perSource.computeIfAbsent(source, s -> new int[1]);
        if (n[0] >= PER_SOURCE || overall >= OVERALL) {
            suppressed++;
            if (suppressedSources.size() < MAX_SOURCES) suppressedSources.add(source);
            return new Verdict(false, 0, 0);
        }
        n[0]++;
        overall++;
        long before = suppressed;
        int sources = suppressedSources.size();
        suppressed = 0;
        suppressedSources.clear();
        return new Verdict(true, before, sources);
    }

    /** A summary due at {@code now} for requests suppressed in a window that has ended, if any (reported once). */
    synchronized Verdict due(Instant now) {
        if (suppressed == 0 || now.isBefore(windowStart.plus(WINDOW))) return new Verdict(false, 0, 0);
        long before = suppressed;
        int sources = suppressedSources.size();
        suppressed = 0;
        suppressedSources.clear();
        return new Verdict(true, before, sources);
    }
}
