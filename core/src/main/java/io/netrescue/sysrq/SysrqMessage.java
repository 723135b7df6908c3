package io.netrescue.sysrq;

/**
 * Messages of netrescue's own SysRq protocol (docs/protocols/sysrq.md). Each travels in one UDP
 * datagram, authenticated with HMAC-SHA256 under the host's key.
 */
public sealed interface SysrqMessage {

    /** The host the message is about; selects the key that authenticates it. */
    String host();

    /**
     * Server to agent: something to run once. Every command shares the host's one sequence space
     * and replay guard, so a captured SysRq request cannot be replayed as a kexec or the reverse.
     */
    sealed interface Command extends SysrqMessage permits Request, KexecRequest {
        long requestId();

        long seq();

        long timestampMillis();
    }

    /**
     * Server to agent: run {@code keys} in order, {@code pauseMillis} apart.
     *
     * @param requestId random, identifies retransmissions of the same request
     * @param seq increases with every new request to this host, across server restarts
     * @param timestampMillis the sender's clock; the agent refuses requests outside its window
     */
    record Request(String host, long requestId, long seq, long timestampMillis, int pauseMillis, SysrqKeys keys)
            implements Command {
        public Request {
            SysrqCodec.checkHost(host);
            if (pauseMillis < 0 || pauseMillis > 60_000) throw new IllegalArgumentException("pause must be 0-60000 ms");
        }
    }

    /**
     * Server to agent: fetch the kexec manifest at {@code manifestUrl}, check that its SHA-256 is
     * {@code manifestSha256}, fetch and verify the kernel and initrds it names, load them and kexec
     * (docs/protocols/sysrq.md). The manifest carries what does not fit in a datagram; this message
     * makes it authentic.
     *
     * @param manifestUrl an http(s) URL of printable ASCII, at most {@link #MAX_URL} characters
     * @param manifestSha256 32 bytes
     */
    record KexecRequest(String host, long requestId, long seq, long timestampMillis, String manifestUrl, byte[] manifestSha256)
            implements Command {
        public static final int MAX_URL = 255;

        public KexecRequest {
            SysrqCodec.checkHost(host);
            if (manifestUrl == null || manifestUrl.length() > MAX_URL || !manifestUrl.matches("https?://[\\x21-\\x7e]+")) {
                throw new IllegalArgumentException("manifest URL must be http(s), printable ASCII without spaces, at most " + MAX_URL + " characters");
            }
            if (manifestSha256 == null || manifestSha256.length != 32) throw new IllegalArgumentException("manifest SHA-256 must be 32 bytes");
            manifestSha256 = manifestSha256.clone();
        }

        @Override
        public byte[] manifestSha256() {
            return manifestSha256.clone();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof KexecRequest k && k.host.equals(host) && k.requestId == requestId && k.seq == seq
                    && k.timestampMillis == timestampMillis && k.manifestUrl.equals(manifestUrl) && java.util.Arrays.equals(k.manifestSha256, manifestSha256);
        }

        @Override
        public int hashCode() {
            return java.util.Objects.hash(host, requestId, seq, timestampMillis, manifestUrl, java.util.Arrays.hashCode(manifestSha256));
        }

        @Override
        public String toString() {
            return "KexecRequest[host=" + host + ", requestId=" + requestId + ", seq=" + Long.toUnsignedString(seq) + ", manifestUrl=" + manifestUrl + "]";
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
        /** Authentic but refused (stale timestamp, replayed sequence number, key or kexec not allowed, checksum mismatch): see detail. */
        REFUSED
    }
}
