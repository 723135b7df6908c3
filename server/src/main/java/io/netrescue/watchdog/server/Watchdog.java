package io.netrescue.watchdog.server;

import io.netrescue.boot.BootMode;
import io.netrescue.boot.Host;
import io.netrescue.inventory.InvalidInputException;
import io.netrescue.store.Database;
import io.netrescue.store.Event;
import io.netrescue.store.EventStore;
import io.netrescue.store.HostStore;
import io.netrescue.store.NotFoundException;
import io.netrescue.sysrq.HostKeys;
import io.netrescue.watchdog.HealthState;
import io.netrescue.watchdog.Heartbeat;
import io.netrescue.watchdog.DeadManReport;
import io.netrescue.watchdog.HeartbeatAnswer;
import io.netrescue.watchdog.HeartbeatGuard;
import io.netrescue.watchdog.Ladder;
import io.netrescue.watchdog.LadderPolicy;
import io.netrescue.watchdog.LadderStep;
import io.netrescue.watchdog.PhiAccrualDetector;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Liveness and recovery for the whole inventory. Heartbeats (and probe answers) feed one phi accrual
 * detector per host; a single "judge" thread turns suspicion into states, feeds each down host's
 * {@link Ladder}, writes every change (state, ladder run, timeline events) in one transaction per
 * round, and only then starts the ladder's actions on virtual threads. Operator overrides and action
 * outcomes are queued to that thread, so one writer owns every host's state.
 */
