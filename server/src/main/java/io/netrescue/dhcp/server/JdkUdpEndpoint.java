package io.netrescue.dhcp.server;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;

/** A wildcard (or address) bound UDP socket through the JDK: receives broadcasts on every interface. */
final class JdkUdpEndpoint implements UdpEndpoint {
    private final DatagramChannel ch;

    JdkUdpEndpoint(InetAddress bind, int port) throws IOException {
        ch = DatagramChannel.open(StandardProtocolFamily.INET);
        try {
            ch.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            ch.setOption(StandardSocketOptions.SO_BROADCAST, true);
            ch.setOption(StandardSocketOptions.SO_RCVBUF, 4 << 20);
            ch.bind(new InetSocketAddress(bind, port));
        } catch (IOException e) {
            ch.close();
            throw e;
        }
    }

    @Override
    public Received receive(byte[] buf) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(buf);
        try {
            InetSocketAddress from = (InetSocketAddress) ch.receive(b);
            return from == null ? null : new Received(b.position(), from);
        } catch (ClosedChannelException e) {
            return null;
        }
    }

    @Override
    public void send(byte[] data, InetSocketAddress to) throws IOException {
        ch.send(ByteBuffer.wrap(data), to);
    }

    @Override
    public int localPort() {
        try {
            return ((InetSocketAddress) ch.getLocalAddress()).getPort();
        } catch (IOException e) {
            return -1;
        }
    }

    @Override
    public void close() {
        try {
            ch.close();
        } catch (IOException ignored) {
            // closing: nothing left to do
        }
    }
}
