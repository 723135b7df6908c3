package io.netrescue.dhcp.server;

import java.io.IOException;
import java.net.InetSocketAddress;

/** One bound UDP socket, as the receive loop sees it; implemented by the JDK or, for one interface, by a Linux socket. */
interface UdpEndpoint extends AutoCloseable {
    /**
     * Blocks until a datagram arrives; fills {@code buf} and returns its length and sender,
     * or null when the endpoint was closed (or a receive timeout passed: call again).
     */
    Received receive(byte[] buf) throws IOException;

    void send(byte[] data, InetSocketAddress to) throws IOException;

    int localPort();

    @Override
    void close();

    record Received(int length, InetSocketAddress source) {}
}
