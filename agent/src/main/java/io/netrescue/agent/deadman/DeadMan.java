package io.netrescue.agent.deadman;

import io.netrescue.sysrq.MalformedPacketException;
import io.netrescue.watchdog.DeadManReport;
import io.netrescue.watchdog.DeadManReportCodec;
import io.netrescue.watchdog.HeartbeatAnswer;
import io.netrescue.watchdog.HeartbeatAnswerCodec;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * The dead-man switch's effects: reads the server's answers on the heartbeat socket, probes the
 * target while the server is silent, and carries out {@link DeadManSwitch}'s steps, each journaled
 * and fsynced first; once the server answers, reports the journal's steps it has not acknowledged. A platform thread for the clock and one for the answers; nothing else runs
 * until the network is silent for a whole period.
 */
public final class DeadMan implements AutoCloseable {
    private static final System.Logger log = System.getLogger("netrescue.agent");

    /** Presses SysRq keys (the agent's open /proc/sysrq-trigger). */
    public interface Keys {
        void press(char key) throws IOException;
    }

    private final DeadManSettings settings;
    private final DeadManSwitch sw;
    private final DeadManJournal journal;
    private final String host;
    private final byte[] key;
    private final UUID bootId;
    private final DatagramChannel heartbeats;
    private final RecentHeartbeats recent;
    private final Path proc;
    private final Keys keys;
    private final long heartbeatMillis;
    private final Thread clock, answers;
    private volatile boolean stopped;
    private volatile long lastServerMono = -1;
    private final java.net.InetSocketAddress server;
    private long lastReportMono = -1_000_000;
    /** Whether this silence of the server was already logged as covered by the target (once per silence). */
    private volatile boolean targetCovers;

    /**
     * @param heartbeats the heartbeat sender's socket (the server answers to the heartbeat's source), or null without heartbeats
     * @param heartbeatMillis the heartbeat interval: the target is probed once the server missed two answers
     */
    public DeadMan(DeadManSettings settings, DeadManJournal journal, String host, byte[] key, UUID bootId, DatagramChannel heartbeats,
                   java.net.InetSocketAddress server, RecentHeartbeats recent, long heartbeatMillis, Path proc, Keys keys) {
        this.server = server;
        this.settings = settings;
        this.journal = journal;
        this.host = host;
        this.key = key.clone();
        this.bootId = bootId;
        this.heartbeats = heartbeats;
        this.recent = recent;
        this.heartbeatMillis = heartbeatMillis;
        this.proc = proc;
        this.keys = keys;
        this.sw = new DeadManSwitch(settings, mono(), journal.reboots());
        this.clock = Thread.ofPlatform().name("dead-man").daemon(true).unstarted(this::clockLoop);
        this.answers = heartbeats == null ? null : Thread.ofPlatform().name("dead-man-answers").daemon(true).unstarted(this::answerLoop);
    }

    public DeadMan start() {
        clock.start();
        if (answers != null) answers.start();
        log.log(System.Logger.Level.INFO, "dead-man switch armed: period " + settings.period().toSeconds() + " s, target " + targetText()
                + ", " + journal.rebootsInfo(System.currentTimeMillis(), settings.maxRebootsPerDay()));
        return this;
    }

    public DeadManSwitch.Phase phase() {
        synchronized (sw) {
            return sw.phase();
        }
    }

