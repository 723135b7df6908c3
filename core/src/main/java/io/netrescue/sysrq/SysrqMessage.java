package io.netrescue.sysrq;

/**
 * Messages of netrescue's own SysRq protocol (docs/protocols/sysrq.md). Each travels in one UDP
 * datagram, authenticated with HMAC-SHA256 under the host's key.
 */
public sealed interface SysrqMessage {

    /** The host the message is about; selects the key that authenticates it. */
    String host();

    /**
     * Server to agent: run {@code keys} in order, {@code pauseMillis} apart.
     *
     * @param requestId random, identifies retransmissions of the same request
     * @param seq increases with every new request to this host, across server restarts
     * @param timestampMillis the sender's clock; the agent refuses requests outside its window
     */
    record Request(String host, long requestId, long seq, long timestampMillis, int pauseMillis, SysrqKeys keys)
            implements SysrqMessage {
        public Request {
            SysrqCodec.checkHost(host);
            if (pauseMillis < 0 || pauseMillis > 60_000) throw new IllegalArgumentException("pause must be 0-60000 ms");
        }
    }

    /** Agent to server: what became of request {@code requestId}. */
    record Ack(String host, long requestId, long seq, long agentTimeMillis, Status status, int executed, String detail)
            implements SysrqMessage {
        public Ack {
            SysrqCodec.checkHost(host);
            if (executed < 0 || executed > SysrqKeys.MAX) throw new IllegalArgumentException("executed out of range");
            detail = detail == null ? "" : detail;
            if (detail.length() > 120) detail = detail.substring(0, 120);
        }
    }

    enum Status {
        /** Run now ({@code executed} keys so far; a terminal key follows this ack if it was asked for). */
        EXECUTED,
        /** A retransmission of a request already run: acknowledged again, not run again. */
        DUPLICATE,
        /** Authentic but refused (stale timestamp, replayed sequence number, key not allowed): see detail. */
        REFUSED
    }
}
