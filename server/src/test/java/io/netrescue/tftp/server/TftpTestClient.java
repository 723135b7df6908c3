package io.netrescue.tftp.server;

import io.netrescue.tftp.MalformedTftpException;
import io.netrescue.tftp.TftpCodec;
import io.netrescue.tftp.TftpOption;
import io.netrescue.tftp.TftpPacket;
import io.netrescue.tftp.TransferMode;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * A small TFTP download client (RFC 1350 + blksize + windowsize) for the tests and the boot-storm
 * benchmark, the same one against every server. It hashes what it receives instead of keeping it.
 */
public final class TftpTestClient {
    public record Result(long bytes, String sha256, long timeouts) {}

    /** The server answered with an ERROR packet. */
    public static final class TftpErrorException extends IOException {
        public final int code;

        TftpErrorException(int code, String message) {
            super("error " + code + ": " + message);
            this.code = code;
        }
    }

    private TftpTestClient() {}

    public static Result get(InetSocketAddress server, String file, int blksize, int windowsize) throws IOException {
        return get(server, null, file, blksize, windowsize, 1000, 10);
    }

    /**
     * @param bind local address to send from (null: any)
     * @param blksize 0 or 512: no blksize option; @param windowsize 0 or 1: no windowsize option
     */
    public static Result get(InetSocketAddress server, InetSocketAddress bind, String file, int blksize, int windowsize,
                             int timeoutMs, int retries) throws IOException {
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        List<TftpOption> opts = new ArrayList<>();
        if (blksize > 0 && blksize != 512) opts.add(new TftpOption("blksize", Integer.toString(blksize)));
        if (windowsize > 1) opts.add(new TftpOption("windowsize", Integer.toString(windowsize)));
        int blk = 512, win = 1;
        try (DatagramChannel ch = DatagramChannel.open()) {
            ch.bind(bind);
            ch.socket().setSoTimeout(timeoutMs);
            ch.socket().setReceiveBufferSize(1 << 20);
            ByteBuffer last = ByteBuffer.wrap(TftpCodec.encode(new TftpPacket.ReadRequest(file, TransferMode.OCTET, opts)));
            SocketAddress peer = server; // until the server's TID is known
            ch.send(last.duplicate(), peer);
            ByteBuffer in = ByteBuffer.allocate(TftpCodec.MAX_PACKET);
            byte[] ack = new byte[4];
            ack[1] = TftpPacket.OP_ACK;
            long expected = 1, bytes = 0, timeouts = 0;
            int inWindow = 0, tries = 0;
            boolean tidKnown = false;
            while (true) {
                in.clear();
                SocketAddress from;
                try {
                    from = receive(ch, in);
                } catch (SocketTimeoutException e) {
                    timeouts++;
                    if (++tries > retries) throw new IOException("timed out waiting for block " + expected);
                    ch.send(last.duplicate(), peer);
                    continue;
                }
                in.flip();
                if (tidKnown && !from.equals(peer)) continue;
                TftpPacket p;
                try {
                    p = TftpCodec.decode(in);
                } catch (MalformedTftpException e) {
                    throw new IOException("malformed packet from server: " + e.getMessage());
                }
                if (!tidKnown) {
                    peer = from;
                    tidKnown = true;
                }
                switch (p) {
                    case TftpPacket.Error e -> throw new TftpErrorException(e.code(), e.message());
                    case TftpPacket.OptionAck o -> {
                        if (expected != 1 || bytes != 0) continue;
                        for (TftpOption op : o.options()) {
                            if (op.is("blksize")) blk = Integer.parseInt(op.value());
                            if (op.is("windowsize")) win = Integer.parseInt(op.value());
                        }
                        last = ackOf(ack, 0);
                        ch.send(last.duplicate(), peer);
                        tries = 0;
                    }
                    case TftpPacket.Data d -> {
                        if (d.block() != (int) (expected & 0xFFFF)) {
                            // a gap or an old block: tell the server what we have (RFC 7440) and wait
                            if (win > 1 && inWindow > 0) {
                                inWindow = 0;
                                last = ackOf(ack, (int) ((expected - 1) & 0xFFFF));
                                ch.send(last.duplicate(), peer);
                            }
                            continue;
                        }
                        int n = d.length();
                        sha.update(d.payload());
                        bytes += n;
                        tries = 0;
                        boolean end = n < blk;
                        inWindow++;
                        if (end || inWindow >= win) {
                            inWindow = 0;
                            last = ackOf(ack, d.block());
                            ch.send(last.duplicate(), peer);
                        }
                        expected++;
                        if (end) return new Result(bytes, HexFormat.of().formatHex(sha.digest()), timeouts);
                    }
                    default -> throw new IOException("unexpected packet " + p);
                }
            }
        }
    }

    private static SocketAddress receive(DatagramChannel ch, ByteBuffer in) throws IOException {
        java.net.DatagramPacket dp = new java.net.DatagramPacket(in.array(), in.capacity());
        ch.socket().receive(dp);
        in.position(dp.getLength());
        return dp.getSocketAddress();
    }

    private static ByteBuffer ackOf(byte[] ack, int block) {
        byte[] a = ack.clone();
        a[2] = (byte) (block >> 8);
        a[3] = (byte) block;
        return ByteBuffer.wrap(a);
    }

    public static String sha256(byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
