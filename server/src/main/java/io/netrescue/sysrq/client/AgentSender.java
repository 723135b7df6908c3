package io.netrescue.sysrq.client;

import io.netrescue.sysrq.MalformedPacketException;
import io.netrescue.sysrq.SysrqCodec;
import io.netrescue.sysrq.SysrqMessage;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.time.Duration;
import java.util.Optional;

/**
 * Sends one request to an agent and waits for its authenticated ack, retransmitting the identical
 * datagram with doubling intervals (250 ms, 500 ms, 1 s, ...) until acknowledged or out of time.
 * The agent runs the request once however many copies arrive.
 */
public final class AgentSender {

    public record Result(Optional<SysrqMessage.Ack> ack, int transmissions, int dropped) {}

    public Result send(InetSocketAddress to, SysrqMessage.Command request, byte[] key, Duration timeout) throws IOException {
        byte[] packet = SysrqCodec.encode(request, key);
        long deadline = System.nanoTime() + timeout.toNanos();
        long interval = 250_000_000L;
        int sent = 0, dropped = 0;
        ByteBuffer in = ByteBuffer.allocate(SysrqCodec.MAX_DATAGRAM + 1);
        try (DatagramChannel ch = DatagramChannel.open(); Selector sel = Selector.open()) {
            ch.connect(to); // replies from anyone else are filtered by the kernel
            ch.configureBlocking(false);
            ch.register(sel, SelectionKey.OP_READ);
            long nextSend = System.nanoTime();
            while (true) {
                long now = System.nanoTime();
                if (now >= deadline) return new Result(Optional.empty(), sent, dropped);
                if (now >= nextSend) {
                    ch.write(ByteBuffer.wrap(packet));
                    sent++;
                    nextSend = now + interval;
                    interval = Math.min(interval * 2, 2_000_000_000L);
                }
                long waitMs = Math.max(1, (Math.min(nextSend, deadline) - System.nanoTime()) / 1_000_000);
                if (sel.select(waitMs) == 0) continue;
                sel.selectedKeys().clear();
                while (true) {
                    in.clear();
                    int n;
                    try {
                        n = ch.read(in);
                    } catch (java.net.PortUnreachableException e) {
                        n = 0; // ICMP port unreachable: nobody listening (yet); keep retrying until the deadline
                    }
                    if (n <= 0) break;
                    in.flip();
                    try {
                        SysrqMessage m = SysrqCodec.decode(in, h -> h.equals(request.host()) ? Optional.of(key) : Optional.empty());
                        if (m instanceof SysrqMessage.Ack a && a.requestId() == request.requestId() && a.seq() == request.seq()) {
                            return new Result(Optional.of(a), sent, dropped);
                        }
                        dropped++;
                    } catch (MalformedPacketException e) {
                        dropped++;
                    }
                }
            }
        }
    }
}
