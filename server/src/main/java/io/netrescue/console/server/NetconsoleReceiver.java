package io.netrescue.console.server;

import io.netrescue.console.CrashSignature;
import io.netrescue.console.NetconsoleCodec;
import io.netrescue.inventory.IpAddresses;
import io.netrescue.store.Event;
import io.netrescue.store.GroupCommitWriter;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Receives the kernel's netconsole (UDP), files each line under the host the source address belongs
 * to, and puts panics, oopses, lockups and similar on that host's timeline. Netconsole has no
 * authentication: anyone who can send to this port from a host's address can write that host's
 * console log; the limits below bound what that costs (docs/protocols/netconsole.md).
 */
public final class NetconsoleReceiver implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(NetconsoleReceiver.class);
    /** Lines from an address not in the inventory go to one shared file. */
    public static final String UNKNOWN = "_unknown";
    private static final int LINES_PER_SECOND = 500, BURST = 5000;
    private static final Duration EVENT_EVERY = Duration.ofMinutes(1);

    private final DatagramChannel channel;
    private final ConsoleLog consoleLog;
    private final HostByAddress hosts;
    private final GroupCommitWriter writer;
    private final Clock clock;
    private final Thread thread;
    private final Map<String, double[]> buckets = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, double[]> e) {
            return size() > 4096;
        }
    };
    private final Map<String, Instant> lastEvent = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Instant> e) {
            return size() > 4096;
        }
    };
    public final LongAdder lines = new LongAdder(), dropped = new LongAdder(), crashes = new LongAdder();

    public NetconsoleReceiver(InetSocketAddress listen, ConsoleLog consoleLog, HostByAddress hosts, GroupCommitWriter writer, Clock clock)
            throws IOException {
        this.consoleLog = consoleLog;
        this.hosts = hosts;
        this.writer = writer;
        this.clock = clock;
        channel = DatagramChannel.open();
        channel.setOption(StandardSocketOptions.SO_RCVBUF, 1 << 20); // a panic is a burst of lines
        channel.bind(listen);
        thread = Thread.ofPlatform().name("netconsole").daemon().start(this::loop);
        log.atInfo().addKeyValue("listen", localAddress()).log("netconsole receiver started");
    }

    public InetSocketAddress localAddress() {
        try {
            return (InetSocketAddress) channel.getLocalAddress();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private void loop() {
        ByteBuffer buf = ByteBuffer.allocate(NetconsoleCodec.MAX_DATAGRAM);
        while (channel.isOpen()) {
            try {
                buf.clear();
                InetSocketAddress from = (InetSocketAddress) channel.receive(buf);
                if (from == null) continue;
                handle(from, buf.array(), buf.position());
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException | RuntimeException e) {
                log.atWarn().addKeyValue("error", e.toString()).log("netconsole datagram not handled");
            }
        }
    }

    void handle(InetSocketAddress from, byte[] data, int length) throws IOException {
        Instant now = clock.instant();
        Optional<String> host = hosts.lookup(from.getAddress());
        String key = host.orElse(UNKNOWN);
        for (NetconsoleCodec.Line l : NetconsoleCodec.decode(data, length)) {
            if (!allow(IpAddresses.format(from.getAddress()), now)) {
                dropped.increment();
                continue;
            }
            lines.increment();
            consoleLog.append(key, now, host.isPresent() ? l.text() : IpAddresses.format(from.getAddress()) + " " + l.text());
            Optional<CrashSignature.Kind> crash = CrashSignature.match(l.text());
            if (crash.isPresent() && host.isPresent()) crash(host.get(), crash.get(), l.text(), from, now);
        }
    }

    private void crash(String host, CrashSignature.Kind kind, String line, InetSocketAddress from, Instant now) {
        crashes.increment();
        String k = host + " " + kind;
        Instant last = lastEvent.get(k);
        if (last != null && last.plus(EVENT_EVERY).isAfter(now)) return; // one event per kind a minute: the log has every line
        lastEvent.put(k, now);
        Event ev = new Event(0, now, Optional.of(host), kind.event, "netconsole", Optional.empty(), Optional.empty(),
                Optional.of(IpAddresses.format(from.getAddress())), Optional.empty(), Optional.of(line));
        writer.submit(List.of(ev), null, true, false);
        log.atWarn().addKeyValue("host", host).addKeyValue("kind", kind).addKeyValue("line", line).log("kernel crash reported over netconsole");
    }

    /** Token bucket per source address: a flood fills its own bucket, not the disk. */
    private boolean allow(String source, Instant now) {
        double t = now.toEpochMilli() / 1000.0;
        double[] b = buckets.computeIfAbsent(source, s -> new double[] {BURST, t});
        b[0] = Math.min(BURST, b[0] + (t - b[1]) * LINES_PER_SECOND);
        b[1] = t;
        if (b[0] < 1) return false;
        b[0] -= 1;
        return true;
    }

    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException ignored) {
            // closing
        }
        try {
            thread.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
