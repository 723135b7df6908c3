package io.netrescue.tftp.server;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A lossy path on loopback, for TFTP: a relay between clients and a server that drops every
 * {@code every}-th datagram in each direction, deterministically (no tc netem here, and a test
 * should lose the same packets each run). TFTP answers from a new port per transfer (its TID), so
 * the relay mirrors each server port with a port of its own towards the client, and each client
 * port with one towards the server: a small NAT.
 */
final class LossyUdpProxy implements AutoCloseable {
    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

    private final InetSocketAddress server;
    private final int every;
    private final DatagramSocket requests;
    /** Towards the server, one per client TID: it sends the client's request and receives the server's transfer packets. */
    private final Map<InetSocketAddress, DatagramSocket> upstream = new ConcurrentHashMap<>();
    /** Towards a client, one per (client, server TID): what the client sees as the server's TID. */
    private final Map<List<InetSocketAddress>, DatagramSocket> downstream = new ConcurrentHashMap<>();
    private final List<DatagramSocket> sockets = new CopyOnWriteArrayList<>();
    private final AtomicLong toServer = new AtomicLong(), toClient = new AtomicLong();
    final AtomicLong droppedToServer = new AtomicLong(), droppedToClient = new AtomicLong();
    private volatile boolean closed;

    LossyUdpProxy(InetSocketAddress server, int every) throws IOException {
        if (every < 2) throw new IllegalArgumentException("every must be at least 2");
        this.server = server;
        this.every = every;
        this.requests = open();
        loop(requests, (p, from) -> {
            DatagramSocket up = upstream.computeIfAbsent(from, c -> {
                DatagramSocket s = openUnchecked();
                loop(s, (q, serverTid) -> toClient(from, serverTid, q));
                return s;
            });
            forward(up, p, server, toServer, droppedToServer);
        });
    }

    /** The port clients send their requests to. */
    int port() {
        return requests.getLocalPort();
    }

    private void toClient(InetSocketAddress client, InetSocketAddress serverTid, DatagramPacket p) {
        DatagramSocket down = downstream.computeIfAbsent(List.of(client, serverTid), k -> {
            DatagramSocket s = openUnchecked();
            DatagramSocket up = upstream.get(client);
            loop(s, (q, from) -> {
                if (from.equals(client)) forward(up, q, serverTid, toServer, droppedToServer); // a stranger is not relayed
            });
            return s;
        });
        forward(down, p, client, toClient, droppedToClient);
    }

    private void forward(DatagramSocket via, DatagramPacket p, InetSocketAddress to, AtomicLong count, AtomicLong dropped) {
        if (count.incrementAndGet() % every == 0) {
            dropped.incrementAndGet();
            return;
        }
        try {
            via.send(new DatagramPacket(p.getData(), p.getOffset(), p.getLength(), to));
        } catch (IOException e) {
            if (!closed) throw new IllegalStateException(e);
        }
    }

    private interface Handler {
        void on(DatagramPacket p, InetSocketAddress from);
    }

    private void loop(DatagramSocket s, Handler h) {
        Thread.ofPlatform().daemon().name("lossy-proxy-" + s.getLocalPort()).start(() -> {
            byte[] buf = new byte[65536];
            DatagramPacket p = new DatagramPacket(buf, buf.length);
            while (!closed) {
                p.setLength(buf.length);
                try {
                    s.receive(p);
                } catch (IOException e) {
                    return; // closed
                }
                h.on(p, (InetSocketAddress) p.getSocketAddress());
            }
        });
    }

    private DatagramSocket open() throws SocketException {
        DatagramSocket s = new DatagramSocket(new InetSocketAddress(LOOPBACK, 0));
        s.setReceiveBufferSize(1 << 20);
        sockets.add(s);
        return s;
    }

    private DatagramSocket openUnchecked() {
        try {
            return open();
        } catch (SocketException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        closed = true;
        sockets.forEach(DatagramSocket::close);
    }

    @Override
    public String toString() {
        return "LossyUdpProxy[every " + every + " to " + server + ": dropped " + droppedToServer + " of " + toServer + " to the server, "
                + droppedToClient + " of " + toClient + " to clients]";
    }
}
