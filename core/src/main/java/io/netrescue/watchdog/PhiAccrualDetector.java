package io.netrescue.watchdog;

/**
 * The phi accrual failure detector (Hayashibara et al., 2004; as in Cassandra and Akka) for one
 * host's heartbeats. Instead of "late or not", it gives a suspicion level phi that grows with the
 * time since the last heartbeat, measured against the distribution of past inter-arrival times:
 * phi = -log10(P(a heartbeat arrives later than now)). phi 8 means one chance in 10^8 that the host
 * is alive and merely late, given how its heartbeats have arrived so far; a lost packet (1% loss)
 * doubles one interval and barely moves phi, while a dead host's phi climbs without bound.
 *
 * <p>Pure and compact (the time is an argument; a ring of the last {@code WINDOW} intervals as ints,
 * with running sums, so one host costs about 300 bytes and an update O(1)): a server tracks 100,000
 * hosts. Not thread-safe: one owner updates it.
 */
public final class PhiAccrualDetector {
    static final int WINDOW = 64;
    private final int[] intervals = new int[WINDOW];
    private int count, next;
    private long sum, sumSquares;
    private long lastMillis = Long.MIN_VALUE;
    private final int minStdDevMillis;
    private final int acceptablePauseMillis;

    /**
     * @param firstIntervalMillis the expected interval, which seeds the history (so the first
     *     heartbeats are judged against the configured rate, not against nothing)
     * @param minStdDevMillis a floor for the deviation: perfectly regular heartbeats would otherwise
     *     make any jitter look fatal
     * @param acceptablePauseMillis added to the mean: a pause this long (a GC, a busy host) is not suspicious
     */
    public PhiAccrualDetector(int firstIntervalMillis, int minStdDevMillis, int acceptablePauseMillis) {
        if (firstIntervalMillis < 1 || minStdDevMillis < 1 || acceptablePauseMillis < 0) throw new IllegalArgumentException("bad detector settings");
        this.minStdDevMillis = minStdDevMillis;
        this.acceptablePauseMillis = acceptablePauseMillis;
        // Akka's bootstrap: two samples at mean +- mean/4 give the history a plausible spread
        add(firstIntervalMillis - firstIntervalMillis / 4);
        add(firstIntervalMillis + firstIntervalMillis / 4);
    }

    /** A heartbeat arrived at {@code nowMillis}. Out-of-order or duplicate arrivals only refresh nothing. */
    public void heartbeat(long nowMillis) {
        if (lastMillis != Long.MIN_VALUE) {
            long d = nowMillis - lastMillis;
            if (d <= 0) return;
            add((int) Math.min(d, Integer.MAX_VALUE));
        }
        lastMillis = nowMillis;
    }

    public boolean started() {
        return lastMillis != Long.MIN_VALUE;
    }

    public long lastHeartbeatMillis() {
        return lastMillis;
    }

    /**
     * Until this time phi stays below 0.31 (at most -log10(0.5), reached at the mean interval plus the
     * acceptable pause): a judge with a threshold above that need not compute phi before it. Long.MIN_VALUE
     * before the first heartbeat.
     */
    public long quietUntilMillis() {
        if (lastMillis == Long.MIN_VALUE) return Long.MIN_VALUE;
        return lastMillis + sum / count + acceptablePauseMillis;
    }

    /** The suspicion level at {@code nowMillis}; 0 before the first heartbeat (nothing to suspect yet). */
    public double phi(long nowMillis) {
        if (lastMillis == Long.MIN_VALUE) return 0;
        double elapsed = nowMillis - lastMillis;
        double mean = (double) sum / count + acceptablePauseMillis;
        double variance = Math.max(0, (double) sumSquares / count - ((double) sum / count) * ((double) sum / count));
        double stdDev = Math.max(Math.sqrt(variance), minStdDevMillis);
        // logistic approximation of the normal CDF (Akka's PhiAccrualFailureDetector), accurate to 1e-4
        double y = (elapsed - mean) / stdDev;
        double e = Math.exp(-y * (1.5976 + 0.070566 * y * y));
        double p = elapsed > mean ? e / (1.0 + e) : 1.0 - 1.0 / (1.0 + e);
        if (p <= 0) return Double.MAX_VALUE; // far beyond any history: certain
        return -Math.log10(p);
    }

    private void add(int interval) {
        if (count == WINDOW) {
            int old = intervals[next];
            sum -= old;
            sumSquares -= (long) old * old;
        } else {
            count++;
        }
        intervals[next] = interval;
        sum += interval;
        sumSquares += (long) interval * interval;
        next = (next + 1) % WINDOW;
    }
}
