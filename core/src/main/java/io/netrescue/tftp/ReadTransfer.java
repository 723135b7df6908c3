package io.netrescue.tftp;

import java.nio.ByteBuffer;
import java.util.List;

/**
 * The sending side of one read transfer, without sockets or clocks: the transport feeds it the
 * datagrams that came from the client's TID and the timeouts (time is an argument, in nanoseconds),
 * and performs the {@link Action} each call returns. Blocks are numbered from 1 as 64-bit absolute
 * numbers; on the wire they roll over to 0 after 65535, as tftp-hpa, curl and atftp expect.
 *
 * <p>Rules: a window of {@code windowSize} blocks is sent, then the machine waits. An ACK for the
 * last block sent slides the window on; an ACK inside the window (the client lost something after
 * it, RFC 7440) slides to it and resends from the next block; a repeated ACK of what was already
 * acknowledged, or an ACK outside the window, changes nothing (a duplicate ACK never triggers a
 * resend: no sorcerer's apprentice syndrome). Only a timeout resends.
 *
 * <p>Timeouts adapt to the path ({@link RttEstimator}): a lost packet costs about one round trip
 * plus a margin, not a fixed second (or the 6 s curl asks for), which is what a lock-step client
 * pays for every loss. The server's timeout is the RTO before the first sample and its ceiling; a
 * client's RFC 2349 {@code timeout} replaces the ceiling (resending earlier than the client's
 * timeout is always allowed). The give-up does not adapt: a transfer without progress for
 * {@code (maxRetries + 1)} ceilings fails, as when every wait was the ceiling. Garbage and
 * duplicates never extend the deadline, so a peer cannot keep a transfer alive without making progress.
 */
public final class ReadTransfer {
    public enum Action {
        /** send {@link #oack()} */
        SEND_OACK,
        /** send blocks {@link #sendFrom()} .. {@code sendFrom() + sendCount() - 1} */
        SEND_DATA,
        /** nothing to send: wait for a datagram or {@link #deadline()} */
        WAIT,
        /** the client acknowledged the last block */
        COMPLETE,
        /** the transfer is over without success; see {@link #failure()} and {@link #errorToSend()} */
        FAIL
    }

    private final long size;
    private final int blockSize;
    private final int windowSize;
    private final RttEstimator rtt;
    private final long giveUpNanos;
    /** Until the client acknowledged something, the server's own give-up: a forged read request's timeout option must not hold a slot for 25 minutes. */
    private final long unheardGiveUpNanos;
    private final List<TftpOption> oack;
    private final long lastBlock;

    private boolean oackPending;
    private boolean finished;
    private boolean heard;    // the client acknowledged something we sent: its address is its own
    private long acked;      // highest block the client acknowledged, 0 = none
    private long sent;       // highest block sent so far
    private long sendFrom;
    private int sendCount;
    private long deadline;
    private long progressAt; // when the transfer last moved on (start, ACK of the OACK, an ACK of a new block)
    private int retries;     // timeouts since then
    private long timeouts;
    private long resent, ignored, malformed;
    private String failure = "";
    private TftpPacket.Error errorToSend;
    private boolean clientAborted;

    /**
     * @param size bytes to send (the netascii-encoded size in netascii mode)
     * @param negotiated the options' outcome; its timeout, when the client set one, replaces {@code timeoutNanos} as the ceiling
     * @param timeoutNanos the server's timeout: the RTO until the first round trip is measured, and the RTO's ceiling
     * @param minTimeoutNanos the RTO's floor (capped at the ceiling)
     * @param maxRetries the give-up: no progress for {@code maxRetries + 1} ceilings ends the transfer
     */
    public ReadTransfer(long size, OptionNegotiation.Result negotiated, long timeoutNanos, long minTimeoutNanos, int maxRetries) {
        if (size < 0) throw new IllegalArgumentException("negative size");
        if (timeoutNanos <= 0 || minTimeoutNanos <= 0 || maxRetries < 0) {
            throw new IllegalArgumentException("timeouts must be positive and retries non-negative");
        }
        this.size = size;
        this.blockSize = negotiated.blockSize();
        this.windowSize = negotiated.windowSize();
        long ceiling = negotiated.timeoutSeconds() > 0 ? negotiated.timeoutSeconds() * 1_000_000_000L : timeoutNanos;
        this.rtt = new RttEstimator(Math.min(timeoutNanos, ceiling), Math.min(minTimeoutNanos, ceiling), ceiling);
        this.giveUpNanos = (maxRetries + 1L) * ceiling;
        this.unheardGiveUpNanos = (maxRetries + 1L) * Math.min(timeoutNanos, ceiling);
        this.oack = negotiated.oack();
        this.lastBlock = size / blockSize + 1; // the last block is short, possibly empty
    }

    public Action start(long now) {
        progressAt = now;
        if (!oack.isEmpty()) {
            oackPending = true;
            return oack(now);
        }
        return window(now, 1);
    }

