package io.netrescue.agent;

import io.netrescue.agent.setup.XtSysrqModule;
import io.netrescue.watchdog.Heartbeat;
import io.netrescue.watchdog.HeartbeatCodec;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;

/**
 * Sends a signed heartbeat to the server every {@code heartbeat-seconds}. The sequence number is the
 * uptime in milliseconds (at least one more than the last): it increases within a boot even across
 * agent restarts, which the server's replay check requires, and needs no state file.
 */
final class HeartbeatSender implements Runnable {
    private static final System.Logger log = System.getLogger("netrescue.agent");

    private final AgentConfig config;
    private final InetSocketAddress to;
    private final Path proc;
    private final DatagramChannel channel;
    private final ByteBuffer buffer = ByteBuffer.allocate(HeartbeatCodec.MAX_DATAGRAM);
    private final UUID bootId;
    private final io.netrescue.agent.deadman.RecentHeartbeats recent = new io.netrescue.agent.deadman.RecentHeartbeats();
    private final String kernel;
    private volatile boolean stopped;
    private long seq;
    private long sent;
    private String xt = "";
    private long xtCheckedNanos;
    private boolean xtChecked;

    HeartbeatSender(AgentConfig config, Path proc) throws IOException {
        this.config = config;
        this.to = config.heartbeatTo().orElseThrow();
        this.proc = proc;
        this.bootId = UUID.fromString(Files.readString(proc.resolve("sys/kernel/random/boot_id")).strip());
        this.kernel = clip(Files.readString(proc.resolve("sys/kernel/osrelease")).strip());
        this.channel = DatagramChannel.open();
        channel.bind(null); // one port for the whole run: the server's answers come back to it (DeadMan reads them)
    }

    DatagramChannel channel() {
        return channel;
    }

    UUID bootId() {
        return bootId;
    }

    io.netrescue.agent.deadman.RecentHeartbeats recent() {
        return recent;
    }

    @Override
    public void run() {
        long periodNanos = config.heartbeatSeconds() * 1_000_000_000L;
        long next = System.nanoTime();
        while (!stopped) {
            try {
                sendOne();
            } catch (IOException | RuntimeException e) {
                // a host without a route to the server keeps trying: the server's silence is what matters
                log.log(System.Logger.Level.DEBUG, "heartbeat not sent: " + e);
            }
            next += periodNanos;
            long sleep = next - System.nanoTime();
            if (sleep < 0) next = System.nanoTime(); // suspended or overloaded: do not burst to catch up
            else {
                try {
                    Thread.sleep(sleep / 1_000_000, (int) (sleep % 1_000_000));
                } catch (InterruptedException e) {
                    return;
                }
            }
        }
    }

    void sendOne() throws IOException {
        long uptime = uptimeMillis();
        seq = Math.max(seq + 1, uptime);
        Heartbeat h = new Heartbeat(config.host(), bootId, seq, System.currentTimeMillis(), uptime, loadMilli(), kernel, xtSysrq());
        HeartbeatCodec.encode(h, config.key(), buffer);
        recent.sent(seq, java.util.concurrent.TimeUnit.NANOSECONDS.toMillis(System.nanoTime()));
        channel.send(buffer, to);
        sent++;
    }

    /**
     * The xt_SYSRQ module's version as heartbeats report it (issue 15: the server warns about a module that
     * crashes the kernel). Looked up at start and every 10 minutes (a walk of /lib/modules), not per heartbeat;
     * the root is the parent of the proc directory, so a test's fake tree is inspected, not the test machine.
     */
    private String xtSysrq() {
        long now = System.nanoTime();
        if (!xtChecked || now - xtCheckedNanos > XT_RECHECK_NANOS) {
            xtChecked = true;
            xtCheckedNanos = now;
            Path root = proc.toAbsolutePath().getParent();
            try {
                xt = root == null ? "" : XtSysrqModule.inspect(root).report().orElse("");
            } catch (RuntimeException e) {
                xt = ""; // a heartbeat without the report beats no heartbeat
            }
        }
        return xt;
    }

    private static final long XT_RECHECK_NANOS = 600_000_000_000L;

    long sent() {
        return sent;
    }

    private long uptimeMillis() throws IOException {
        String s = Files.readString(proc.resolve("uptime")).strip();
        return (long) (Double.parseDouble(s.substring(0, s.indexOf(' '))) * 1000);
    }

    private int loadMilli() {
        try {
            String s = Files.readString(proc.resolve("loadavg")).strip();
            return (int) Math.min(Integer.MAX_VALUE, Math.round(Double.parseDouble(s.substring(0, s.indexOf(' '))) * 1000));
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    private static String clip(String s) {
        s = s.replaceAll("[^\\x20-\\x7e]", "?");
        return s.length() <= Heartbeat.MAX_KERNEL ? s : s.substring(0, Heartbeat.MAX_KERNEL);
    }

    void stop() {
        stopped = true;
        try {
            channel.close();
        } catch (IOException ignored) {
            // closing a UDP socket has nothing to flush
        }
    }
}
