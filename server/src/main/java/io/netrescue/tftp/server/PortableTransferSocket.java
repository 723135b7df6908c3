package io.netrescue.tftp.server;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;

/**
 * {@link TransferSocket} on {@link DatagramSocket}: for IPv6 clients and systems without the Linux
 * socket. One send per packet, a poll() before each receive; correct, slower than the Linux one.
 */
final class PortableTransferSocket extends AbstractTransferSocket {
    private final DatagramSocket socket;
    private final InetSocketAddress client;
    private final byte[] window;
    private final int slotBytes;
    private final ByteBuffer[] slots;
    private final byte[] in = new byte[RECEIVE_BYTES];
    private final DatagramPacket inPacket = new DatagramPacket(in, in.length);
    private final DatagramPacket outPacket;
    private int timeoutMs = -1;

    PortableTransferSocket(InetAddress local, InetSocketAddress client, int slots, int slotBytes) throws IOException {
        this.received = ByteBuffer.wrap(in);
        this.socket = new DatagramSocket(new InetSocketAddress(local, 0));
        this.client = client;
        this.slotBytes = slotBytes;
        this.window = new byte[slots * slotBytes];
        this.slots = new ByteBuffer[slots];
        for (int i = 0; i < slots; i++) this.slots[i] = ByteBuffer.wrap(window, i * slotBytes, slotBytes).slice();
        this.outPacket = new DatagramPacket(window, 0, client);
    }

    @Override
    public ByteBuffer slot(int i) {
        return slots[i].clear();
    }

    @Override
    public void sendSlots(int count, int[] lengths) throws IOException {
        for (int i = 0; i < count; i++) {
            outPacket.setData(window, i * slotBytes, lengths[i]);
            socket.send(outPacket);
        }
    }

    @Override
    public void send(ByteBuffer d, InetSocketAddress to) throws IOException {
        byte[] b = new byte[d.remaining()];
        d.get(b);
        socket.send(new DatagramPacket(b, b.length, to));
    }

    @Override
    public int receive(long waitNanos) throws IOException {
        if (stopped) throw new ClosedChannelException();
        if (waitNanos <= 0) return TIMEOUT;
        int ms = (int) Math.min(Integer.MAX_VALUE, Math.max(1, (waitNanos + 999_999) / 1_000_000));
        if (ms != timeoutMs) {
            socket.setSoTimeout(ms);
            timeoutMs = ms;
        }
        inPacket.setLength(in.length);
        try {
            socket.receive(inPacket);
        } catch (SocketTimeoutException e) {
            return TIMEOUT;
        } catch (IOException e) {
            if (stopped) throw new ClosedChannelException();
            throw e;
        }
        if (inPacket.getPort() != client.getPort() || !inPacket.getAddress().equals(client.getAddress())) {
            stranger = (InetSocketAddress) inPacket.getSocketAddress();
            return STRANGER;
        }
        received.clear().limit(inPacket.getLength());
        return inPacket.getLength();
    }

    @Override
    public void stop() {
        stopped = true;
        socket.close(); // wakes a blocked receive
    }

    @Override
    public void close() {
        socket.close();
    }
}
