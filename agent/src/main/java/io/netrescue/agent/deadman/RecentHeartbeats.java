package io.netrescue.agent.deadman;

/**
 * The sequence numbers of this boot's last heartbeats and when each left (monotonic ms). An answer
 * counts only for one of them, and only once: a recorded answer replayed later, or an answer to a
 * heartbeat of another boot, proves nothing about the server now.
 */
public final class RecentHeartbeats {
    static final int SIZE = 16;
    private final long[] seqs = new long[SIZE], sent = new long[SIZE];
    private int next;

    public RecentHeartbeats() {
        java.util.Arrays.fill(seqs, -1);
    }

    public synchronized void sent(long seq, long mono) {
        seqs[next] = seq;
        sent[next] = mono;
        next = (next + 1) % SIZE;
    }

    /** When heartbeat {@code seq} left, if it is recent and not answered before; -1 otherwise. */
    public synchronized long take(long seq) {
        if (seq < 0) return -1;
        for (int i = 0; i < SIZE; i++) {
            if (seqs[i] == seq) {
                seqs[i] = -1;
                return sent[i];
            }
        }
        return -1;
    }
}
