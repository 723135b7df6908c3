package io.netrescue.agent;

import io.netrescue.sysrq.MalformedPacketException;
import io.netrescue.sysrq.ReplayGuard;
import io.netrescue.sysrq.SysrqCodec;
import io.netrescue.sysrq.SysrqMessage.Ack;
import io.netrescue.sysrq.SysrqMessage.KexecRequest;
import io.netrescue.sysrq.SysrqMessage.Request;
import io.netrescue.sysrq.SysrqMessage.Status;
import io.netrescue.sysrq.SysrqMessage;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * The agent's receive loop: one datagram at a time into a buffer allocated once. Unauthentic or
 * malformed packets are counted and dropped without an answer (no oracle, no amplification);
 * authentic requests are answered with an authenticated ack, and run at most once.
 */
final class SysrqReceiver implements Runnable {
    private static final System.Logger log = System.getLogger("netrescue.agent");

    /** Why packets were dropped or refused, for the operator and the tests. */
    enum Counter { RECEIVED, EXECUTED, DUPLICATE, STALE, REPLAYED, NOT_ALLOWED, WRONG_HOST, BAD_SOURCE, MALFORMED, BAD_MAC, OVERSIZED,
        KEXEC_LOADED, KEXEC_REFUSED }

    private final AgentConfig config;
    private final DatagramChannel channel;
    private final SysrqTrigger trigger;
    private final ReplayGuard guard;
    private final LongSupplier clock;
    private final Map<Counter, AtomicLong> counters = new EnumMap<>(Counter.class);
    private final ByteBuffer in = ByteBuffer.allocateDirect(SysrqCodec.MAX_DATAGRAM + 1);
    private final KexecRunner kexec;
    /** The kexec being fetched and loaded (its retransmissions get no answer until it is done), or null. */
    private final java.util.concurrent.atomic.AtomicReference<KexecRequest> kexecInProgress = new java.util.concurrent.atomic.AtomicReference<>();

    SysrqReceiver(AgentConfig config, DatagramChannel channel, SysrqTrigger trigger, LongSupplier clock) {
        this.config = config;
        this.channel = channel;
        this.trigger = trigger;
        this.clock = clock;
        this.guard = new ReplayGuard(config.windowMillis(), 4096, readHighWater(config.state()));
        this.kexec = new KexecRunner(config.kexec());
        for (Counter c : Counter.values()) counters.put(c, new AtomicLong());
    }

    long count(Counter c) {
        return counters.get(c).get();
    }

    @Override
    public void run() {
        while (channel.isOpen()) {
            try {
                in.clear();
                InetSocketAddress from = (InetSocketAddress) channel.receive(in);
                if (from == null) continue;
                in.flip();
                handle(in, from);
            } catch (IOException e) {
                if (channel.isOpen()) log.log(System.Logger.Level.WARNING, "receive failed: " + e);
            } catch (RuntimeException e) {
                // one bad packet must never stop the loop
                log.log(System.Logger.Level.ERROR, "unexpected error handling a packet: " + e);
            }
        }
    }

    void handle(ByteBuffer packet, InetSocketAddress from) throws IOException {
        inc(Counter.RECEIVED);
        if (!config.sourceAllowed(from.getAddress())) {
            inc(Counter.BAD_SOURCE);
            return;
        }
        SysrqMessage m;
        try {
            m = SysrqCodec.decode(packet, host -> host.equals(config.host()) ? Optional.of(config.key()) : Optional.empty());
        } catch (MalformedPacketException e) {
            inc(switch (e.reason()) {
                case BAD_MAC -> Counter.BAD_MAC;
                case OVERSIZED -> Counter.OVERSIZED;
                default -> Counter.MALFORMED;
            });
            log.log(System.Logger.Level.DEBUG, "dropped packet from " + from + ": " + e.getMessage());
            return;
        }
        if (!(m instanceof SysrqMessage.Command r)) {
            inc(Counter.MALFORMED);
            return;
        }
        KexecRequest running = kexecInProgress.get();
        if (running != null && running.requestId() == r.requestId() && running.seq() == r.seq()) {
            inc(Counter.DUPLICATE);
            return; // still fetching: the answer comes when it is done
        }
        long now = clock.getAsLong();
        switch (guard.check(r, now)) {
            case DUPLICATE -> {
                inc(Counter.DUPLICATE);
                Ack first = guard.answerFor(r);
                if (r instanceof KexecRequest) {
                    if (first != null) send(first, from); // the first answer again, refusal or not
                    return;
                }
                send(new Ack(r.host(), r.requestId(), r.seq(), now, Status.DUPLICATE, first == null ? 0 : first.executed(),
                        "already executed"), from);
            }
            case STALE -> {
                inc(Counter.STALE);
                send(new Ack(r.host(), r.requestId(), r.seq(), now, Status.REFUSED, 0,
                        "stale: timestamp differs from agent clock by " + Math.abs(now - r.timestampMillis()) + " ms"), from);
            }
            case REPLAYED -> {
                inc(Counter.REPLAYED);
                send(new Ack(r.host(), r.requestId(), r.seq(), now, Status.REFUSED, 0,
                        "replayed: sequence number " + Long.toUnsignedString(r.seq()) + " not above " + Long.toUnsignedString(guard.highWater())), from);
            }
            case FRESH -> {
                if (r instanceof KexecRequest k) {
                    kexec(k, from, now);
                    return;
                }
                Request q = (Request) r;
                if (!q.keys().allowedBy(config.allowedKeys())) {
                    inc(Counter.NOT_ALLOWED);
                    send(new Ack(r.host(), r.requestId(), r.seq(), now, Status.REFUSED, 0,
                            "keys '" + q.keys() + "' not allowed here (allowed: " + config.allowedKeys() + ")"), from);
                    return;
                }
                execute(q, from, now);
            }
        }
    }

