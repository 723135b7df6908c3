package io.netrescue.boot.trial;

import io.netrescue.boot.BootMode;
import io.netrescue.boot.BootState;
import io.netrescue.boot.Durations;
import io.netrescue.boot.KernelTrial;
import io.netrescue.boot.Host;
import io.netrescue.inventory.InvalidInputException;
import io.netrescue.power.server.PowerAction;
import io.netrescue.power.server.PowerService;
import io.netrescue.store.ConflictException;
import io.netrescue.store.Database;
import io.netrescue.store.Event;
import io.netrescue.store.EventStore;
import io.netrescue.store.HostStore;
import io.netrescue.store.InventoryCache;
import io.netrescue.store.NotFoundException;
import io.netrescue.store.ProfileStore;
import io.netrescue.store.SqlTime;
import io.netrescue.boot.Profile;
import io.netrescue.boot.http.BootService;
import io.netrescue.kexec.KexecManifest;
import io.netrescue.store.TokenStore;
import io.netrescue.sysrq.client.KexecResult;
import io.netrescue.sysrq.client.SysrqService;
import io.netrescue.watchdog.server.Watchdog;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import org.jdbi.v3.core.Handle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code netrescue kernel try HOST --profile P --deadline 10m}: the host's next network boot serves
 * P once; if P's booted system does not report healthy ({@code /boot/report}) before the deadline,
 * the host's boot mode goes back to what it was and it is power cycled, so it boots its usual (local)
 * system without a person. The watchdog's ladder is silenced until the deadline: a trial kernel that
 * takes its time is the trial's business, not the ladder's. Trials are stored, so a restart of the
 * server neither forgets a deadline nor runs a fallback twice.
 *
 * <p>With {@code kexec}, no network boot happens and the boot mode is left alone: the host's agent is
 * told (authenticated like SysRq) to fetch a manifest naming the profile's kernel and initrds with their
 * SHA-256 and a command line holding a fresh per-boot token, to verify them and to kexec. An agent that
 * refuses (not allowed, checksum mismatch, kexec -l failed) leaves its host running as it was, so the
 * trial fails without a power cycle; otherwise the same deadline and fallback apply, and the power
 * cycle boots the host's usual system.
 */
