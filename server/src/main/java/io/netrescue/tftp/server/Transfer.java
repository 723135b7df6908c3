package io.netrescue.tftp.server;

import io.netrescue.tftp.ErrorCode;
import io.netrescue.tftp.Netascii;
import io.netrescue.tftp.OptionNegotiation;
import io.netrescue.tftp.ReadTransfer;
import io.netrescue.tftp.TftpCodec;
import io.netrescue.tftp.TftpOption;
import io.netrescue.tftp.TftpPacket;
import io.netrescue.tftp.TransferMode;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.file.AccessDeniedException;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.spi.LoggingEventBuilder;

/** One read transfer: its own socket (the server's TID), the state machine, the file. Runs on its own thread. */
final class Transfer implements Runnable {
    private static final Logger log = LoggerFactory.getLogger(Transfer.class);
    /** Netascii is converted in memory; it is meant for small text files, so larger ones are refused. */
    static final int NETASCII_MAX = 1 << 20;
    /** How long a transfer polls for the client's answer before it sleeps, and up to how many transfers do. */
    static final long SPIN_NANOS = 50_000;
    static final int SPIN_MAX_ACTIVE = 1;

    private final TftpServer server;
    private final TftpPacket.ReadRequest request;
    private final String path;
    final InetSocketAddress client;
    volatile Thread thread;
    private volatile DatagramChannel channel;
    private volatile Selector selector;
    private long bytes;

    Transfer(TftpServer server, TftpPacket.ReadRequest request, String path, InetSocketAddress client) {
        this.server = server;
        this.request = request;
        this.path = path;
        this.client = client;
    }

    /** Ends the transfer from outside: its blocked receive fails at once. */
    void stop() {
        DatagramChannel c = channel;
        if (c != null) {
            try {
                c.close();
            } catch (IOException ignored) {
                // closing is all we wanted
            }
        }
        Selector sel = selector;
        if (sel != null) sel.wakeup(); // a channel closed under a selector does not wake it
    }

    @Override
    public void run() {
        long t0 = System.nanoTime();
        try (DatagramChannel ch = DatagramChannel.open(TftpServer.family(client.getAddress()))) {
            channel = ch;
            ch.bind(new InetSocketAddress(server.localAddress().getAddress(), 0));
            if (server.closed) {
                server.failed.increment();
                return;
            }
            serve(ch, t0);
        } catch (IOException e) {
            server.failed.increment();
            (server.closed ? log.atDebug() : log.atWarn()).addKeyValue("client", client).addKeyValue("file", path)
                    .addKeyValue("error", e.toString()).log(server.closed ? "TFTP transfer stopped with the server" : "TFTP transfer failed");
        } catch (RuntimeException e) {
            server.failed.increment();
            log.atWarn().addKeyValue("client", client).addKeyValue("file", path).addKeyValue("error", e.toString()).log("TFTP transfer failed");
        } finally {
            server.release(this);
        }
    }

    private void serve(DatagramChannel ch, long t0) throws IOException {
        TftpFile file;
        try {
            Optional<TftpFile> f = server.source.open(path, client);
            if (f.isEmpty()) {
                server.notFound.increment();
                sendError(ch, client, new TftpPacket.Error(ErrorCode.FILE_NOT_FOUND, "File not found"));
                log.atDebug().addKeyValue("client", client).addKeyValue("file", path).log("TFTP file not found");
                return;
            }
            file = f.get();
        } catch (AccessDeniedException e) {
            server.failed.increment();
            sendError(ch, client, new TftpPacket.Error(ErrorCode.ACCESS_VIOLATION, "Access violation"));
            log.atInfo().addKeyValue("client", client).addKeyValue("file", path).addKeyValue("error", e.toString()).log("TFTP file not readable");
            return;
        } catch (IOException | RuntimeException e) {
            server.failed.increment();
            sendError(ch, client, new TftpPacket.Error(ErrorCode.NOT_DEFINED, "Cannot read the file"));
            log.atWarn().addKeyValue("client", client).addKeyValue("file", path).addKeyValue("error", e.toString()).log("TFTP file source failed");
            return;
        }
        try (TftpFile opened = file) {
            TftpFile sent = opened;
            if (request.mode() == TransferMode.NETASCII) {
                if (opened.size() > NETASCII_MAX) {
                    server.failed.increment();
                    sendError(ch, client, new TftpPacket.Error(ErrorCode.NOT_DEFINED,
                            "Netascii is limited to " + (NETASCII_MAX >> 20) + " MiB files; use octet mode"));
                    return;
                }
                sent = netascii(opened);
            }
            OptionNegotiation.Result neg = OptionNegotiation.negotiate(request.options(), sent.size(), server.limits);
            ReadTransfer m = new ReadTransfer(sent.size(), neg, server.timeoutNanos, server.settings.retries());
            ReadTransfer.Action end = loop(ch, m, sent);
            long ms = (System.nanoTime() - t0) / 1_000_000;
            LoggingEventBuilder e;
            if (end == ReadTransfer.Action.COMPLETE) {
                server.completed.increment();
                e = log.atDebug();
            } else if (m.clientAborted()) {
                server.aborted.increment();
                e = log.atDebug();
            } else {
                server.failed.increment();
                e = log.atInfo();
            }
            e.addKeyValue("client", client).addKeyValue("file", path).addKeyValue("mode", request.mode().wireName())
                    .addKeyValue("options", describe(neg.oack()))
                    .addKeyValue("blksize", m.blockSize()).addKeyValue("windowsize", m.windowSize())
                    .addKeyValue("size", m.size()).addKeyValue("bytes", bytes).addKeyValue("resent_blocks", m.resent())
                    .addKeyValue("ms", ms)
                    .log(end == ReadTransfer.Action.COMPLETE ? "TFTP transfer completed"
                            : m.clientAborted() ? "TFTP transfer ended by the client: " + m.failure() : "TFTP transfer failed: " + m.failure());
        }
    }

