package io.netrescue.watchdog.server;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.function.BiConsumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Active probes for hosts without an agent (and for agents that went quiet): a TCP connect to a port
 * such as 22, or ICMP echo ({@link InetAddress#isReachable}, which uses ICMP when the process may
 * open raw sockets and TCP port 7 otherwise). An answer counts as a heartbeat; silence is judged by
 * the same detector as missing heartbeats, so one lost probe is not a death.
 */
final class Prober implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Prober.class);
    private static final int CONCURRENT = 256;

    record Target(String host, InetAddress address) {}

    private final WatchdogSettings.Probe probe;
    private final Duration every, timeout;
    private final Supplier<List<Target>> targets;
    private final BiConsumer<String, String> answered;
    private final Semaphore slots = new Semaphore(CONCURRENT);
    private final Thread thread;
    private volatile boolean stopped;

    Prober(WatchdogSettings.Probe probe, Duration every, Duration timeout, Supplier<List<Target>> targets, BiConsumer<String, String> answered) {
        this.probe = probe;
        this.every = every;
        this.timeout = timeout;
        this.targets = targets;
        this.answered = answered;
        this.thread = Thread.ofVirtual().name("prober").start(this::loop);
    }

    private void loop() {
        while (!stopped) {
            long start = System.nanoTime();
            try {
                for (Target t : targets.get()) {
                    slots.acquire();
                    Thread.ofVirtual().name("probe-" + t.host()).start(() -> {
                        try {
                            if (reachable(t.address())) answered.accept(t.host(), "probe " + probe.text() + " " + t.address().getHostAddress());
                        } finally {
                            slots.release();
                        }
                    });
                }
                long left = every.toNanos() - (System.nanoTime() - start);
                if (left > 0) Thread.sleep(Duration.ofNanos(left));
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                log.atWarn().addKeyValue("error", e.toString()).log("probe round failed");
            }
        }
    }

    boolean reachable(InetAddress a) {
        int ms = (int) timeout.toMillis();
        try {
            if (probe.kind().equals("icmp")) return a.isReachable(ms);
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(a, probe.port()), ms);
                return true;
            }
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public void close() {
        stopped = true;
        thread.interrupt();
    }
}
