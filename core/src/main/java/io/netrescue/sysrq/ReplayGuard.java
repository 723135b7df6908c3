package io.netrescue.sysrq;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;

/**
 * The agent's defence against captured packets, as a pure state machine (time is an argument). A
 * request runs only if its timestamp is within {@code window} of the agent's clock and its sequence
 * number is above every sequence number run before. A retransmission (same request id and sequence
 * number) of a request that already ran is recognised from a bounded cache and answered again
 * without running it: execution is exactly once however often the sender repeats.
 */
public final class ReplayGuard {
    public enum Verdict { FRESH, DUPLICATE, STALE, REPLAYED }

    private record Seen(long requestId, long seq, long expiresAt, SysrqMessage.Ack ack) {}

    private final long windowMillis;
    private final int capacity;
    private final Map<Long, Seen> byId = new HashMap<>();
    private final ArrayDeque<Seen> order = new ArrayDeque<>();
    private long highWater;

    /** @param highWater the highest sequence number run before (persisted across agent restarts, 0 if none) */
    public ReplayGuard(long windowMillis, int capacity, long highWater) {
        this.windowMillis = windowMillis;
        this.capacity = capacity;
        this.highWater = highWater;
    }

    public synchronized Verdict check(SysrqMessage.Command r, long nowMillis) {
        expire(nowMillis);
        Seen s = byId.get(r.requestId());
        if (s != null && s.seq == r.seq()) return Verdict.DUPLICATE;
        if (Math.abs(nowMillis - r.timestampMillis()) > windowMillis) return Verdict.STALE;
        if (Long.compareUnsigned(r.seq(), highWater) <= 0) return Verdict.REPLAYED;
        return Verdict.FRESH;
    }

    /** Records a request that is about to run, with the answer to give its retransmissions. */
    public synchronized void ran(SysrqMessage.Command r, SysrqMessage.Ack ack, long nowMillis) {
        highWater = r.seq();
        Seen s = new Seen(r.requestId(), r.seq(), nowMillis + 2 * windowMillis, ack);
        byId.put(r.requestId(), s);
        order.addLast(s);
        while (order.size() > capacity) byId.remove(order.removeFirst().requestId());
    }

    /**
     * Replaces the answer for a request that {@link #ran} (a kexec is answered once it is loaded, long
     * after it was recorded), and keeps it for two windows from now.
     */
    public synchronized void answered(SysrqMessage.Command r, SysrqMessage.Ack ack, long nowMillis) {
        Seen s = byId.get(r.requestId());
        if (s != null && s.seq == r.seq()) byId.put(r.requestId(), new Seen(r.requestId(), r.seq(), nowMillis + 2 * windowMillis, ack));
    }

    /** The answer given when the request ran, for a retransmission. */
    public synchronized SysrqMessage.Ack answerFor(SysrqMessage.Command r) {
        Seen s = byId.get(r.requestId());
        return s == null ? null : s.ack;
    }

    public synchronized long highWater() {
        return highWater;
    }

    private void expire(long now) {
        while (!order.isEmpty() && order.peekFirst().expiresAt < now) byId.remove(order.removeFirst().requestId());
    }
}