public final class Watchdog implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Watchdog.class);
    static final Duration ROUND = Duration.ofMillis(250);
    static final Duration INVENTORY_EVERY = Duration.ofSeconds(5);
    /** With change notices from the inventory, a full re-read is only a safety net (100,000 hosts cost about a second). */
    static final Duration FULL_INVENTORY_EVERY = Duration.ofMinutes(5);
    private static final int MIN_STD_DEV_MS = 200;

    /** What the ladder's steps do to the world; blocking, called on a virtual thread. */
    public interface Actions {
        Result perform(String host, int step, LadderStep what, HealthView view);

        record Result(boolean ok, String detail) {}
    }

    /** A host as shown by the API and CLI. */
    public record HealthView(String host, HealthState state, Instant since, String reason, Optional<Instant> lastSeen, String via,
                             Optional<String> bootId, Optional<String> kernel, Optional<Long> uptimeSeconds, double phi,
                             boolean maintenance, Optional<Instant> silencedUntil, String silenceReason, String policy,
                             Optional<String> ladderStep, Optional<Integer> ladderAttempt, boolean ladderPaused, String held,
                             Optional<String> xtSysrq) {}

    private final WatchdogSettings settings;
    private final Database db;
    private final HostStore hosts;
    private final HealthStore store;
    private final EventStore events;
    private final byte[] master;
    private final Clock clock;
    private final Actions actions;
    private final List<LadderPolicy> policies;
    private final Map<String, Tracked> tracked = new ConcurrentHashMap<>();
    private record HostKey(Optional<String> salt, byte[] key) {}

    private final Map<String, HostKey> keys = new ConcurrentHashMap<>();
    /** Hosts changed since the last round (added, removed, boot mode), when the inventory tells us ({@link #followInventory}). */
    private final java.util.Set<String> changedHosts = ConcurrentHashMap.newKeySet();
    private volatile boolean followsInventory;
    private final java.util.function.Function<String, java.util.OptionalLong> rescueAgents;
    private final ConcurrentLinkedQueue<Runnable> inbox = new ConcurrentLinkedQueue<>();
    private final Function<Tracked, Optional<InetAddress>> probeTarget;
    private HeartbeatReceiver receiver;
    private Prober prober;
    private Thread judge;
    private volatile boolean stopped;
    private Instant lastInventory = Instant.EPOCH;
    private final long startedMillis;
    /** Parsed once: the receiver needs the window for every heartbeat, the judge the rest every round. */
    private final long windowMillis;
    private final Duration interval, probeInterval, downAfter;
    /** Skipping steady hosts is sound only when the threshold is above what phi reaches before quietUntilMillis. */
    private final boolean skipSteady;
    final java.util.concurrent.atomic.LongAdder deadManRefused = new java.util.concurrent.atomic.LongAdder();
    final java.util.concurrent.atomic.LongAdder judged = new java.util.concurrent.atomic.LongAdder(), skipped = new java.util.concurrent.atomic.LongAdder();

    /** One host's live state; the detector is touched by the receiver thread under the object's lock, the rest by the judge. */
    static final class Tracked {
        final String name;
        volatile Map<String, String> labels;
        volatile List<InetAddress> addresses;
        volatile boolean rescueBoot;
        /**
         * When the host's boot mode stopped being rescue (-1: not since its last heartbeat). Heartbeats up
         * to then came from its rescue system and say nothing about its own: they never make it up.
         */
        volatile long leftRescueMillis = -1;
        PhiAccrualDetector detector;
        final HeartbeatGuard guard = new HeartbeatGuard();
        String via = "";
        volatile boolean heartbeats;
        Instant lastSeen;
        String bootId, kernel;
        /** What the agent's heartbeats say of its xt_SYSRQ module (in memory: the next heartbeat says it again). */
        String xtSysrq;
        long uptimeMillis = -1;
        /** Where the last counted heartbeat came from: dead-man reports are taken from there only. */
        InetAddress heardFrom;
        /** Highest dead-man step id stored for this boot (in memory: after a restart the stored events tell), and when a report was last taken. */
        long deadManStored = -1;
        long lastReportNanos;
        boolean rebooted;
        HealthState state = HealthState.UNKNOWN;
        Instant since;
        String reason = "never heard from";
        Instant suspectSince;
        volatile boolean maintenance; // read by the receiver thread for heartbeat answers
        Instant silencedUntil;
        String silenceReason = "";
        Ladder.State ladder = Ladder.State.initial();
        boolean dirty;
        /**
         * Judged alive and idle last time (up or in rescue, no maintenance, no ladder business): until its
         * detector's quiet time the next rounds skip it (judge thread only; cleared by any change).
         */
        boolean steady;

        Tracked(String name, Instant now) {
            this.name = name;
            this.since = now;
        }
    }

    /**
     * @param rescueAgents the rescue activation whose system a host runs now, if any: its agent's
     *                     heartbeats are signed with that activation's key, not the host's
     */
    public Watchdog(WatchdogSettings settings, Database db, HostStore hosts, HealthStore store, EventStore events, byte[] master,
                    Clock clock, Actions actions, java.util.function.Function<String, java.util.OptionalLong> rescueAgents) {
        this.rescueAgents = rescueAgents;
        this.settings = settings;
        this.db = db;
        this.hosts = hosts;
        this.store = store;
        this.events = events;
        this.master = master.clone();
        this.clock = clock;
        this.actions = actions;
        this.policies = settings.policies();
        this.startedMillis = clock.millis();
        this.windowMillis = settings.windowValue().toMillis();
        this.interval = settings.intervalValue();
        this.probeInterval = settings.probeIntervalValue();
        this.downAfter = settings.downAfterValue();
        this.skipSteady = settings.phi() > 0.31;
        this.probeTarget = t -> t.addresses.isEmpty() ? Optional.empty() : Optional.of(t.addresses.getFirst());
    }

    public Watchdog start() throws IOException {
        refreshInventory(clock.instant());
        Map<String, HealthStore.Row> rows = db.read(store::all);
        for (HealthStore.Row r : rows.values()) {
            Tracked t = tracked.get(r.host());
            if (t == null) continue;
            t.state = r.state();
            t.since = r.since();
            t.reason = r.reason();
            t.lastSeen = r.lastSeen().orElse(null);
            t.via = r.seenVia().orElse("");
            t.bootId = r.bootId().orElse(null);
            t.kernel = r.kernel().orElse(null);
            t.maintenance = r.maintenance();
            t.silencedUntil = r.silencedUntil().orElse(null);
            t.silenceReason = r.silenceReason().orElse("");
            t.ladder = r.ladder();
            if (t.state == HealthState.SUSPECT) t.suspectSince = clock.instant();
            // A host that was alive gets the benefit of the doubt: as if heard from now, so it is
            // judged on its next heartbeats rather than on the server's downtime.
            if (t.state == HealthState.UP || t.state == HealthState.SUSPECT || t.state == HealthState.RESCUE) {
                t.detector = detector(t.via.startsWith("probe") ? probeInterval : interval);
                t.detector.heartbeat(startedMillis);
            }
            // An action in flight when the server stopped has an unknown outcome: say so and go on.
            if (t.ladder.run().isPresent() && t.ladder.run().get().acting()) {
                int step = t.ladder.run().get().step();
                inbox.add(() -> apply(t, new Ladder.Observation.StepDone(step, false, "outcome unknown: the server restarted during the step"),
                        clock.instant(), "watchdog"));
            }
        }
        Optional<InetSocketAddress> listen = settings.listenAddress();
        if (listen.isPresent()) {
            receiver = new HeartbeatReceiver(listen.get(), this::heartbeatKey, this::heartbeat, this::deadManReport);
        }
        if (settings.probeValue().isPresent()) {
            prober = new Prober(settings.probeValue().get(), settings.probeIntervalValue(), settings.probeTimeoutValue(), this::probeCandidates,
                    this::probeAnswered);
        }
        judge = Thread.ofPlatform().name("watchdog").daemon(true).start(this::judgeLoop);
        log.atInfo().addKeyValue("heartbeats", listen.map(Object::toString).orElse("off"))
                .addKeyValue("probe", settings.probeValue().map(WatchdogSettings.Probe::text).orElse("off"))
                .addKeyValue("hosts", tracked.size()).addKeyValue("ladder", settings.ladder()).log("watchdog started");
        return this;
    }

    /** The heartbeat port actually bound (tests bind port 0). */
    public Optional<InetSocketAddress> heartbeatAddress() {
        try {
            return receiver == null ? Optional.empty() : Optional.of(receiver.localAddress());
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    public long heartbeatsRejected() {
        return receiver == null ? 0 : receiver.rejected.sum();
    }

    private PhiAccrualDetector detector(Duration interval) {
        int ms = (int) Math.min(Integer.MAX_VALUE, interval.toMillis());
        // a few heartbeats lost in a row (or probes that just missed) are not suspicious
        return new PhiAccrualDetector(ms, MIN_STD_DEV_MS, (int) Math.min(Integer.MAX_VALUE, (long) ms * settings.toleratedLosses()));
    }

    // ---- arrivals (receiver and prober threads) ----

    Optional<HeartbeatAnswer> heartbeat(Heartbeat h, InetSocketAddress from) {
        Tracked t = tracked.get(h.host());
        if (t == null) return Optional.empty();
        long now = clock.millis();
        synchronized (t) {
            HeartbeatGuard.Verdict v = t.guard.check(h, now, windowMillis);
            if (v == HeartbeatGuard.Verdict.STALE || v == HeartbeatGuard.Verdict.REPLAYED) return Optional.empty();
            if (!t.heartbeats || t.detector == null) {
                t.detector = detector(interval);
                t.heartbeats = true;
            }
            t.detector.heartbeat(now);
            t.via = "heartbeat from " + from.getAddress().getHostAddress();
            t.heardFrom = from.getAddress();
            String boot = h.bootId().toString();
            if (t.bootId != null && !t.bootId.equals(boot)) {
                t.rebooted = true;
                t.deadManStored = -1;
            }
            t.bootId = boot;
            t.kernel = h.kernel();
            t.xtSysrq = h.xtSysrq().isEmpty() ? null : h.xtSysrq();
            t.uptimeMillis = h.uptimeMillis();
        }
        return Optional.of(answer(t, h, now));
    }

    private static final java.util.Set<String> DEAD_MAN_KINDS = java.util.Set.of("restart-network", "reboot", "held", "recovered");

    /**
     * An agent's dead-man steps, reported once it hears the server again: each on the host's timeline
     * once (a step is known by its journal id and time, looked for among the host's recent events, so
     * a resent report after a lost ack or a server restart adds nothing), then acknowledged. Rare (a
     * cut-off host coming back), so it is written here rather than through the judge's round.
     */
    Optional<DeadManReport.Ack> deadManReport(DeadManReport r, InetSocketAddress from) {
        Tracked t = tracked.get(r.host());
        if (t == null) return Optional.empty();
        long already;
        synchronized (t) {
            // an agent reports once the server answers its heartbeats: from the address and boot they came from. A recorded
            // report replayed later (another boot) or from elsewhere (a forged source: the ack would reflect) is dropped
            // unanswered, and one report a second per host is plenty (the agent sends one each 3 s)
            long nanos = System.nanoTime();
            if (!r.bootId().toString().equals(t.bootId) || !from.getAddress().equals(t.heardFrom)
                    || (t.lastReportNanos != 0 && nanos - t.lastReportNanos < 1_000_000_000L)) {
                deadManRefused.increment();
                return Optional.empty();
            }
            t.lastReportNanos = nanos;
            already = t.deadManStored;
        }
        long newest = r.steps().stream().mapToLong(DeadManReport.Step::id).max().orElseThrow();
        if (newest <= already) return Optional.of(new DeadManReport.Ack(r.host(), r.bootId(), newest)); // stored: ack again, look nothing up
        Instant now = clock.instant();
        String actor = "agent " + from.getAddress().getHostAddress();
        int stored = db.inWriteTransaction(h -> {
            List<Event> recent = events.recent(h, Optional.of(r.host()), 1000, 0);
            List<Event> fresh = new ArrayList<>();
            for (DeadManReport.Step s : r.steps()) {
                String key = "step " + s.id() + " at " + Instant.ofEpochMilli(s.wallMillis());
                if (!DEAD_MAN_KINDS.contains(s.kind())) continue;
                boolean known = recent.stream().anyMatch(e -> e.kind().startsWith("dead-man.") && e.reason().orElse("").startsWith(key + " "));
                if (!known) fresh.add(Event.of(now, r.host(), "dead-man." + s.kind(), actor, key + " (the host's clock): " + s.detail()));
            }
            events.appendAll(h, fresh);
            return fresh.size();
        });
        if (stored > 0) log.atInfo().addKeyValue("host", r.host()).addKeyValue("steps", stored).log("dead-man steps reported");
        synchronized (t) {
            if (r.bootId().toString().equals(t.bootId)) t.deadManStored = Math.max(t.deadManStored, newest);
        }
        return Optional.of(new DeadManReport.Ack(r.host(), r.bootId(), newest));
    }

    /** The answer to a counted heartbeat: its echo and what the server announces (maintenance, by hand or by window). */
    private HeartbeatAnswer answer(Tracked t, Heartbeat h, long now) {
        if (t.maintenance) return new HeartbeatAnswer(h.host(), h.bootId(), h.seq(), now, HeartbeatAnswer.Maintenance.MANUAL, 0);
        LadderPolicy p = policy(t);
        for (io.netrescue.watchdog.MaintenanceWindow w : p.maintenance()) {
            Instant end = w.endIfInside(Instant.ofEpochMilli(now), p.zone());
            if (end != null) return new HeartbeatAnswer(h.host(), h.bootId(), h.seq(), now, HeartbeatAnswer.Maintenance.WINDOW, end.toEpochMilli());
        }
        return new HeartbeatAnswer(h.host(), h.bootId(), h.seq(), now, HeartbeatAnswer.Maintenance.NONE, 0);
    }

    private List<Prober.Target> probeCandidates() {
        long now = clock.millis();
        List<Prober.Target> out = new ArrayList<>();
        for (Tracked t : tracked.values()) {
            // hosts with an agent are probed only when their heartbeats stop (is it the agent or the host?)
            boolean quietAgent = t.heartbeats && t.state == HealthState.SUSPECT;
            if (t.heartbeats && !quietAgent) continue;
            probeTarget.apply(t).ifPresent(a -> out.add(new Prober.Target(t.name, a)));
        }
        return out;
    }

    private void probeAnswered(String host, String via) {
        Tracked t = tracked.get(host);
        if (t == null) return;
        long now = clock.millis();
        synchronized (t) {
            if (t.detector == null || t.heartbeats) {
                // the first answer, or an agent gone quiet on a live host: judged by probes from now
                // on (until a heartbeat arrives again), not flapping between suspect and up
                t.detector = detector(probeInterval);
                if (t.heartbeats) via = via + " (the agent's heartbeats stopped)";
                t.heartbeats = false;
            }
            t.detector.heartbeat(now);
            t.via = via;
        }
    }

    // ---- the judge ----

    private void judgeLoop() {
        while (!stopped) {
            long started = System.nanoTime();
            try {
                round(clock.instant());
            } catch (RuntimeException e) {
                log.atError().setCause(e).log("watchdog round failed; next round continues");
            }
            long left = ROUND.toNanos() - (System.nanoTime() - started);
            if (left > 0) {
                try {
                    Thread.sleep(Duration.ofNanos(left));
                } catch (InterruptedException e) {
                    return;
                }
            }
        }
    }

    private record Pending(Map<String, HealthStore.Row> rows, List<Event> events, List<Runnable> acts, List<Runnable> answers,
                           List<CompletableFuture<?>> waiting) {}

    private final ThreadLocal<Pending> pending = new ThreadLocal<>();

    /** One round: inventory, queued overrides/outcomes, then every host's state. Package-private for tests. */
    synchronized void round(Instant now) {
        if (Duration.between(lastInventory, now).compareTo(followsInventory ? FULL_INVENTORY_EVERY : INVENTORY_EVERY) >= 0) refreshInventory(now);
        else if (!changedHosts.isEmpty()) refreshChanged(now);
        Pending p = new Pending(new java.util.LinkedHashMap<>(), new ArrayList<>(), new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
        pending.set(p);
        try {
            boolean changes = false;
            for (Runnable r; (r = inbox.poll()) != null; changes = true) r.run();
            // an operator's change or a ladder outcome may concern any host: judge them all this round
            for (Tracked t : tracked.values()) {
                if (changes) t.steady = false;
                judge(t, now);
            }
            flush(p, now);
        } catch (RuntimeException e) {
            // nothing was acknowledged: operators waiting on this round get the error, not a timeout
            p.waiting.forEach(f -> f.completeExceptionally(e));
            throw e;
        } finally {
            pending.remove();
        }
    }

    private void flush(Pending p, Instant now) {
        if (!p.rows.isEmpty() || !p.events.isEmpty()) {
            db.inWriteTransaction(h -> {
                store.put(h, List.copyOf(p.rows.values()), now);
                events.appendAll(h, p.events);
                return null;
            });
        }
        // only now that the changes are on disk are operators answered and the run's actions started
        p.answers.forEach(Runnable::run);
        p.acts.forEach(Runnable::run);
    }

    private void judge(Tracked t, Instant now) {
        long ms = now.toEpochMilli();
        if (t.steady) {
            // most of a healthy fleet was heard within the last interval: nothing to compute (no phi, no Instant)
            synchronized (t) {
                if (!t.rebooted && t.detector != null && ms < t.detector.quietUntilMillis()) {
                    skipped.increment();
                    return;
                }
            }
            t.steady = false;
        }
        judged.increment();
        double phi;
        boolean rebooted;
        synchronized (t) {
            phi = t.detector == null ? -1 : t.detector.phi(ms);
            rebooted = t.rebooted;
            t.rebooted = false;
            if (t.detector != null && t.detector.started()) t.lastSeen = Instant.ofEpochMilli(t.detector.lastHeartbeatMillis());
        }
        if (rebooted) note(t, now, "health.rebooted", "watchdog", "new boot id " + t.bootId + ", kernel " + t.kernel);
        boolean alive = phi >= 0 && phi < settings.phi();
        // the rescue system's last heartbeats, once its activation ended: the host's own system has not spoken yet
        boolean rescueEvidence = alive && t.leftRescueMillis >= 0 && t.detector.lastHeartbeatMillis() <= t.leftRescueMillis;
        if (alive && !rescueEvidence) t.leftRescueMillis = -1;
        HealthState next = t.state;
        String why = t.reason;
        if (t.maintenance) {
            next = HealthState.MAINTENANCE;
            why = t.reason;
        } else if (phi < 0) {
            if (t.state != HealthState.DOWN && t.state != HealthState.RECOVERING) next = HealthState.UNKNOWN;
        } else if (rescueEvidence) {
            next = t.state; // until the host's own system heartbeats (up) or the silence says otherwise (suspect, down)
        } else if (alive) {
            next = t.rescueBoot ? HealthState.RESCUE : HealthState.UP;
            if (next != t.state) why = t.via + (t.rescueBoot ? " (booted into rescue)" : "");
            t.suspectSince = null;
        } else {
            long quiet = (ms - t.detector.lastHeartbeatMillis()) / 1000;
            switch (t.state) {
                case UP, RESCUE, UNKNOWN -> {
                    next = HealthState.SUSPECT;
                    t.suspectSince = now;
                    why = "nothing for " + quiet + " s (phi " + fmt(phi) + " >= " + fmt(settings.phi()) + "), last " + t.via;
                }
                case SUSPECT -> {
                    if (t.suspectSince == null) t.suspectSince = now;
                    if (!now.isBefore(t.suspectSince.plus(downAfter))) {
                        next = HealthState.DOWN;
                        why = "nothing for " + quiet + " s, suspect since " + t.suspectSince;
                    }
                }
                default -> { }
            }
        }
        if (rescueEvidence) alive = false; // nor does the ladder count them
        if ((next == HealthState.DOWN && t.state != HealthState.DOWN && t.state != HealthState.RECOVERING) || (alive && next != t.state)) {
            // on the timeline before what the ladder makes of it (a start, a recovery) in this same round
            transition(t, next, why, now);
        }
        if (!t.maintenance && settings.ladder() && (next == HealthState.DOWN || next == HealthState.RECOVERING || (alive && busy(t.ladder)))) {
            apply(t, new Ladder.Observation.Tick(!alive, Optional.ofNullable(t.silencedUntil), t.silenceReason), now, "watchdog");
            if (!alive) next = t.ladder.run().isPresent() ? HealthState.RECOVERING : HealthState.DOWN;
            if (next == HealthState.RECOVERING && t.state != HealthState.RECOVERING) why = "ladder run under way (policy " + policy(t).name() + ")";
            if (next == HealthState.DOWN && t.state == HealthState.RECOVERING) why = "ladder run ended, still down";
        }
        if (next != t.state) transition(t, next, why, now);
        if (t.dirty) {
            pending.get().rows.put(t.name, row(t));
            t.dirty = false;
        }
        t.steady = skipSteady && alive && (next == HealthState.UP || next == HealthState.RESCUE) && !t.maintenance && !busy(t.ladder)
                && t.leftRescueMillis < 0;
    }

    private void transition(Tracked t, HealthState next, String why, Instant now) {
        HealthState was = t.state;
        t.state = next;
        t.since = now;
        t.reason = why;
        t.dirty = true;
        note(t, now, "health." + next.word(), "watchdog", why + " (was " + was.word() + ")");
    }

    private static boolean busy(Ladder.State s) {
        return s.run().isPresent() || s.aborted() || s.gaveUp() || !s.held().isEmpty();
    }

    /** Feeds the host's ladder; records its notes and schedules its actions (judge thread only). */
    private void apply(Tracked t, Ladder.Observation o, Instant now, String actor) {
        Ladder ladder = new Ladder(policy(t));
        Ladder.Plan plan = ladder.next(t.ladder, o, now);
        if (!plan.state().equals(t.ladder)) {
            t.ladder = plan.state();
            t.dirty = true;
        }
        for (Ladder.Note n : plan.notes()) note(t, now, n.kind(), actor, n.detail());
        for (Ladder.Act a : plan.acts()) {
            HealthView view = view(t, now);
            pending.get().acts.add(() -> Thread.ofVirtual().name("ladder-" + t.name).start(() -> {
                Actions.Result r;
                try {
                    r = actions.perform(t.name, a.step(), a.what(), view);
                } catch (RuntimeException e) {
                    log.atError().setCause(e).addKeyValue("host", t.name).log("ladder action threw");
                    r = new Actions.Result(false, "error: " + e);
                }
                Actions.Result done = r;
                inbox.add(() -> apply(t, new Ladder.Observation.StepDone(a.step(), done.ok(), done.detail()), clock.instant(), "watchdog"));
            }));
        }
    }

    private void note(Tracked t, Instant now, String kind, String actor, String detail) {
        pending.get().events.add(Event.of(now, t.name, kind, actor, detail));
    }

    LadderPolicy policy(Tracked t) {
        Map<String, String> labels = t.labels == null ? Map.of() : t.labels;
        for (LadderPolicy p : policies) if (p.matches(labels)) return p;
        return LadderPolicy.defaults();
    }

    private HealthStore.Row row(Tracked t) {
        return new HealthStore.Row(t.name, t.state, t.since, t.reason, Optional.ofNullable(t.lastSeen), Optional.of(t.via).filter(v -> !v.isEmpty()),
                Optional.ofNullable(t.bootId), Optional.ofNullable(t.kernel), t.maintenance, Optional.ofNullable(t.silencedUntil),
                Optional.of(t.silenceReason).filter(s -> !s.isEmpty()), t.ladder);
    }

    /**
     * Wires the inventory's change notices (before {@link #start}): the rounds then re-read only the
     * hosts that changed, and the whole inventory every {@link #FULL_INVENTORY_EVERY} as a safety net.
     */
    public Watchdog followInventory(java.util.function.Consumer<java.util.function.Consumer<String>> subscribe) {
        subscribe.accept(changedHosts::add);
        followsInventory = true;
        return this;
    }

    private void refreshInventory(Instant now) {
        lastInventory = now;
        changedHosts.clear(); // before the read: a change after it is noticed in the next round
        List<Host> list = db.read(hosts::list);
        Map<String, Optional<String>> salts = db.read(hosts::keySalts);
        java.util.Set<String> names = new java.util.HashSet<>();
        for (Host h : list) {
            names.add(h.name());
            track(h, salts.getOrDefault(h.name(), Optional.empty()), now);
        }
        tracked.keySet().retainAll(names);
        keys.keySet().retainAll(names);
    }

    private void refreshChanged(Instant now) {
        for (String name : List.copyOf(changedHosts)) {
            changedHosts.remove(name); // before the read, as above
            record Fresh(Optional<Host> host, Optional<String> salt) {}
            Fresh f = db.read(h -> new Fresh(hosts.get(h, name), hosts.keySalt(h, name).flatMap(x -> x)));
            if (f.host().isPresent()) {
                track(f.host().get(), f.salt(), now);
            } else {
                tracked.remove(name);
                keys.remove(name);
            }
        }
    }

    private void track(Host h, Optional<String> salt, Instant now) {
        Tracked t = tracked.computeIfAbsent(h.name(), n -> new Tracked(n, now));
        t.labels = h.labels();
        t.addresses = h.expectedIps();
        boolean rescue = h.boot().mode() instanceof BootMode.Rescue;
        if (t.rescueBoot && !rescue) t.leftRescueMillis = now.toEpochMilli();
        if (t.rescueBoot != rescue) t.steady = false;
        t.rescueBoot = rescue;
        // this incarnation's key: a host removed and added again under its name gets a new one
        keys.compute(h.name(), (n, k) -> k != null && k.salt().equals(salt) ? k : new HostKey(salt, HostKeys.derive(master, n, salt)));
    }

    // ---- operators (API threads): queued to the judge, answered once written ----

    private <T> T onJudge(Function<Instant, T> work) {
        CompletableFuture<T> f = new CompletableFuture<>();
        inbox.add(() -> {
            try {
                T result = work.apply(clock.instant());
                pending.get().answers.add(() -> f.complete(result));
                pending.get().waiting.add(f);
            } catch (RuntimeException e) {
                f.completeExceptionally(e);
            }
        });
        if (stopped || judge == null) round(clock.instant());
        try {
            return f.get(30, java.util.concurrent.TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) throw r;
            throw new IllegalStateException(e.getCause());
        } catch (InterruptedException | java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("the watchdog did not answer in 30 s", e);
        }
    }

    /** The key a tracked host's heartbeats are signed with: its rescue activation's while it runs the rescue system, else its own. */
    private Optional<byte[]> heartbeatKey(String host) {
        byte[] own = Optional.ofNullable(keys.get(host)).map(HostKey::key).orElse(null);
        if (own == null) return Optional.empty();
        java.util.OptionalLong rescue = rescueAgents.apply(host);
        return Optional.of(rescue.isPresent() ? HostKeys.deriveRescue(master, host, rescue.getAsLong()) : own);
    }

    private Tracked require(String host) {
        Tracked t = tracked.get(host);
        if (t == null) {
            refreshInventory(clock.instant());
            t = tracked.get(host);
        }
        if (t == null) throw new NotFoundException("no host named " + host);
        return t;
    }

    public HealthView maintenance(String host, boolean on, String reason, String actor) {
        return onJudge(now -> {
            Tracked t = require(host);
            if (t.maintenance == on) return view(t, now);
            t.maintenance = on;
            t.dirty = true;
            if (on) {
                // a run in progress ends here: nothing is done to a host in maintenance
                if (t.ladder.run().isPresent()) apply(t, new Ladder.Observation.Override(Ladder.OverrideKind.ABORT), now, actor);
                t.reason = reason.isEmpty() ? "set by " + actor : reason;
                note(t, now, "health.maintenance", actor, "maintenance on" + (reason.isEmpty() ? "" : ": " + reason)
                        + " (was " + t.state.word() + ")");
                t.state = HealthState.MAINTENANCE;
                t.since = now;
            } else {
                t.state = HealthState.UNKNOWN; // judged afresh from its next heartbeat or probe
                t.reason = "maintenance ended";
                t.since = now;
                synchronized (t) {
                    t.detector = null;
                    t.heartbeats = false;
                }
                note(t, now, "health.maintenance", actor, "maintenance off");
            }
            return view(t, now);
        });
    }

    public HealthView silence(String host, Duration d, String reason, String actor) {
        return onJudge(now -> {
            Tracked t = require(host);
            t.silencedUntil = d.isZero() ? null : now.plus(d);
            t.silenceReason = reason;
            t.dirty = true;
            note(t, now, "ladder.silenced", actor, d.isZero() ? "silence lifted" : "no ladder actions until " + now.plus(d)
                    + (reason.isEmpty() ? "" : ": " + reason));
            return view(t, now);
        });
    }

    /**
     * Holds new ladder runs for {@code host} until {@code d} from now, for a reboot netrescue itself
     * caused (a machine booting its rescue system is silent, not dead). It extends a silence in force,
     * never shortens one, except its own earlier hold named {@code replaces} ("" for none), which it
     * replaces in one step (no tick in between can start a run); a run already under way goes on.
     */
    public void hold(String host, Duration d, String reason, String replaces, String actor) {
        onJudge(now -> {
            Tracked t = require(host);
            Instant until = now.plus(d);
            boolean own = t.silencedUntil != null && now.isBefore(t.silencedUntil) && !replaces.isEmpty() && t.silenceReason.equals(replaces);
            if (!own && t.silencedUntil != null && !t.silencedUntil.isBefore(until)) return null;
            t.silencedUntil = until;
            t.silenceReason = reason;
            t.dirty = true;
            note(t, now, "ladder.silenced", actor, "no ladder actions until " + until + ": " + reason);
            return null;
        });
    }

    /** Lifts the silence {@link #hold} set with {@code reason}, and no other (an operator's own silence stays). */
    public void release(String host, String reason, String actor) {
        onJudge(now -> {
            Tracked t = require(host);
            if (t.silencedUntil == null || !t.silenceReason.equals(reason) || !now.isBefore(t.silencedUntil)) return null;
            t.silencedUntil = null;
            t.silenceReason = "";
            t.dirty = true;
            note(t, now, "ladder.silenced", actor, "silence lifted (it was: " + reason + ")");
            return null;
        });
    }

    public HealthView override(String host, Ladder.OverrideKind kind, String actor) {
        return onJudge(now -> {
            Tracked t = require(host);
            if (t.maintenance) throw new InvalidInputException(host + " is in maintenance: the ladder does not run");
            apply(t, new Ladder.Observation.Override(kind), now, actor);
            if (t.ladder.run().isPresent() && t.state != HealthState.RECOVERING) {
                HealthState was = t.state;
                t.state = HealthState.RECOVERING;
                t.since = now;
                t.reason = "ladder run started by " + actor;
                note(t, now, "health.recovering", actor, t.reason + " (was " + was.word() + ")");
            }
            t.dirty = true;
            pending.get().rows.put(t.name, row(t));
            t.dirty = false;
            return view(t, now);
        });
    }

    public List<HealthView> all() {
        Instant now = clock.instant();
        return tracked.values().stream().sorted(java.util.Comparator.comparing(t -> t.name)).map(t -> view(t, now)).toList();
    }

    /** How many hosts are in each state (for a fleet, where the full list is too long to read). */
    public Map<String, Integer> summary() {
        Map<String, Integer> out = new java.util.TreeMap<>();
        for (HealthState st : HealthState.values()) out.put(st.word(), 0);
        for (Tracked t : tracked.values()) out.merge(t.state.word(), 1, Integer::sum);
        return out;
    }

    /** What the host's heartbeats last said of its xt_SYSRQ module; empty for an unknown host or one that says nothing. */
    public Optional<String> xtSysrq(String host) {
        Tracked t = tracked.get(host);
        if (t == null) return Optional.empty();
        synchronized (t) {
            return Optional.ofNullable(t.xtSysrq);
        }
    }

    public HealthView one(String host) {
        return view(require(host), clock.instant());
    }

    private HealthView view(Tracked t, Instant now) {
        double phi;
        Instant lastSeen;
        synchronized (t) {
            phi = t.detector == null ? 0 : t.detector.phi(now.toEpochMilli());
            // from the detector: the judge skips steady hosts, so its copy may be a few intervals old
            lastSeen = t.detector != null && t.detector.started() ? Instant.ofEpochMilli(t.detector.lastHeartbeatMillis()) : t.lastSeen;
        }
        Optional<Ladder.Run> run = t.ladder.run();
        LadderPolicy p = policy(t);
        return new HealthView(t.name, t.state, t.since, t.reason, Optional.ofNullable(lastSeen), t.via, Optional.ofNullable(t.bootId),
                Optional.ofNullable(t.kernel), t.uptimeMillis < 0 ? Optional.empty() : Optional.of(t.uptimeMillis / 1000),
                Math.min(phi, 1e6), t.maintenance, Optional.ofNullable(t.silencedUntil), t.silenceReason, p.name(),
                run.map(r -> "step " + (r.step() + 1) + "/" + p.steps().size() + ": " + (r.step() < p.steps().size() ? p.steps().get(r.step()).text() : "?")),
                run.map(Ladder.Run::attempt), run.map(r -> r.pausedAt().isPresent()).orElse(false), t.ladder.held(),
                Optional.ofNullable(t.xtSysrq));
    }

    private static String fmt(double d) {
        return d > 1e6 ? "inf" : String.format(java.util.Locale.ROOT, "%.1f", d);
    }

    @Override
    public void close() {
        stopped = true;
        if (receiver != null) receiver.close();
        if (prober != null) prober.close();
        if (judge != null) {
            judge.interrupt();
            try {
                judge.join(2000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
