package io.netrescue.http;

import java.time.Duration;

/**
 * What one HTTP listener accepts, and the pure decisions {@link ConnectionGuard} applies to it.
 *
 * @param perSource connections open from one address at once; beyond, a new one is closed at once
 * @param total connections open at once, kept below the process's file descriptor limit; beyond, the
 *     oldest connection that is not in the middle of a request is closed to make room
 * @param headerTimeout how long a request's headers may take to arrive, from the connection's accept
 *     for its first request and from the first byte for later ones. Jetty's idle timeout restarts on
 *     every byte, so a client sending one byte a second would otherwise hold its connection forever.
 *     The whole request, body included, must have arrived within {@link #BODY_FACTOR} times this from its
 *     first byte: a body trickled after prompt headers held connections as long (attack finding F1); the
 *     bodies this server reads are small (API JSON, job output chunks, reports)
 */
public record ConnectionLimits(int perSource, int total, Duration headerTimeout) {
    /** No header clock running: the connection is between requests or handling one. */
    public static final long NONE = Long.MIN_VALUE;
    /** The request deadline, body included, in header timeouts: 60 s by default, 17 KB/s for a 1 MiB body. */
    public static final int BODY_FACTOR = 6;

    public ConnectionLimits {
        if (perSource < 1 || total < 1) throw new IllegalArgumentException("connection limits must be at least 1");
        if (headerTimeout.isNegative() || headerTimeout.isZero()) throw new IllegalArgumentException("header timeout must be positive");
    }

    /** What a connection's parser was doing when looked at. */
    public enum Phase {
        /** nothing received since the accept */
        SILENT,
        /** between requests of a persistent connection */
        IDLE,
        /** a request's line or headers are partly received */
        HEADERS,
        /** a request's body is being received */
        BODY,
        /** a request is being read or answered */
        BUSY
    }

    public enum Admission { ADMIT, REFUSE, MAKE_ROOM }

    /** @param fromSource open from this connection's address, counting it; @param open all open, counting it */
    public Admission admit(int fromSource, int open) {
        if (fromSource > perSource) return Admission.REFUSE;
        return open > total ? Admission.MAKE_ROOM : Admission.ADMIT;
    }

    /**
     * Whether a connection in this phase may be closed to make room: not while a request is handled or
     * answered (a kernel download); a body still arriving may (the boot path's requests have none, and
     * an upload is retried by its client), or trickled bodies would hold the room shut.
     */
    public static boolean evictable(Phase p) {
        return p != Phase.BUSY;
    }

    /**
     * When the headers now awaited began to be awaited, from the previous answer and what is seen now
     * (a connection starts with its accept time). The clock runs while nothing or a partial header has
     * arrived, and stops once a request is complete.
     */
    public static long headersSince(long since, Phase seen, long nowNanos) {
        return switch (seen) {
            case SILENT, HEADERS, BODY -> since == NONE ? nowNanos : since;
            case IDLE, BUSY -> NONE;
        };
    }

    public boolean late(long since, Phase seen, long nowNanos) {
        long limit = seen == Phase.BODY ? BODY_FACTOR * headerTimeout.toNanos() : headerTimeout.toNanos();
        return since != NONE && nowNanos - since >= limit;
    }
}
