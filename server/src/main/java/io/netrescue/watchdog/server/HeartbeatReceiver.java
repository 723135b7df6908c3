package io.netrescue.watchdog.server;

import io.netrescue.sysrq.MalformedPacketException;
import io.netrescue.sysrq.SysrqCodec;
import io.netrescue.watchdog.Heartbeat;
import io.netrescue.watchdog.DeadManReport;
import io.netrescue.watchdog.DeadManReportCodec;
import io.netrescue.watchdog.HeartbeatAnswer;
import io.netrescue.watchdog.HeartbeatAnswerCodec;
import io.netrescue.watchdog.HeartbeatCodec;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The heartbeat port: one platform thread receives, authenticates (HMAC with the host's key) and
 * hands each heartbeat to the watchdog; nothing is written to disk per heartbeat. Malformed,
 * forged or unknown-host datagrams are counted and dropped. A heartbeat the watchdog counted is
 * answered (NRHA): the agent's dead-man switch knows from it that the server hears the host.
 */
final class HeartbeatReceiver implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(HeartbeatReceiver.class);

    interface Sink {
        /** Takes one authentic heartbeat; what to answer if it counted (fresh, not a replay), else empty. */
        java.util.Optional<HeartbeatAnswer> heartbeat(Heartbeat h, InetSocketAddress from);
    }

    interface Reports {
        /** Stores an authentic dead-man report's new steps; what to acknowledge (empty: an unknown host). */
        java.util.Optional<DeadManReport.Ack> report(DeadManReport r, InetSocketAddress from);
    }

    private final DatagramChannel channel;
    private final SysrqCodec.Keys keys;
    private final Sink sink;
    private final Reports reports;
    private final Thread thread;
    final LongAdder received = new LongAdder(), rejected = new LongAdder(), answered = new LongAdder();

    HeartbeatReceiver(InetSocketAddress listen, SysrqCodec.Keys keys, Sink sink, Reports reports) throws IOException {
        this.keys = keys;
        this.sink = sink;
        this.reports = reports;
        channel = DatagramChannel.open(listen.getAddress() instanceof java.net.Inet6Address
                ? java.net.StandardProtocolFamily.INET6 : java.net.StandardProtocolFamily.INET);
        try {
            // a fleet's heartbeats arrive in bursts; a deep buffer rides them out (the kernel caps it at rmem_max)
            channel.setOption(StandardSocketOptions.SO_RCVBUF, 8 << 20);
            channel.bind(listen);
        } catch (IOException e) {
            channel.close();
            throw new IOException("cannot listen for heartbeats on " + listen + ": " + e.getMessage(), e);
        }
        thread = Thread.ofPlatform().name("heartbeats").daemon(true).start(this::loop);
    }

    InetSocketAddress localAddress() throws IOException {
        return (InetSocketAddress) channel.getLocalAddress();
    }

    private void loop() {
        ByteBuffer buf = ByteBuffer.allocate(DeadManReportCodec.MAX_DATAGRAM + 1);
        while (channel.isOpen()) {
            try {
                buf.clear();
                InetSocketAddress from = (InetSocketAddress) channel.receive(buf);
                buf.flip();
                if (buf.remaining() >= 4 && buf.getInt(0) == DeadManReportCodec.REPORT_MAGIC) {
                    DeadManReport r = DeadManReportCodec.decodeReport(buf, keys);
                    var ack = reports.report(r, from);
                    if (ack.isPresent()) send(ack.get().host(), DeadManReportCodec.encode(ack.get(), keys.keyFor(r.host()).orElseThrow()), from);
                    continue;
                }
                Heartbeat h = HeartbeatCodec.decode(buf, keys);
                received.increment();
                var answer = sink.heartbeat(h, from);
                if (answer.isPresent()) answer(answer.get(), from);
            } catch (MalformedPacketException e) {
                rejected.increment();
                log.atDebug().addKeyValue("reason", e.reason()).addKeyValue("error", e.getMessage()).log("heartbeat dropped");
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException | RuntimeException e) {
                log.atWarn().addKeyValue("error", e.toString()).log("heartbeat receive failed");
            }
        }
    }

    /**
     * To the heartbeat's source, signed with the key that signed the heartbeat: smaller than the
     * heartbeat and only for a counted one, so the port cannot amplify nor be made to answer twice.
     */
    private void answer(HeartbeatAnswer a, InetSocketAddress to) {
        try {
            byte[] key = keys.keyFor(a.host()).orElse(null);
            if (key == null) return;
            if (send(a.host(), HeartbeatAnswerCodec.encode(a, key), to)) answered.increment();
        } catch (RuntimeException e) {
            log.atDebug().addKeyValue("host", a.host()).addKeyValue("error", e.toString()).log("heartbeat answer not sent");
        }
    }

    private boolean send(String host, byte[] b, InetSocketAddress to) {
        try {
            channel.send(ByteBuffer.wrap(b), to);
            return true;
        } catch (IOException e) {
            log.atDebug().addKeyValue("host", host).addKeyValue("error", e.toString()).log("answer not sent");
            return false;
        }
    }

    @Override
    public void close() {
        try {
            channel.close();
            thread.join(2000);
        } catch (IOException | InterruptedException ignored) {
            // closing is best effort; the thread is a daemon
        }
    }
}