    /** Runs the keys in order; a terminal key (b, o, c) runs only after the ack has left. */
    private void execute(Request r, InetSocketAddress from, long now) throws IOException {
        String keys = r.keys().keys();
        int terminalAt = r.keys().endsKernel() ? keys.length() - 1 : keys.length();
        // Recorded before anything runs: a retransmission arriving meanwhile is a duplicate, never a second run.
        Ack ack = new Ack(r.host(), r.requestId(), r.seq(), now, Status.EXECUTED, keys.length(), "ok");
        guard.ran(r, ack, now);
        persistHighWater(r.seq());
        inc(Counter.EXECUTED);
        log.log(System.Logger.Level.INFO, "sysrq request seq=" + Long.toUnsignedString(r.seq()) + " keys=" + keys + " from=" + from);
        for (int i = 0; i < terminalAt; i++) {
            if (i > 0) sleep(r.pauseMillis());
            trigger.press(keys.charAt(i));
        }
        send(ack, from);
        if (terminalAt < keys.length()) {
            sleep(Math.max(r.pauseMillis(), 100)); // let the ack leave the host before the kernel goes
            trigger.press(keys.charAt(terminalAt));
        }
    }

    /**
     * A fresh kexec request: refused at once unless {@code allowed-kexec = true}; otherwise fetched,
     * verified and loaded off the receive loop (SysRq stays available meanwhile), answered, and only
     * then executed, so the ack leaves before the kernel goes.
     */
    private void kexec(KexecRequest r, InetSocketAddress from, long now) throws IOException {
        if (!config.kexec().allowed()) {
            inc(Counter.NOT_ALLOWED);
            send(new Ack(r.host(), r.requestId(), r.seq(), now, Status.REFUSED, 0, "kexec not allowed here (allowed-kexec = false)"), from);
            return;
        }
        if (!kexecInProgress.compareAndSet(null, r)) {
            inc(Counter.KEXEC_REFUSED);
            send(new Ack(r.host(), r.requestId(), r.seq(), now, Status.REFUSED, 0, "another kexec is in progress"), from);
            return;
        }
        // recorded before anything is fetched: however often it is retransmitted, it runs once
        guard.ran(r, null, now);
        persistHighWater(r.seq());
        log.log(System.Logger.Level.INFO, "kexec request seq=" + Long.toUnsignedString(r.seq()) + " manifest=" + r.manifestUrl() + " from=" + from);
        Thread.ofPlatform().name("kexec").daemon(true).start(() -> {
            Ack ack;
            boolean go = false;
            try {
                KexecRunner.Loaded l = kexec.prepare(r);
                ack = new Ack(r.host(), r.requestId(), r.seq(), clock.getAsLong(), Status.EXECUTED, 1, "loaded kernel " + l.kernelBytes()
                        + " B, " + l.initrds() + " initrd(s) " + l.initrdBytes() + " B; " + kexec.how());
                inc(Counter.KEXEC_LOADED);
                go = true;
            } catch (KexecRunner.Refused e) {
                KexecRunner.logRefusal(r, e.getMessage());
                ack = new Ack(r.host(), r.requestId(), r.seq(), clock.getAsLong(), Status.REFUSED, 0, e.getMessage());
                inc(Counter.KEXEC_REFUSED);
            } catch (RuntimeException e) {
                ack = new Ack(r.host(), r.requestId(), r.seq(), clock.getAsLong(), Status.REFUSED, 0, "agent error: " + e);
                inc(Counter.KEXEC_REFUSED);
            }
            guard.answered(r, ack, clock.getAsLong());
            kexecInProgress.set(null);
            try {
                send(ack, from);
            } catch (IOException e) {
                log.log(System.Logger.Level.WARNING, "cannot send the kexec ack: " + e);
            }
            if (!go) return;
            sleep(100); // let the ack leave the host before the kernel goes
            try {
                kexec.execute();
                log.log(System.Logger.Level.INFO, kexec.how() + " returned");
            } catch (KexecRunner.Refused e) {
                log.log(System.Logger.Level.ERROR, "the loaded kernel did not start: " + e.getMessage());
            }
        });
    }

    private void send(Ack a, InetSocketAddress to) throws IOException {
        channel.send(ByteBuffer.wrap(SysrqCodec.encode(a, config.key())), to);
    }

    private void inc(Counter c) {
        counters.get(c).incrementAndGet();
    }

    private static void sleep(int ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static long readHighWater(Path state) {
        try {
            return Files.exists(state) ? Long.parseUnsignedLong(Files.readString(state).strip()) : 0;
        } catch (IOException | NumberFormatException e) {
            log.log(System.Logger.Level.WARNING, "cannot read " + state + " (" + e + "); replay protection relies on the time window until the next request");
            return 0;
        }
    }

    /**
     * Best effort and off the receive path: the file system may be what hangs. Lost on a crash within
     * the same window, the timestamp check still refuses old captures.
     */
    private void persistHighWater(long seq) {
        Path state = config.state();
        Thread.ofVirtual().start(() -> {
            try {
                Files.createDirectories(state.getParent());
                Path tmp = state.resolveSibling(state.getFileName() + ".tmp");
                Files.writeString(tmp, Long.toUnsignedString(seq) + "\n");
                Files.move(tmp, state, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (IOException | RuntimeException e) {
                log.log(System.Logger.Level.WARNING, "cannot persist sequence number to " + state + ": " + e);
            }
        });
    }
}
