package io.netrescue.tftp.server;

import io.netrescue.tftp.ErrorCode;
import io.netrescue.tftp.MalformedTftpException;
import io.netrescue.tftp.OptionNegotiation;
import io.netrescue.tftp.TftpCodec;
import io.netrescue.tftp.TftpPacket;
import io.netrescue.tftp.TftpPath;
import io.netrescue.tftp.TransferMode;
import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A read-only TFTP server (RFC 1350, 2347, 2348, 2349, 7440). One platform thread receives
 * requests on the listening port and admits them against the limits; each admitted transfer runs
 * on its own platform thread with its own socket on an ephemeral port (its TID), driven by the pure
 * {@link io.netrescue.tftp.ReadTransfer}. See docs/protocols/tftp.md.
 */
public final class TftpServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(TftpServer.class);

    final TftpSettings settings;
    final TftpFileSource source;
    final OptionNegotiation.Limits limits;
    final long timeoutNanos, minTimeoutNanos;
    private final ThreadFactory transferThreads;
    final TransferSocket.Factory sockets;

    final LongAdder started = new LongAdder(), completed = new LongAdder(), failed = new LongAdder(), aborted = new LongAdder(),
            notFound = new LongAdder(), refused = new LongAdder(), malformed = new LongAdder(), unknownTid = new LongAdder(),
            bytesSent = new LongAdder();
    private final AtomicInteger active = new AtomicInteger();
    private final ConcurrentHashMap<InetAddress, Integer> perSource = new ConcurrentHashMap<>();
    /**
     * Transfers by client address and port (its TID). A client that resends its request before our
     * first DATA arrives (PXELINUX does after about 100 ms; a boot decision can take longer) is the
     * same transfer (same TID, same file): starting a second one would decide its boot twice (a once spent twice) and leave
     * an orphan transfer retrying at a port nobody listens to. dnsmasq drops such repeats too.
     */
    private final ConcurrentHashMap<Repeat, Transfer> byClient = new ConcurrentHashMap<>();

    /** What makes a request a repeat: the same client TID asking for the same file. */
    private record Repeat(InetSocketAddress client, String path) {}
    final LongAdder duplicateRequests = new LongAdder();
    private final Set<Transfer> transfers = ConcurrentHashMap.newKeySet();

    private DatagramChannel channel;
    private InetSocketAddress local;
    private Thread listener;
    volatile boolean closed;

    /** @param settings validated here; {@code listen} must not be empty */
    public TftpServer(TftpSettings settings, TftpFileSource source) {
        // platform threads, measured: a virtual thread's park/unpark through the poller made lock-step
        // transfers 1.6-2.8x slower (64 MiB at blksize 512: 5.9-10.2 s against 3.7 s); see docs/protocols/tftp.md
        this(settings, source, Thread.ofPlatform().name("tftp-", 0).daemon().stackSize(256 * 1024).factory(), TransferSocket::open);
    }

    /** With other transfer threads (the benchmark compares virtual threads) or sockets (tests run the portable ones). */
    TftpServer(TftpSettings settings, TftpFileSource source, ThreadFactory transferThreads, TransferSocket.Factory sockets) {
        this.settings = settings.validate();
        if (!settings.enabled()) throw new IllegalArgumentException("tftp.listen is empty: the TFTP server is off");
        this.source = source;
        this.limits = settings.limits();
        this.timeoutNanos = settings.timeoutDuration().toNanos();
        this.minTimeoutNanos = settings.minTimeoutDuration().toNanos();
        this.transferThreads = transferThreads;
        this.sockets = sockets;
    }

    public synchronized TftpServer start() throws IOException {
        if (channel != null) throw new IllegalStateException("already started");
        InetSocketAddress a = settings.listenAddress();
        channel = DatagramChannel.open(family(a.getAddress()));
        // room for a burst of requests (a boot storm) while the listener is busy; the kernel caps it at rmem_max
        channel.setOption(StandardSocketOptions.SO_RCVBUF, 4 << 20);
        channel.bind(a);
        local = (InetSocketAddress) channel.getLocalAddress();
        if (LinuxTransferSocket.platform()) LinuxTransferSocket.link();
        listener = Thread.ofPlatform().name("tftp-listener").daemon().start(this::listen);
        log.atInfo().addKeyValue("listen", local.getAddress().getHostAddress() + ":" + local.getPort()).addKeyValue("source", source)
                .addKeyValue("max_blksize", settings.maxBlksize()).addKeyValue("max_windowsize", settings.maxWindowsize())
                .addKeyValue("timeout", settings.timeout()).addKeyValue("min_timeout", settings.minTimeout())
                .log("TFTP server started");
        return this;
    }

    /** The bound address, with the real port when 0 was configured. */
    public InetSocketAddress localAddress() {
        if (local == null) throw new IllegalStateException("not started");
        return local;
    }

    public TftpStats stats() {
        return new TftpStats(started.sum(), completed.sum(), failed.sum(), aborted.sum(), notFound.sum(), refused.sum(),
                malformed.sum(), unknownTid.sum(), active.get(), bytesSent.sum(), duplicateRequests.sum());
    }

    static StandardProtocolFamily family(InetAddress a) {
        return a instanceof Inet6Address ? StandardProtocolFamily.INET6 : StandardProtocolFamily.INET;
    }

    private void listen() {
        ByteBuffer buf = ByteBuffer.allocateDirect(TftpCodec.MAX_PACKET + 1); // one byte more: a longer datagram is seen as oversized
        while (!closed) {
            buf.clear();
            InetSocketAddress from;
            try {
                from = (InetSocketAddress) channel.receive(buf);
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException e) {
                if (closed) return;
                log.atWarn().addKeyValue("error", e.toString()).log("TFTP receive failed");
                continue;
            }
            buf.flip();
            try {
                handle(buf, from);
            } catch (RuntimeException e) { // one bad packet never stops the server
                malformed.increment();
                log.atWarn().addKeyValue("client", from).addKeyValue("error", e.toString()).log("TFTP request not handled");
            }
        }
    }

    private void handle(ByteBuffer buf, InetSocketAddress from) {
        TftpPacket p;
        try {
            p = TftpCodec.decode(buf);
        } catch (MalformedTftpException e) {
            malformed.increment();
            log.atDebug().addKeyValue("client", from).addKeyValue("reason", e.reason()).addKeyValue("error", e.getMessage()).log("TFTP malformed request dropped");
            return;
        }
        switch (p) {
            case TftpPacket.ReadRequest r -> admit(r, from);
            case TftpPacket.WriteRequest w -> refuse(from, w.filename(), ErrorCode.ACCESS_VIOLATION, "Write requests are refused: this server is read-only");
            default -> {
                malformed.increment(); // DATA, ACK, ERROR or OACK on the request port belong to no transfer
                log.atDebug().addKeyValue("client", from).addKeyValue("packet", p.getClass().getSimpleName()).log("TFTP packet without a transfer dropped");
            }
        }
    }

    private void admit(TftpPacket.ReadRequest r, InetSocketAddress from) {
        if (closed) return;
        String path;
        switch (TftpPath.normalize(r.filename())) {
            case TftpPath.Result.Accepted a -> path = a.path();
            case TftpPath.Result.Refused x -> {
                refuse(from, r.filename(), ErrorCode.ACCESS_VIOLATION, "Access violation: " + x.reason());
                return;
            }
        }
        if (r.mode() == TransferMode.MAIL) {
            refuse(from, r.filename(), ErrorCode.ILLEGAL_OPERATION, "Mail mode is not supported");
            return;
        }
        if (byClient.containsKey(new Repeat(from, path))) { // only this (listener) thread adds entries: not racy
            duplicateRequests.increment();
            log.atDebug().addKeyValue("client", from).addKeyValue("file", TftpCodec.clip(r.filename())).log("TFTP request repeated while its transfer runs; dropped");
            return;
        }
        if (active.get() >= settings.maxTransfers()) {
            refuse(from, r.filename(), ErrorCode.NOT_DEFINED, "Server busy: too many transfers, try again later");
            return;
        }
        InetAddress src = from.getAddress();
        int limit = settings.maxTransfersPerSource();
        boolean[] admitted = {false};
        perSource.compute(src, (k, n) -> {
            int c = n == null ? 0 : n;
            if (c >= limit) return n;
            admitted[0] = true;
            return c + 1;
        });
        if (!admitted[0]) {
            refuse(from, r.filename(), ErrorCode.NOT_DEFINED, "Too many transfers from " + src.getHostAddress() + ", try again later");
            return;
        }
        active.incrementAndGet();
        started.increment();
        Transfer t = new Transfer(this, r, path, from);
        transfers.add(t);
        byClient.put(new Repeat(from, path), t);
        try {
            t.thread = transferThreads.newThread(t);
            t.thread.start();
        } catch (RuntimeException | OutOfMemoryError e) {
            failed.increment();
            release(t);
            throw e;
        }
    }

    /** Called by each transfer when it ends, whatever the outcome. */
    void release(Transfer t) {
        transfers.remove(t);
        byClient.remove(new Repeat(t.client, t.path), t);
        perSource.computeIfPresent(t.client.getAddress(), (k, n) -> n <= 1 ? null : n - 1);
        active.decrementAndGet();
    }

    private void refuse(InetSocketAddress to, String file, ErrorCode code, String message) {
        refused.increment();
        log.atInfo().addKeyValue("client", to).addKeyValue("file", TftpCodec.clip(file)).addKeyValue("error", message).log("TFTP request refused");
        try {
            channel.send(ByteBuffer.wrap(TftpCodec.encode(new TftpPacket.Error(code, message))), to);
        } catch (IOException e) {
            log.atDebug().addKeyValue("client", to).addKeyValue("error", e.toString()).log("TFTP error packet not sent");
        }
    }

    /** Stops listening and ends every transfer in progress; waits up to 5 s for them. */
    @Override
    public void close() {
        Thread l;
        synchronized (this) {
            if (closed) return;
            closed = true;
            l = listener;
        }
        try {
            if (channel != null) channel.close();
        } catch (IOException e) {
            log.atDebug().addKeyValue("error", e.toString()).log("TFTP listening socket did not close cleanly");
        }
        for (Transfer t : transfers) t.stop();
        long end = System.nanoTime() + 5_000_000_000L;
        try {
            if (l != null) l.join(5000);
            for (Transfer t : transfers) {
                Thread th = t.thread;
                long left = (end - System.nanoTime()) / 1_000_000;
                if (th != null && left > 0) th.join(left);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (local != null) log.atInfo().addKeyValue("listen", local).addKeyValue("stats", stats()).log("TFTP server stopped");
    }
}
