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
import java.lang.foreign.Arena;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
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

    private final TftpServer server;
    private final TftpPacket.ReadRequest request;
    final String path;
    final InetSocketAddress client;
    volatile Thread thread;
    private volatile TransferSocket socket;
    private long bytes;

    Transfer(TftpServer server, TftpPacket.ReadRequest request, String path, InetSocketAddress client) {
        this.server = server;
        this.request = request;
        this.path = path;
        this.client = client;
    }

    /** Ends the transfer from outside: its blocked receive fails at once. */
    void stop() {
        TransferSocket s = socket;
        if (s != null) s.stop();
    }

    @Override
    public void run() {
        long t0 = System.nanoTime();
        try {
            serve(t0);
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

    private void serve(long t0) throws IOException {
        TftpFile file;
        try {
            Optional<TftpFile> f = server.source.open(path, client);
            if (f.isEmpty()) {
                server.notFound.increment();
                refuse(new TftpPacket.Error(ErrorCode.FILE_NOT_FOUND, "File not found"));
                log.atDebug().addKeyValue("client", client).addKeyValue("file", path).log("TFTP file not found");
                return;
            }
            file = f.get();
        } catch (AccessDeniedException e) {
            server.failed.increment();
            refuse(new TftpPacket.Error(ErrorCode.ACCESS_VIOLATION, "Access violation"));
            log.atInfo().addKeyValue("client", client).addKeyValue("file", path).addKeyValue("error", e.toString()).log("TFTP file not readable");
            return;
        } catch (IOException | RuntimeException e) {
            server.failed.increment();
            refuse(new TftpPacket.Error(ErrorCode.NOT_DEFINED, "Cannot read the file"));
            log.atWarn().addKeyValue("client", client).addKeyValue("file", path).addKeyValue("error", e.toString()).log("TFTP file source failed");
            return;
        }
        try (TftpFile opened = file) {
            TftpFile sent = opened;
            if (request.mode() == TransferMode.NETASCII) {
                if (opened.size() > NETASCII_MAX) {
                    server.failed.increment();
                    refuse(new TftpPacket.Error(ErrorCode.NOT_DEFINED, "Netascii is limited to " + (NETASCII_MAX >> 20) + " MiB files; use octet mode"));
                    return;
                }
                sent = netascii(opened);
            }
            OptionNegotiation.Result neg = OptionNegotiation.negotiate(request.options(), sent.size(), server.limits);
            ReadTransfer m = new ReadTransfer(sent.size(), neg, server.timeoutNanos, server.minTimeoutNanos, server.settings.retries());
            ReadTransfer.Action end;
            try (TransferSocket s = open(m.windowSize(), 4 + m.blockSize()); Arena arena = Arena.ofConfined()) {
                end = loop(s, m, new BlockReader(sent, m.windowSize() * m.blockSize(), arena), opened);
            }
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
                    .addKeyValue("timeouts", m.timeouts()).addKeyValue("srtt_us", m.rtt().srtt() < 0 ? -1 : m.rtt().srtt() / 1000)
                    .addKeyValue("rto_ms", m.rtt().rto() / 1_000_000)
                    .addKeyValue("ms", ms)
                    .log(end == ReadTransfer.Action.COMPLETE ? "TFTP transfer completed"
                            : m.clientAborted() ? "TFTP transfer ended by the client: " + m.failure() : "TFTP transfer failed: " + m.failure());
        }
    }

    /** The transfer's socket, on a new ephemeral port (the server's TID for this client). */
    private TransferSocket open(int slots, int slotBytes) throws IOException {
        TransferSocket s = server.sockets.open(server.localAddress().getAddress(), client, slots, slotBytes);
        socket = s;
        if (server.closed) { // close() may have looked for this socket before it existed
            s.close();
            throw new ClosedChannelException();
        }
        return s;
    }

    /** Answers the request with an error from a new TID, as RFC 1350 wants (the caller counted it). */
    private void refuse(TftpPacket.Error e) {
        try (TransferSocket s = open(1, 4)) {
            sendError(s, client, e);
        } catch (IOException x) {
            log.atDebug().addKeyValue("client", client).addKeyValue("error", x.toString()).log("TFTP error packet not sent");
        }
    }

    private static TftpFile netascii(TftpFile f) throws IOException {
        ByteBuffer all = ByteBuffer.allocate((int) f.size());
        int n = f.read(0, all);
        if (n != f.size()) throw new IOException("file shrank while it was read");
        return TftpFile.of(Netascii.encode(all.array()));
    }

    /**
     * Performs the machine's actions until it completes or fails; returns COMPLETE or FAIL. The
     * thread sleeps in the socket's receive until the client's datagram or the deadline: no poll,
     * no selector, no other thread involved (docs/protocols/tftp.md, "Threading design").
     */
    private ReadTransfer.Action loop(TransferSocket s, ReadTransfer m, BlockReader file, TftpFile source) throws IOException {
        int[] lengths = new int[m.windowSize()];
        boolean heard = false;
        ReadTransfer.Action a = m.start(System.nanoTime());
        while (true) {
            switch (a) {
                case SEND_OACK -> s.send(ByteBuffer.wrap(TftpCodec.encode(new TftpPacket.OptionAck(m.oack()))), client);
                case SEND_DATA -> {
                    a = sendWindow(s, m, file, lengths);
                    if (a != ReadTransfer.Action.WAIT) continue;
                }
                case COMPLETE -> {
                    return a;
                }
                case FAIL -> {
                    if (m.errorToSend() != null) sendError(s, client, m.errorToSend());
                    return a;
                }
                case WAIT -> {}
            }
            int n = s.receive(m.deadline() - System.nanoTime());
            if (n == TransferSocket.TIMEOUT) {
                a = m.onTimeout(System.nanoTime()); // WAIT again when the socket woke before the deadline
            } else if (n == TransferSocket.STRANGER) {
                // RFC 1350: answer the stranger, leave the transfer alone
                server.unknownTid.increment();
                sendError(s, s.stranger(), new TftpPacket.Error(ErrorCode.UNKNOWN_TID, "Unknown transfer ID"));
                a = ReadTransfer.Action.WAIT;
            } else {
                long malformedBefore = m.malformed();
                a = m.onDatagram(s.received(), System.nanoTime());
                if (m.malformed() != malformedBefore) server.malformed.increment();
                if (!heard && m.heard()) {
                    heard = true;
                    source.heard(); // the client's address is proven: generated content may act now
                }
            }
        }
    }

    /** Sends the window the machine asked for in one go; WAIT when sent, FAIL when the file could not be read. */
    private ReadTransfer.Action sendWindow(TransferSocket s, ReadTransfer m, BlockReader file, int[] lengths) throws IOException {
        long from = m.sendFrom();
        int count = m.sendCount();
        long total = 0;
        for (int i = 0; i < count; i++) {
            long b = from + i;
            int len = m.length(b);
            ByteBuffer out = s.slot(i);
            TftpCodec.putDataHeader(out, ReadTransfer.wireBlock(b));
            if (len > 0 && !file.copy(m.offset(b), len, out)) {
                return m.abort("the file shrank while it was sent", new TftpPacket.Error(ErrorCode.NOT_DEFINED, "File changed while it was sent"));
            }
            lengths[i] = 4 + len;
            total += len;
        }
        s.sendSlots(count, lengths);
        bytes += total;
        server.bytesSent.add(total);
        return ReadTransfer.Action.WAIT;
    }

    private void sendError(TransferSocket s, InetSocketAddress to, TftpPacket.Error e) {
        try {
            s.send(ByteBuffer.wrap(TftpCodec.encode(e)), to);
        } catch (IOException x) {
            log.atDebug().addKeyValue("client", to).addKeyValue("error", x.toString()).log("TFTP error packet not sent");
        }
    }

    private static String describe(List<TftpOption> options) {
        return options.stream().map(o -> o.name() + "=" + o.value()).collect(Collectors.joining(","));
    }
}
