package io.netrescue.tftp.server;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;

/**
 * A transfer's own UDP socket (its TID): bound to an ephemeral port, talking to one client. A
 * transfer sends whole windows of DATA packets from one buffer and blocks in {@link #receive} with a
 * timeout; that is all a lock-step or windowed transfer needs, so the Linux implementation can do
 * each with one system call (see docs/protocols/tftp.md, "Threading design").
 */
interface TransferSocket extends AutoCloseable {
    /** {@link #receive}: nothing arrived in time. */
    int TIMEOUT = -1;
    /** {@link #receive}: a datagram from another address or port; see {@link #stranger()}. */
    int STRANGER = -2;
    /** Largest datagram {@link #receive} keeps; longer ones are cut (and then fail to decode). */
    int RECEIVE_BYTES = 1024;

    /** Opens sockets for transfers; tests swap the implementation. */
    @FunctionalInterface
    interface Factory {
        /**
         * @param slots how many packets a window holds at most
         * @param slotBytes the largest packet (4 + blksize)
         */
        TransferSocket open(InetAddress local, InetSocketAddress client, int slots, int slotBytes) throws IOException;
    }

    /** FFM sockets on Linux x86-64/arm64 for IPv4 clients, else {@link PortableTransferSocket}. */
    static TransferSocket open(InetAddress local, InetSocketAddress client, int slots, int slotBytes) throws IOException {
        if (LinuxTransferSocket.supports(client)) return new LinuxTransferSocket(local, client, slots, slotBytes);
        return new PortableTransferSocket(local, client, slots, slotBytes);
    }

    /** Packet slot {@code i} of the window buffer (position 0, limit = capacity = slotBytes); write a packet into it. */
    ByteBuffer slot(int i);

    /** Sends slots {@code 0..count-1} to the client, slot {@code i} with {@code lengths[i]} bytes. */
    void sendSlots(int count, int[] lengths) throws IOException;

    /** Sends one datagram (OACK, ERROR) from position to limit. */
    void send(ByteBuffer datagram, InetSocketAddress to) throws IOException;

    /**
     * Waits up to {@code waitNanos} for a datagram (at least 1 µs is waited; the wait may end up to
     * a millisecond late). Returns its length (it is then in {@link #received()}), {@link #TIMEOUT}
     * or {@link #STRANGER}.
     *
     * @throws java.nio.channels.ClosedChannelException after {@link #stop()}
     */
    int receive(long waitNanos) throws IOException;

    /** The last datagram from the client, position 0, limit its length. */
    ByteBuffer received();

    /** The sender of the last {@link #STRANGER} datagram. */
    InetSocketAddress stranger();

    /** From any thread: a blocked or later {@link #receive} fails with ClosedChannelException. */
    void stop();

    /** Releases the socket and its buffers; by the transfer's own thread. */
    @Override
    void close();
}
