package io.netrescue.tftp;

import java.util.ArrayList;
import java.util.List;

/**
 * Answers a read request's RFC 2347 options: {@code blksize} (RFC 2348), {@code timeout} and
 * {@code tsize} (RFC 2349), {@code windowsize} (RFC 7440). Unknown options, repeated options and
 * values that do not parse or are out of the RFC's range are ignored (the transfer then uses the
 * RFC 1350 default for that option), never refused: a client that asked for too much still boots.
 * The OACK lists accepted options in the client's order and spelling; it is empty when none was
 * accepted, and then no OACK is sent.
 */
public final class OptionNegotiation {
    public static final String BLKSIZE = "blksize", TIMEOUT = "timeout", TSIZE = "tsize", WINDOWSIZE = "windowsize";

    /**
     * @param maxBlockSize the largest block the server agrees to (8..65464): keep it under the path MTU
     * @param maxWindowSize the largest window the server agrees to (1..65535)
     * @param maxWindowBytes window x block size stays under this (at least one block is always allowed):
     *     a window larger than the client's socket receive buffer is dropped by the client's kernel
     */
    public record Limits(int maxBlockSize, int maxWindowSize, int maxWindowBytes) {
        public Limits {
            if (maxBlockSize < 8 || maxBlockSize > TftpPacket.MAX_BLOCK_SIZE) {
                throw new IllegalArgumentException("max block size must be 8.." + TftpPacket.MAX_BLOCK_SIZE + ", not " + maxBlockSize);
            }
            if (maxWindowSize < 1 || maxWindowSize > 65535) throw new IllegalArgumentException("max window size must be 1..65535, not " + maxWindowSize);
            if (maxWindowBytes < 1) throw new IllegalArgumentException("max window bytes must be positive, not " + maxWindowBytes);
        }
    }

    /**
     * @param timeoutSeconds the retransmission timeout the client asked for, 0 when it did not (server default)
     * @param oack the options to acknowledge; empty means: send no OACK, start with DATA 1
     */
    public record Result(int blockSize, int windowSize, int timeoutSeconds, List<TftpOption> oack) {
        public Result {
            oack = List.copyOf(oack);
        }

        public boolean sendsOack() {
            return !oack.isEmpty();
        }
    }

    private OptionNegotiation() {}

    /** @param size the file's transfer size in bytes, or -1 when unknown (then {@code tsize} is not acknowledged) */
    public static Result negotiate(List<TftpOption> requested, long size, Limits limits) {
        // the window cap depends on the block size, so settle the block size first whatever the order
        int blockSize = TftpPacket.DEFAULT_BLOCK_SIZE;
        TftpOption blk = first(requested, BLKSIZE);
        long b = blk == null ? -1 : number(blk.value());
        boolean blkAccepted = b >= 8;
        if (blkAccepted) blockSize = (int) Math.min(b, Math.min(TftpPacket.MAX_BLOCK_SIZE, limits.maxBlockSize()));

        int windowSize = 1, timeout = 0;
        List<TftpOption> oack = new ArrayList<>();
        boolean[] seen = new boolean[4];
        for (TftpOption o : requested) {
            String name = o.name();
            long v = number(o.value());
            if (name.equalsIgnoreCase(BLKSIZE) && !seen[0]) {
                seen[0] = true;
                if (blkAccepted) oack.add(new TftpOption(name, Integer.toString(blockSize)));
            } else if (name.equalsIgnoreCase(TIMEOUT) && !seen[1]) {
                seen[1] = true;
                if (v >= 1 && v <= 255) {
                    timeout = (int) v;
                    oack.add(new TftpOption(name, Integer.toString(timeout)));
                }
            } else if (name.equalsIgnoreCase(TSIZE) && !seen[2]) {
                seen[2] = true;
                if (v >= 0 && size >= 0) oack.add(new TftpOption(name, Long.toString(size)));
            } else if (name.equalsIgnoreCase(WINDOWSIZE) && !seen[3]) {
                seen[3] = true;
                if (v >= 1 && v <= 65535) {
                    int byBytes = Math.max(1, limits.maxWindowBytes() / blockSize);
                    windowSize = (int) Math.min(v, Math.min(limits.maxWindowSize(), byBytes));
                    oack.add(new TftpOption(name, Integer.toString(windowSize)));
                }
            }
        }
        return new Result(blockSize, windowSize, timeout, oack);
    }

    private static TftpOption first(List<TftpOption> options, String name) {
        for (TftpOption o : options) {
            if (o.is(name)) return o;
        }
        return null;
    }

    /** A decimal number of at most 9 digits (no sign, no spaces), or -1. */
    static long number(String s) {
        if (s.isEmpty() || s.length() > 9) return -1;
        long v = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') return -1;
            v = v * 10 + (c - '0');
        }
        return v;
    }
}
