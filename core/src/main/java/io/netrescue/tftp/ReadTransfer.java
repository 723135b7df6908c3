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
 * resend: no sorcerer's apprentice syndrome). Only a timeout resends, at most {@code maxRetries}
 * times in a row. Garbage and duplicates never extend the deadline, so a peer cannot keep a
 * transfer alive without making progress.
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
    private final long timeoutNanos;
    private final int maxRetries;
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
    private int retries;
    private long resent, ignored, malformed;
    private String failure = "";
    private TftpPacket.Error errorToSend;
    private boolean clientAborted;

    /**
     * @param size bytes to send (the netascii-encoded size in netascii mode)
     * @param negotiated the options' outcome; its timeout, when the client set one, replaces {@code defaultTimeoutNanos}
     */
    public ReadTransfer(long size, OptionNegotiation.Result negotiated, long defaultTimeoutNanos, int maxRetries) {
        if (size < 0) throw new IllegalArgumentException("negative size");
        if (defaultTimeoutNanos <= 0 || maxRetries < 0) throw new IllegalArgumentException("timeout must be positive and retries non-negative");
        this.size = size;
        this.blockSize = negotiated.blockSize();
        this.windowSize = negotiated.windowSize();
        this.timeoutNanos = negotiated.timeoutSeconds() > 0 ? negotiated.timeoutSeconds() * 1_000_000_000L : defaultTimeoutNanos;
        this.maxRetries = maxRetries;
        this.oack = negotiated.oack();
        this.lastBlock = size / blockSize + 1; // the last block is short, possibly empty
    }

    public Action start(long now) {
        if (!oack.isEmpty()) {
            oackPending = true;
            deadline = now + timeoutNanos;
            return Action.SEND_OACK;
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
            retries = 0;
            return window(now, 1);
        }
        long block = acked + ((wire - (acked & 0xFFFF)) & 0xFFFF);
        if (block == acked || block > sent) {
            ignored++; // a duplicate, or not a block we sent: only a timeout resends
            return Action.WAIT;
        }
        acked = block;
        heard = true;
        retries = 0;
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
        if (++retries > maxRetries) {
            return fail("timed out after " + maxRetries + " retransmissions", new TftpPacket.Error(ErrorCode.NOT_DEFINED, "Transfer timed out"));
        }
        if (oackPending) {
            deadline = now + timeoutNanos;
            return Action.SEND_OACK;
        }
        Action a = window(now, acked + 1);
        resent += sendCount;
        return a;
    }

    /** Ends the transfer from outside (the file could not be read, the server stops). */
    public Action abort(String reason, TftpPacket.Error error) {
        return fail(reason, error);
    }

    private Action window(long now, long from) {
        sendFrom = from;
        sendCount = (int) Math.min(windowSize, lastBlock - from + 1);
        sent = from + sendCount - 1;
        deadline = now + timeoutNanos;
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

    public long deadline() {
        return deadline;
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