    /** One datagram from the client's TID (position to limit). */
    public Action onDatagram(ByteBuffer datagram, long now) {
        if (finished) return Action.WAIT;
        TftpPacket p;
        try {
            p = TftpCodec.decode(datagram);
        } catch (MalformedTftpException e) {
            malformed++;
            return Action.WAIT;
        }
        return switch (p) {
            case TftpPacket.Ack a -> onAck(a.block(), now);
            case TftpPacket.Error e -> {
                clientAborted = true;
                yield fail("client sent error " + e.code() + ": " + TftpCodec.clip(e.message()), null);
            }
            default -> {
                ignored++; // a request, DATA or OACK has no business on a read transfer's port
                yield Action.WAIT;
            }
        };
    }

    private Action onAck(int wire, long now) {
        if (oackPending) {
            if (wire != 0) {
                ignored++;
                return Action.WAIT;
            }
            oackPending = false;
            heard = true;
            progress(0, now);
            return window(now, 1);
        }
        long block = acked + ((wire - (acked & 0xFFFF)) & 0xFFFF);
        if (block == acked || block > sent) {
            ignored++; // a duplicate, or not a block we sent: only a timeout resends
            return Action.WAIT;
        }
        acked = block;
        heard = true;
        progress(block, now);
        if (acked == lastBlock) {
            finished = true;
            return Action.COMPLETE;
        }
        if (acked < sent) resent += sent - acked;
        return window(now, acked + 1);
    }

    public Action onTimeout(long now) {
        if (finished) return Action.WAIT;
        if (now - deadline < 0) return Action.WAIT;
        if (now - progressAt >= giveUp()) {
            return fail("timed out: no progress in " + giveUp() / 1_000_000 + " ms, " + retries + " retransmissions"
                            + (heard ? "" : " (never acknowledged)"),
                    new TftpPacket.Error(ErrorCode.NOT_DEFINED, "Transfer timed out"));
        }
        retries++;
        timeouts++;
        rtt.timedOut();
        if (oackPending) return oack(now);
        Action a = window(now, acked + 1);
        resent += sendCount;
        return a;
    }

    private void progress(long block, long now) {
        rtt.acked(block, now);
        progressAt = now;
        retries = 0;
    }

    private Action oack(long now) {
        rtt.sent(0, 0, now);
        deadline = next(now);
        return Action.SEND_OACK;
    }

    /** The next timeout: one RTO from now, or the give-up if that comes first. */
    private long next(long now) {
        long giveUp = progressAt + giveUp();
        long resend = now + rtt.rto();
        return resend - giveUp < 0 ? resend : giveUp;
    }

    /** Ends the transfer from outside (the file could not be read, the server stops). */
    public Action abort(String reason, TftpPacket.Error error) {
        return fail(reason, error);
    }

    private Action window(long now, long from) {
        sendFrom = from;
        sendCount = (int) Math.min(windowSize, lastBlock - from + 1);
        sent = from + sendCount - 1;
        rtt.sent(from, sent, now);
        deadline = next(now);
        return Action.SEND_DATA;
    }

    private Action fail(String why, TftpPacket.Error error) {
        finished = true;
        failure = why;
        errorToSend = error;
        return Action.FAIL;
    }

    public static int wireBlock(long block) {
        return (int) (block & 0xFFFF);
    }

    /** File offset of an absolute block's first byte. */
    public long offset(long block) {
        return (block - 1) * blockSize;
    }

    /** Payload length of an absolute block: {@code blockSize}, or less for the last one. */
    public int length(long block) {
        return (int) Math.max(0, Math.min(blockSize, size - offset(block)));
    }

    public long sendFrom() {
        return sendFrom;
    }

    public int sendCount() {
        return sendCount;
    }

    /** When to call {@link #onTimeout} if no datagram comes first. */
    public long deadline() {
        return deadline;
    }

    /** The transfer's round-trip estimate and current retransmission timeout. */
    public RttEstimator rtt() {
        return rtt;
    }

    /** Timeouts in all (each resent the OACK or the window). */
    public long timeouts() {
        return timeouts;
    }

    /**
     * The transfer fails after this long without progress: {@code (maxRetries + 1)} x the RTO ceiling, or
     * x the server's timeout while the client has acknowledged nothing (its address is unproven).
     */
    public long giveUpNanos() {
        return giveUp();
    }

    private long giveUp() {
        return heard ? giveUpNanos : unheardGiveUpNanos;
    }

    public List<TftpOption> oack() {
        return oack;
    }

    public int blockSize() {
        return blockSize;
    }

    public int windowSize() {
        return windowSize;
    }

    public long size() {
        return size;
    }

    public long lastBlock() {
        return lastBlock;
    }

    /**
     * Whether the client acknowledged an OACK or a block we sent: the request's source address then
     * belongs to whoever asked (a forged read request never gets this far, its answers go elsewhere).
     */
    public boolean heard() {
        return heard;
    }

    public long acked() {
        return acked;
    }

    /** Blocks sent again after a timeout or a gap the client reported. */
    public long resent() {
        return resent;
    }

    /** Well-formed packets that changed nothing: duplicate or stale ACKs, packets of the wrong type. */
    public long ignored() {
        return ignored;
    }

    public long malformed() {
        return malformed;
    }

    public boolean finished() {
        return finished;
    }

    public boolean clientAborted() {
        return clientAborted;
    }

    public String failure() {
        return failure;
    }

    /** The ERROR packet to send the client after a {@link Action#FAIL}, or null (the client ended it). */
    public TftpPacket.Error errorToSend() {
        return errorToSend;
    }
}