    private static TftpFile netascii(TftpFile f) throws IOException {
        ByteBuffer all = ByteBuffer.allocate((int) f.size());
        int n = f.read(0, all);
        if (n != f.size()) throw new IOException("file shrank while it was read");
        return TftpFile.of(Netascii.encode(all.array()));
    }

    /**
     * Performs the machine's actions until it completes or fails; returns COMPLETE or FAIL.
     * The channel is non-blocking: after sending, a transfer polls it for up to {@link #SPIN_NANOS}
     * when at most {@link #SPIN_MAX_ACTIVE} transfers run (a loopback or LAN client answers within
     * that, and not sleeping saves a wake-up per block: lock-step throughput is bounded by it),
     * then sleeps in its selector until the datagram or the deadline.
     */
    private ReadTransfer.Action loop(DatagramChannel ch, ReadTransfer m, TftpFile file) throws IOException {
        ByteBuffer out = ByteBuffer.allocateDirect(4 + m.blockSize());
        ByteBuffer in = ByteBuffer.allocateDirect(1024);
        ch.configureBlocking(false);
        try (Selector selector = Selector.open()) {
            this.selector = selector;
            ch.register(selector, SelectionKey.OP_READ);
            if (server.closed) throw new ClosedChannelException();
            ReadTransfer.Action a = m.start(System.nanoTime());
            while (true) {
                switch (a) {
                    case SEND_OACK -> ch.send(ByteBuffer.wrap(TftpCodec.encode(new TftpPacket.OptionAck(m.oack()))), client);
                    case SEND_DATA -> {
                        a = sendWindow(ch, m, file, out);
                        if (a != ReadTransfer.Action.WAIT) continue;
                    }
                    case COMPLETE -> {
                        return a;
                    }
                    case FAIL -> {
                        if (m.errorToSend() != null) sendError(ch, client, m.errorToSend());
                        return a;
                    }
                    case WAIT -> {}
                }
                in.clear();
                SocketAddress from = ch.receive(in);
                if (from == null && server.activeTransfers() <= SPIN_MAX_ACTIVE) {
                    long spinEnd = System.nanoTime() + SPIN_NANOS;
                    while ((from = ch.receive(in)) == null && System.nanoTime() - spinEnd < 0) Thread.onSpinWait();
                }
                while (from == null) {
                    long wait = m.deadline() - System.nanoTime();
                    if (wait <= 0) break;
                    selector.select(Math.max(1, (wait + 999_999) / 1_000_000));
                    selector.selectedKeys().clear();
                    if (!ch.isOpen()) throw new ClosedChannelException();
                    from = ch.receive(in);
                }
                if (from == null) {
                    a = m.onTimeout(System.nanoTime());
                    continue;
                }
                if (!from.equals(client)) {
                    // RFC 1350: answer the stranger, leave the transfer alone
                    server.unknownTid.increment();
                    sendError(ch, (InetSocketAddress) from, new TftpPacket.Error(ErrorCode.UNKNOWN_TID, "Unknown transfer ID"));
                    a = ReadTransfer.Action.WAIT;
                    continue;
                }
                in.flip();
                long malformedBefore = m.malformed();
                a = m.onDatagram(in, System.nanoTime());
                if (m.malformed() != malformedBefore) server.malformed.increment();
            }
        }
    }

    /** Sends the window the machine asked for; WAIT when sent, FAIL when the file could not be read. */
    private ReadTransfer.Action sendWindow(DatagramChannel ch, ReadTransfer m, TftpFile file, ByteBuffer out) throws IOException {
        long end = m.sendFrom() + m.sendCount();
        for (long b = m.sendFrom(); b < end; b++) {
            int len = m.length(b);
            out.clear();
            TftpCodec.putDataHeader(out, ReadTransfer.wireBlock(b));
            out.limit(4 + len);
            int n = len == 0 ? 0 : file.read(m.offset(b), out);
            if (n != len) return m.abort("the file shrank while it was sent", new TftpPacket.Error(ErrorCode.NOT_DEFINED, "File changed while it was sent"));
            out.flip();
            ch.send(out, client);
            bytes += len;
            server.bytesSent.add(len);
        }
        return ReadTransfer.Action.WAIT;
    }

    private void sendError(DatagramChannel ch, InetSocketAddress to, TftpPacket.Error e) {
        try {
            ch.send(ByteBuffer.wrap(TftpCodec.encode(e)), to);
        } catch (IOException x) {
            log.atDebug().addKeyValue("client", to).addKeyValue("error", x.toString()).log("TFTP error packet not sent");
        }
    }

    private static String describe(List<TftpOption> options) {
        return options.stream().map(o -> o.name() + "=" + o.value()).collect(Collectors.joining(","));
    }
}
