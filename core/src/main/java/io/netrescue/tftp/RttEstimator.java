package io.netrescue.tftp;

/**
 * The retransmission timeout of one transfer, from its measured round-trip times (RFC 6298): a
 * smoothed RTT and its variance, {@code RTO = SRTT + max(G, 4 RTTVAR)} kept between a floor and a
 * ceiling, doubled on each timeout (5.5) up to the ceiling and left doubled until the next valid
 * sample (5.7: a path whose RTT rose above the RTO still gets measured). Pure: time is an argument,
 * in nanoseconds.
 *
 * <p>Sequence numbers are TFTP blocks (0 = the OACK). One packet is timed at a time, as in BSD TCP:
 * the last block of a window sent for the first time; the ACK that covers it gives the sample.
 * Karn's rule: a block sent again is never timed, and sending the timed block again cancels its
 * timing, since its ACK could answer either copy. ACKs that cover less (a client reporting a gap)
 * give no sample: the client may have waited on its own timer before sending them.
 */
public final class RttEstimator {
    /** G: the receive timer's granularity (a kernel's SO_RCVTIMEO or poll wakes up to about 1 ms late). */
    static final long GRANULARITY = 1_000_000L;

    private final long min, max;
    private long rto;
    private long srtt = -1, rttvar;
    private long highestSent = -1;
    private long timed = -1, timedAt;
    private int backoffs;
    private long samples;

    /**
     * @param initialNanos the RTO before the first sample (RFC 6298: 1 s)
     * @param minNanos the floor: an RTO computed lower than this waits this long
     * @param maxNanos the ceiling: no wait is longer, backed off or not
     */
    public RttEstimator(long initialNanos, long minNanos, long maxNanos) {
        if (minNanos <= 0 || minNanos > maxNanos) throw new IllegalArgumentException("need 0 < min <= max, not " + minNanos + ", " + maxNanos);
        this.min = minNanos;
        this.max = maxNanos;
        this.rto = clamp(initialNanos);
    }

    /** Blocks {@code from..to} are being sent at {@code now} (the OACK is block 0). */
    public void sent(long from, long to, long now) {
        if (timed >= 0 && timed >= from && timed <= to) timed = -1; // Karn: its ACK would be ambiguous now
        if (timed < 0 && to > highestSent) {
            timed = to;
            timedAt = now;
        }
        highestSent = Math.max(highestSent, to);
    }

    /** The client acknowledged block {@code block} at {@code now}, and with it every block before. */
    public void acked(long block, long now) {
        if (timed < 0 || block < timed) return;
        if (block == timed) sample(now - timedAt);
        timed = -1;
    }

    /** The RTO expired: wait twice as long for the resent packets (and the next ones, until a sample). */
    public void timedOut() {
        rto = Math.min(max, rto * 2);
        backoffs++;
    }

    /** One valid round-trip time (RFC 6298 2.2, 2.3). */
    void sample(long r) {
        r = Math.max(0, r);
        if (srtt < 0) {
            srtt = r;
            rttvar = r / 2;
        } else {
            rttvar = (3 * rttvar + Math.abs(srtt - r)) / 4;
            srtt = (7 * srtt + r) / 8;
        }
        samples++;
        rto = clamp(srtt + Math.max(GRANULARITY, 4 * rttvar));
    }

    private long clamp(long v) {
        return Math.max(min, Math.min(max, v));
    }

    /** How long to wait for an ACK of what is sent now. */
    public long rto() {
        return rto;
    }

    /** The smoothed RTT, or -1 before the first sample. */
    public long srtt() {
        return srtt;
    }

    public long rttvar() {
        return rttvar;
    }

    /** Valid samples taken. */
    public long samples() {
        return samples;
    }

    /** Timeouts (each doubled the RTO, up to the ceiling). */
    public int backoffs() {
        return backoffs;
    }

    public long min() {
        return min;
    }

    public long max() {
        return max;
    }
}