public final class KernelTrials implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(KernelTrials.class);
    static final String ACTOR = "kernel-try";
    /** After a fallback's power cycle, the ladder waits this long for the usual boot. */
    static final Duration FALLBACK_GRACE = Duration.ofMinutes(5);
    /** How long the agent may take to fetch, verify and load before the server stops waiting for its answer. */
    static final Duration KEXEC_ANSWER = Duration.ofMinutes(3);

    private final Database db;
    private final HostStore hosts;
    private final ProfileStore profiles;
    private final InventoryCache inventory;
    private final EventStore events;
    private final PowerService power;
    private final Supplier<Optional<Watchdog>> watchdog;
    private final Clock clock;
    private final SysrqService sysrq;
    private final KexecManifests manifests;
    private final TokenStore tokens;
    private final Supplier<Optional<String>> kexecBaseUrl;
    private final SecureRandom random = new SecureRandom();
    private final Thread thread;
    private volatile boolean stopped;

    public KernelTrials(Database db, HostStore hosts, ProfileStore profiles, InventoryCache inventory, EventStore events, PowerService power,
                        Supplier<Optional<Watchdog>> watchdog, SysrqService sysrq, KexecManifests manifests, TokenStore tokens,
                        Supplier<Optional<String>> kexecBaseUrl, Clock clock, Duration every) {
        this.sysrq = sysrq;
        this.manifests = manifests;
        this.tokens = tokens;
        this.kexecBaseUrl = kexecBaseUrl;
        this.db = db;
        this.hosts = hosts;
        this.profiles = profiles;
        this.inventory = inventory;
        this.events = events;
        this.power = power;
        this.watchdog = watchdog;
        this.clock = clock;
        this.thread = Thread.ofVirtual().name("kernel-trials").start(() -> loop(every));
    }

    /** Arms a trial; with {@code reboot}, power cycles the host into it at once; with {@code kexec}, its agent kexecs into it. */
    public KernelTrial start(String host, String profile, Duration deadline, boolean reboot, boolean kexec, String actor) {
        if (deadline.compareTo(Duration.ofSeconds(10)) < 0) {
            throw new InvalidInputException("deadline must be at least 10s");
        }
        if (deadline.compareTo(Duration.ofDays(7)) > 0) throw new InvalidInputException("deadline must be at most 7d");
        if (kexec && reboot) throw new InvalidInputException("a kexec trial starts at once: leave out reboot");
        if (!power.hasDriverFor(host, PowerAction.CYCLE)) {
            throw new InvalidInputException(host + " has no power driver that can cycle it: a trial needs one to fall back without a person"
                    + " (netrescue host power " + host + " --set KIND ...)");
        }
        Optional<KexecPlan> plan = kexec ? Optional.of(planKexec(host, profile)) : Optional.empty();
        Instant now = clock.instant();
        record Armed(KernelTrial trial, Host host) {}
        Armed a = db.inWriteTransaction(h -> {
            Host x = hosts.require(h, host);
            if (profiles.get(h, profile).isEmpty()) throw new NotFoundException("no profile named " + profile);
            if (armed(h, host).isPresent()) throw new ConflictException(host + " already has a kernel trial under way (netrescue kernel cancel " + host + ")");
            if (!kexec) {
                BootState next = BootState.set(x.boot(), new BootMode.Once(profile), Optional.empty());
                hosts.setBoot(h, host, next, now);
                events.append(h, Event.of(now, host, "boot.mode", actor, "mode set to " + next + " (was " + x.boot() + ") for a kernel trial"));
            }
            long id = h.createUpdate("""
                    INSERT INTO kernel_trials (host, profile, started_at, deadline, state, detail, actor, kexec) VALUES (?, ?, ?, ?, 'armed', '', ?, ?)""")
                    .bind(0, host).bind(1, profile).bind(2, SqlTime.of(now)).bind(3, SqlTime.of(now.plus(deadline))).bind(4, actor).bind(5, kexec)
                    .executeAndReturnGeneratedKeys("id").mapTo(Long.class).one();
            plan.ifPresent(p -> tokens.issue(h, p.token(), host, profile, now, now.plus(deadline)));
            events.append(h, Event.of(now, host, "kernel.try", actor, kexec
                    ? "profile " + profile + " by kexec (boot mode unchanged), healthy report due by " + now.plus(deadline)
                            + "; otherwise a power cycle into its usual boot"
                    : "profile " + profile + " once, healthy report due by " + now.plus(deadline)
                            + "; otherwise back to " + x.boot() + " and a power cycle" + (reboot ? "; rebooting into it now" : "")));
            return new Armed(new KernelTrial(id, host, profile, now, now.plus(deadline), KernelTrial.State.ARMED, "", kexec), x);
        });
        KernelTrial t = a.trial();
        inventory.refreshHost(host);
        watchdog.get().ifPresent(w -> w.silence(host, deadline.plusSeconds(30), "kernel try " + profile + " until " + t.deadline(), ACTOR));
        if (plan.isPresent()) {
            KexecPlan p = plan.get();
            Host x = a.host();
            String cmdline = BootService.cmdline(p.profile(), host, x.macs().isEmpty() ? "" : x.macs().getFirst().toString(), p.ip(),
                    x.uuid().map(Object::toString).orElse(""), p.baseUrl(), p.token());
            KexecManifests.Prepared m = manifests.publish(p.token(), p.files(), cmdline, p.baseUrl(), t.deadline());
            Thread.ofVirtual().name("kexec-" + host).start(() -> announce(t, m, p.token()));
        }
        if (reboot) {
            PowerService.Outcome o = power.perform(host, PowerAction.CYCLE, Optional.empty(), actor);
            if (!o.result().equals("ok")) log.atWarn().addKeyValue("host", host).addKeyValue("detail", o.detail()).log("could not reboot into the trial");
        }
        return t;
    }

    /** Everything a kexec trial needs, checked before anything is stored: a bad profile or host refuses the trial. */
    private record KexecPlan(Profile profile, List<KexecManifest.Entry> files, String baseUrl, String token, String ip) {}

    private KexecPlan planKexec(String host, String profile) {
        String base = kexecBaseUrl.get().orElseThrow(() -> new InvalidInputException("a kexec trial needs the URL hosts reach this server at,"
                + " and the server listens on every address: set public-url in [http] (serve --public-url)"));
        var agent = sysrq.config(host); // the agent's address and port; refuses a host without SysRq settings
        Profile p = db.read(h -> profiles.get(h, profile)).orElseThrow(() -> new NotFoundException("no profile named " + profile));
        List<KexecManifest.Entry> files = manifests.files(p, base);
        return new KexecPlan(p, files, base, BootService.newToken(random), io.netrescue.inventory.IpAddresses.format(agent.address()));
    }

    /** Sends the kexec request and records the agent's answer; a refusal ends the trial without a power cycle. */
    private void announce(KernelTrial t, KexecManifests.Prepared m, String token) {
        try {
            Duration wait = Duration.between(clock.instant(), t.deadline());
            if (wait.compareTo(KEXEC_ANSWER) > 0) wait = KEXEC_ANSWER;
            if (wait.isNegative() || wait.isZero()) return;
            SysrqService.KexecOutcome o = sysrq.kexec(t.host(), m.url(), m.sha256(), wait);
            Instant now = clock.instant();
            boolean refused = o.result() == KexecResult.REFUSED;
            boolean ended = db.inWriteTransaction(h -> {
                events.append(h, Event.of(now, t.host(), "kernel.try-kexec-" + o.result().wireName(), ACTOR, "seq " + Long.toUnsignedString(o.seq()) + ": " + o.detail()));
                if (!refused || finish(h, t, KernelTrial.State.FAILED, "the agent refused the kexec: " + o.detail()) == 0) return false;
                events.append(h, Event.of(now, t.host(), "kernel.try-failed", ACTOR, "profile " + t.profile() + ": the agent refused the kexec ("
                        + o.detail() + "); " + t.host() + " kept running its system, so no power cycle"));
                return true;
            });
            log.atInfo().addKeyValue("host", t.host()).addKeyValue("profile", t.profile()).addKeyValue("result", o.result().wireName())
                    .addKeyValue("detail", o.detail()).log("kexec trial announced");
            if (ended) {
                manifests.forget(token);
                watchdog.get().ifPresent(w -> w.silence(t.host(), Duration.ZERO, "", ACTOR));
            }
        } catch (RuntimeException e) {
            log.atError().addKeyValue("host", t.host()).setCause(e).log("kexec request failed; the deadline still applies");
        }
    }

    public KernelTrial cancel(String host, String actor) {
        Instant now = clock.instant();
        KernelTrial t = db.inWriteTransaction(h -> {
            KernelTrial a = armed(h, host).orElseThrow(() -> new NotFoundException(host + " has no kernel trial under way"));
            restoreIfUnspent(h, a, now, actor);
            finish(h, a, KernelTrial.State.CANCELLED, "cancelled by " + actor);
            events.append(h, Event.of(now, host, "kernel.try-cancelled", actor, "profile " + a.profile()));
            return a;
        });
        inventory.refreshHost(host);
        watchdog.get().ifPresent(w -> w.silence(host, Duration.ZERO, "", actor));
        return t;
    }

    public List<KernelTrial> history(String host) {
        return db.read(h -> {
            hosts.require(h, host);
            return h.createQuery("SELECT * FROM kernel_trials WHERE host = ? ORDER BY id DESC LIMIT 20").bind(0, host).map((rs, c) -> trial(rs)).list();
        });
    }

    private void loop(Duration every) {
        while (!stopped) {
            try {
                Thread.sleep(every);
                check(clock.instant());
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                log.atError().setCause(e).log("kernel trial check failed; retrying");
            }
        }
    }

    private static final java.util.regex.Pattern REPORTED = java.util.regex.Pattern.compile("profile (\\S+) reported .* \\(token issued (\\S+)\\)");

    /** A boot.report event as the judge sees it; one without its token's issue time (older servers) never passes a trial. */
    static KernelTrial.Report report(Instant at, String reason, String status) {
        java.util.regex.Matcher m = REPORTED.matcher(reason);
        if (!m.matches()) return new KernelTrial.Report(at, reason.replaceFirst("^profile (\\S+) reported .*$", "$1"), status, Instant.EPOCH);
        Instant issued;
        try {
            issued = Instant.parse(m.group(2));
        } catch (java.time.format.DateTimeParseException e) {
            issued = Instant.EPOCH;
        }
        return new KernelTrial.Report(at, m.group(1), status, issued);
    }

    /** Judges every armed trial; package-private so tests can drive it. */
    void check(Instant now) {
        List<KernelTrial> armed = db.read(h -> h.createQuery("SELECT * FROM kernel_trials WHERE state = 'armed'").map((rs, c) -> trial(rs)).list());
        for (KernelTrial t : armed) {
            List<KernelTrial.Report> reports = db.read(h -> events.recent(h, Optional.of(t.host()), 200, 0)).stream()
                    .filter(e -> e.kind().equals("boot.report"))
                    .map(e -> report(e.at(), e.reason().orElse(""), e.decision().orElse(""))).toList();
            switch (t.judge(reports, now)) {
                case KernelTrial.Verdict.Waiting w -> { }
                case KernelTrial.Verdict.Healthy ok -> {
                    db.inWriteTransaction(h -> {
                        finish(h, t, KernelTrial.State.SUCCEEDED, "reported " + ok.status() + " at " + ok.at());
                        events.append(h, Event.of(now, t.host(), "kernel.try-ok", ACTOR, "profile " + t.profile() + " reported " + ok.status() + " "
                                + Durations.format(Duration.ofSeconds(Duration.between(t.startedAt(), ok.at()).toSeconds() + 1)) + " after the start"));
                        return null;
                    });
                    watchdog.get().ifPresent(w -> w.silence(t.host(), Duration.ZERO, "", ACTOR));
                }
                case KernelTrial.Verdict.Failed f -> fallBack(t, f.why(), now);
            }
        }
    }

    /** Failure: the boot mode back to what it was, then a power cycle; each step on the timeline. */
    private void fallBack(KernelTrial t, String why, Instant now) {
        boolean mine = db.inWriteTransaction(h -> {
            if (finish(h, t, KernelTrial.State.FAILED, why) == 0) return false; // cancelled meanwhile
            restoreIfUnspent(h, t, now, ACTOR);
            events.append(h, Event.of(now, t.host(), "kernel.try-failed", ACTOR, "profile " + t.profile() + ": " + why + "; power cycling "
                    + t.host() + " into its usual boot"));
            return true;
        });
        if (!mine) return;
        inventory.refreshHost(t.host());
        // the ladder stays out of the way while the usual system boots after our power cycle (a
        // second power cycle mid-boot helps no one), then watches it again, with its own steps if
        // that boot fails too
        watchdog.get().ifPresent(w -> w.silence(t.host(), FALLBACK_GRACE, "kernel try " + t.profile() + " failed; "
                + t.host() + " is booting its usual system", ACTOR));
        PowerService.Outcome o = power.perform(t.host(), PowerAction.CYCLE, Optional.empty(), ACTOR);
        log.atInfo().addKeyValue("host", t.host()).addKeyValue("profile", t.profile()).addKeyValue("power", o.result()).log("kernel trial failed; fell back");
    }

    /** If the trial's once was never served (the host did not reboot), put back the mode it replaced. */
    private void restoreIfUnspent(Handle h, KernelTrial t, Instant now, String actor) {
        Host x = hosts.require(h, t.host());
        if (x.boot().mode() instanceof BootMode.Once o && o.profile().equals(t.profile())) {
            BootState back = x.boot().previous().orElse(BootState.LOCAL);
            hosts.setBoot(h, t.host(), back, now);
            events.append(h, Event.of(now, t.host(), "boot.mode", actor, "mode set to " + back + " (was " + x.boot() + "): the trial's once was never served"));
        }
    }

    private static int finish(Handle h, KernelTrial t, KernelTrial.State s, String detail) {
        return h.createUpdate("UPDATE kernel_trials SET state = ?, detail = ? WHERE id = ? AND state = 'armed'")
                .bind(0, s.word()).bind(1, detail.length() > 512 ? detail.substring(0, 512) : detail).bind(2, t.id()).execute();
    }

    private static Optional<KernelTrial> armed(Handle h, String host) {
        return h.createQuery("SELECT * FROM kernel_trials WHERE host = ? AND state = 'armed'").bind(0, host).map((rs, c) -> trial(rs)).findFirst();
    }

    private static KernelTrial trial(java.sql.ResultSet rs) throws java.sql.SQLException {
        return new KernelTrial(rs.getLong("id"), rs.getString("host"), rs.getString("profile"),
                SqlTime.require(rs, "started_at"), SqlTime.require(rs, "deadline"),
                KernelTrial.State.valueOf(rs.getString("state").toUpperCase(java.util.Locale.ROOT)), rs.getString("detail"), rs.getBoolean("kexec"));
    }

    @Override
    public void close() {
        stopped = true;
        thread.interrupt();
    }
}
