package io.netrescue.tftp.server;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;

/** What every {@link TransferSocket} keeps the same way: the last datagram, the last stranger, the stop flag. */
abstract sealed class AbstractTransferSocket implements TransferSocket permits LinuxTransferSocket, PortableTransferSocket {
    /** The receive buffer, set once by the constructor; {@link #receive} sets its limit. */
    protected ByteBuffer received;
    protected InetSocketAddress stranger;
    protected volatile boolean stopped;

    @Override
    public final ByteBuffer received() {
        return received;
    }

    @Override
    public final InetSocketAddress stranger() {
        return stranger;
    }
}