    static long mono() {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime());
    }

    private void answerLoop() {
        ByteBuffer buf = ByteBuffer.allocate(DeadManReportCodec.MAX_DATAGRAM + 1);
        while (!stopped) {
            try {
                buf.clear();
                heartbeats.receive(buf);
                buf.flip();
                if (buf.remaining() >= 4 && buf.getInt(0) == DeadManReportCodec.ACK_MAGIC) {
                    DeadManReport.Ack ack = DeadManReportCodec.decodeAck(buf, h -> h.equals(host) ? Optional.of(key) : Optional.empty());
                    if (ack.bootId().equals(bootId)) journal.markReported(ack.upTo());
                    continue;
                }
                HeartbeatAnswer a = HeartbeatAnswerCodec.decode(buf, h -> h.equals(host) ? Optional.of(key) : Optional.empty());
                if (!a.bootId().equals(bootId)) continue;
                long sentAt = recent.take(a.seq());
                if (sentAt < 0) continue; // not one of ours, or answered before: a replay
                lastServerMono = Math.max(lastServerMono, sentAt);
                targetCovers = false;
                Optional<DeadManSwitch.Step> step;
                synchronized (sw) {
                    step = sw.serverAnswered(sentAt, a);
                }
                step.ifPresent(this::carry);
                report();
            } catch (MalformedPacketException e) {
                log.log(System.Logger.Level.DEBUG, "heartbeat answer dropped: " + e.getMessage());
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException | RuntimeException e) {
                if (stopped) return;
                log.log(System.Logger.Level.DEBUG, "heartbeat answer not read: " + e);
            }
        }
    }

    /**
     * The server hears us: the steps it has not acknowledged, four at a time, at most every 3 s
     * (one heartbeat's answer each), until its ack says they are stored.
     */
    private void report() throws IOException {
        long now = mono();
        if (now - lastReportMono < 3000) return;
        var unreported = journal.unreported();
        if (unreported.isEmpty()) return;
        lastReportMono = now;
        var steps = unreported.stream().limit(DeadManReport.MAX_STEPS).map(e -> new DeadManReport.Step(e.id(), e.wallMillis(),
                e.kind().event.substring("dead-man.".length()), DeadManReportCodec.clip(e.detail()))).toList();
        heartbeats.send(ByteBuffer.wrap(DeadManReportCodec.encode(new DeadManReport(host, bootId, steps), key)), server);
    }

    private void clockLoop() {
        long tick = settings.tick().toMillis();
        while (!stopped) {
            try {
                probeTarget();
                Optional<DeadManSwitch.Step> step;
                synchronized (sw) {
                    step = sw.tick(mono(), System.currentTimeMillis());
                }
                step.ifPresent(this::carry);
            } catch (RuntimeException e) {
                log.log(System.Logger.Level.WARNING, "dead-man switch: " + e);
            }
            try {
                Thread.sleep(tick);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** Only while the server is quiet (two heartbeats unanswered): a healthy host sends no probes. */
    private void probeTarget() {
        if (settings.target() instanceof DeadManSettings.Target.None) return;
        long now = mono();
        if (heartbeats != null && lastServerMono >= 0 && now - lastServerMono < 2 * heartbeatMillis + 1000) return;
        Optional<InetAddress> t = target();
        if (t.isEmpty()) return;
        long serverSilent = lastServerMono < 0 ? -1 : now - lastServerMono; // before the probe: an answer may arrive during it
        int timeout = (int) Math.min(2000, settings.tick().toMillis());
        boolean ok;
        try {
            // as root (the agent's case) an ICMP echo reply only (measured: docs/watchdog.md); unprivileged, TCP port 7
            ok = t.get().isReachable(timeout);
        } catch (IOException e) {
            ok = false;
        }
        if (ok) {
            if (!targetCovers) {
                targetCovers = true;
                log.log(System.Logger.Level.INFO, "dead-man switch: the server is silent" + (serverSilent < 0 ? "" : " for " + serverSilent / 1000 + " s")
                        + " but the target " + t.get().getHostAddress() + " answers: the network works, nothing to do");
            }
            Optional<DeadManSwitch.Step> step;
            synchronized (sw) {
                step = sw.targetAnswered(now, "the target " + t.get().getHostAddress());
            }
            step.ifPresent(this::carry);
        }
    }

    Optional<InetAddress> target() {
        return switch (settings.target()) {
            case DeadManSettings.Target.Address a -> Optional.of(a.address());
            case DeadManSettings.Target.None n -> Optional.empty();
            case DeadManSettings.Target.Gateway g -> gateway(proc);
        };
    }

    private String targetText() {
        return switch (settings.target()) {
            case DeadManSettings.Target.Address a -> a.address().getHostAddress();
            case DeadManSettings.Target.None n -> "none";
            case DeadManSettings.Target.Gateway g -> "the default gateway (now " + gateway(proc).map(InetAddress::getHostAddress).orElse("none") + ")";
        };
    }

    /** The IPv4 default route's gateway from {@code /proc/net/route} (little-endian hex), read at each probe: routes change. */
    public static Optional<InetAddress> gateway(Path proc) {
        try {
            for (String l : Files.readAllLines(proc.resolve("net/route"))) {
                String[] f = l.strip().split("\\s+");
                if (f.length < 4 || !f[1].equals("00000000")) continue;
                int flags = Integer.parseInt(f[3], 16), g = Integer.parseUnsignedInt(f[2], 16);
                if ((flags & 0x3) != 0x3 || g == 0) continue; // RTF_UP | RTF_GATEWAY
                return Optional.of(InetAddress.getByAddress(new byte[] {(byte) g, (byte) (g >>> 8), (byte) (g >>> 16), (byte) (g >>> 24)}));
            }
        } catch (IOException | RuntimeException e) {
            // no /proc/net/route (not Linux) or a line we do not understand: no gateway to ask
        }
        return Optional.empty();
    }

    private void carry(DeadManSwitch.Step s) {
        try {
            journal.append(System.currentTimeMillis(), s.kind(), s.detail());
        } catch (IOException e) {
            // the step is still taken: a host cut off is better rebooted unrecorded than left cut off
            log.log(System.Logger.Level.ERROR, "dead-man journal not written: " + e);
        }
        System.out.println("NETRESCUE-DEAD-MAN " + s.kind().name() + " " + s.detail());
        log.log(System.Logger.Level.WARNING, "dead-man switch: " + s.kind() + ": " + s.detail());
        switch (s.kind()) {
            case RESTART_NETWORK -> restartNetwork();
            case REBOOT -> reboot();
            default -> { }
        }
    }

    private void restartNetwork() {
        String cmd = settings.restartCommand();
        if (cmd.isEmpty()) return;
        try {
            Process p = new ProcessBuilder("/bin/sh", "-c", cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.INHERIT)
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
            long limit = Math.min(settings.period().toMillis() / 2, 120_000);
            if (!p.waitFor(limit, TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                log.log(System.Logger.Level.WARNING, "dead-man restart command still ran after " + limit / 1000 + " s: killed");
            } else {
                log.log(System.Logger.Level.INFO, "dead-man restart command exited " + p.exitValue());
            }
        } catch (IOException e) {
            log.log(System.Logger.Level.ERROR, "dead-man restart command not run: " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** s, u, b from inside, as an operator would press them: sync (it runs asynchronously: give it time), read-only, reset. */
    private void reboot() {
        try {
            keys.press('s');
            Thread.sleep(2000);
            keys.press('u');
            Thread.sleep(1000);
            keys.press('b');
        } catch (IOException e) {
            log.log(System.Logger.Level.ERROR, "dead-man reboot failed: " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        stopped = true;
        clock.interrupt();
    }
}
