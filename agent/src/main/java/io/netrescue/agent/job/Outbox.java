package io.netrescue.agent.job;

import io.netrescue.job.OutputChunk;
import io.netrescue.job.OutputStream;
import java.util.ArrayDeque;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A running job's output that the server has not acknowledged yet, in seq order. Chunks get
 * consecutive seq numbers from 1 as they are added; the sender takes the oldest, and drops
 * what an ack covers. Bounded: when {@code maxPending} bytes are held, {@link #add} blocks, so the
 * readers stop reading, the pipe fills and the job blocks on its next write until the server is back
 * (backpressure: nothing is ever dropped).
 */
final class Outbox {
    private final long maxPending;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final ArrayDeque<OutputChunk> held = new ArrayDeque<>();
    private long pendingBytes;
    private long nextSeq = 1;
    private long dropped; // the highest seq removed after an ack
    private boolean closed, abandoned;

    Outbox(long maxPending) {
        this.maxPending = maxPending;
    }

    /** Adds a chunk with the next seq; blocks while the bound is reached. Ignored once closed or abandoned. */
    void add(OutputStream stream, byte[] data) throws InterruptedException {
        if (data.length == 0) return;
        lock.lock();
        try {
            while (pendingBytes >= maxPending && !abandoned && !closed) changed.await();
            if (abandoned || closed) return;
            held.addLast(new OutputChunk(nextSeq++, stream, data));
            pendingBytes += data.length;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** The oldest chunk not acknowledged; waits for one; null once closed (or abandoned) with nothing held. */
    OutputChunk oldest() throws InterruptedException {
        return oldest(Long.MAX_VALUE);
    }

    /**
     * The same, waiting at most {@code nanos}; after a quiet spell, a probe: an empty chunk that asks the
     * server whether to go on (a cancel reaches a job that prints nothing). The probe repeats the last
     * acknowledged seq, which the server answers as a duplicate and does not store; before any output it
     * is an empty chunk 1, which the server stores (empty). Null once closed or abandoned with nothing held.
     */
    OutputChunk oldest(long nanos) throws InterruptedException {
        lock.lock();
        try {
            long left = nanos;
            while (held.isEmpty() && !closed && !abandoned) {
                if (left <= 0) {
                    if (dropped >= 1) return new OutputChunk(dropped, OutputStream.OUT, new byte[0]);
                    OutputChunk first = new OutputChunk(nextSeq++, OutputStream.OUT, new byte[0]);
                    held.addLast(first);
                    return first;
                }
                left = changed.awaitNanos(left);
            }
            return abandoned ? null : held.peekFirst();
        } finally {
            lock.unlock();
        }
    }

    /**
     * The server holds everything up to {@code acked}: drops those chunks. False when the server holds
     * less than what it acknowledged before (chunks this agent no longer has: the output cannot be completed).
     */
    boolean acked(long acked) {
        lock.lock();
        try {
            if (acked < dropped) return false;
            while (!held.isEmpty() && held.peekFirst().seq() <= acked) {
                OutputChunk c = held.removeFirst();
                pendingBytes -= c.data().length;
                dropped = c.seq();
            }
            if (acked > dropped) dropped = Math.min(acked, nextSeq - 1);
            changed.signalAll();
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** No more chunks will be added (the job ended). */
    void close() {
        lock.lock();
        try {
            closed = true;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Delivery is given up: blocked readers and the sender return, later chunks are ignored. */
    void abandon() {
        lock.lock();
        try {
            abandoned = true;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** The last seq given out (0: none). */
    long lastSeq() {
        lock.lock();
        try {
            return nextSeq - 1;
        } finally {
            lock.unlock();
        }
    }

    long pendingBytes() {
        lock.lock();
        try {
            return pendingBytes;
        } finally {
            lock.unlock();
        }
    }
}
