package io.netrescue.rescue.server;

import io.netrescue.boot.BootMode;
import io.netrescue.boot.BootState;
import io.netrescue.inventory.IpAddresses;
import io.netrescue.inventory.server.BootModeService;
import io.netrescue.rescue.HostKeyReport;
import io.netrescue.rescue.KnownHosts;
import io.netrescue.rescue.Reboot;
import io.netrescue.rescue.RescueActivation;
import io.netrescue.rescue.RescueConflict;
import io.netrescue.rescue.RescueKeys;
import io.netrescue.rescue.SshPublicKey;
import io.netrescue.store.Database;
import io.netrescue.store.Event;
import io.netrescue.store.EventStore;
import io.netrescue.store.HostStore;
import io.netrescue.store.NotFoundException;
import io.netrescue.store.TokenStore;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;
import org.jdbi.v3.core.Handle;

/**
 * Rescue activations: the operator's side (activate, status, end, verified known_hosts) and the
 * rescue system's side (fetch its per-boot settings, report ready with its host keys), each in one
 * durable transaction with its {@code rescue.*} event. The root password is returned once, by
 * {@link #activate}; only its crypt hash is stored, and no event, log line or later answer holds it.
 * An activation carries the SSH keys given with it and the host's registered keys ({@link SshKeyService}),
 * and may reboot the host into rescue ({@link Reboots}) once it is stored.
 */
public final class RescueService {
    /**
     * A new activation; when one was asked for, its root password (shown once, never again); the
     * reboot asked for and, unless none, how it went.
     */
    public record Activated(RescueActivation activation, Optional<String> password, Reboot reboot, Optional<Reboots.Outcome> rebooted) {}

    /** What a booted rescue system receives: who may log in, until when, where its agent sends heartbeats. */
    public record Settings(String host, long activation, Instant expiresAt, List<SshPublicKey> sshKeys, Optional<String> passwordHash,
                           java.util.OptionalInt heartbeatPort) {}

    /**
     * What the rescue system needs from the rest of the server.
     *
     * @param imageCheck   registers a newly built rescue image before an activation uses the profile
     * @param agentConfig  the agent configuration for a host's rescue system, with the key of the activation (host, activation id)
     * @param heartbeatPort the watchdog's heartbeat port, when it listens (asked when a rescue system boots: it binds after this service exists)
     * @param ladder       holds the watchdog's ladder while a machine this service rebooted boots
     */
    public record RescueSystem(Runnable imageCheck, java.util.function.BiFunction<String, Long, String> agentConfig,
                               java.util.function.Supplier<java.util.OptionalInt> heartbeatPort, LadderHold ladder) {}

    /**
     * The watchdog's side of the reboots this service causes. A machine rebooting into its rescue system
     * stops heartbeating for a while; without a hold the ladder would take it for dead and power cycle it
     * mid-boot. When the rescue system reports ready the hold shrinks to {@link #READY_HOLD} (its agent's
     * first heartbeats follow; until they do, the host still looks dead), it goes at once when the reboot
     * failed, and runs out by itself otherwise, so a rescue system that never comes up is still acted on.
     */
    public interface LadderHold {
        /** Holds new ladder runs for {@code d}; replaces the hold named {@code replaces} ("" for none), else never shortens one. */
        void hold(String host, Duration d, String reason, String replaces, String actor);

        void release(String host, String reason, String actor);

        LadderHold NONE = new LadderHold() {
            @Override public void hold(String host, Duration d, String reason, String replaces, String actor) {}

            @Override public void release(String host, String reason, String actor) {}
        };
    }

    /** How long a reboot into rescue may stay silent before the ladder may act: a slow BIOS, PXE, a 100 MB initramfs. */
    public static final Duration BOOT_HOLD = Duration.ofMinutes(10);
    /**
     * How long a ready rescue system may stay silent: its agent starts after ready, and the watchdog's
     * detector, which kept running through the boot, calls it down until its first heartbeats arrive.
     */
    public static final Duration READY_HOLD = Duration.ofMinutes(2);
    /** How long a reboot out of rescue may stay silent: the machine's own system boots (its agent then heartbeats). */
    public static final Duration LEAVE_HOLD = Duration.ofMinutes(5);
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(RescueService.class);

    private final Database db;
    private final HostStore hosts;
    private final RescueStore store;
    private final SshKeyStore sshKeys;
    private final Reboots reboots;
    private final EventStore events;
    private final BootModeService bootModes;
    private final TokenStore tokens;
    private final String rescueProfile;
    private final Clock clock;
    private final RescueSystem system;
    private final SecureRandom random = new SecureRandom();

    /** @param rescueProfile the profile that {@code rescue} mode boots (its per-boot tokens are the rescue system's) */
    public RescueService(Database db, HostStore hosts, RescueStore store, SshKeyStore sshKeys, EventStore events, BootModeService bootModes,
                         TokenStore tokens, Reboots reboots, String rescueProfile, Clock clock, RescueSystem system) {
        this.system = system;
        this.db = db;
        this.hosts = hosts;
        this.store = store;
        this.sshKeys = sshKeys;
        this.reboots = reboots;
        this.events = events;
        this.bootModes = bootModes;
        this.tokens = tokens;
        this.rescueProfile = rescueProfile;
        this.clock = clock;
    }

    private Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MILLIS);
    }

    /**
     * Activates rescue for {@code host}: its next boot is the rescue system until the activation
     * ends. A live activation it replaces ends now, and its credentials with it. The activation carries
     * {@code given} and the host's registered SSH keys. With a {@code reboot}, the host is rebooted once
     * the activation is durable; a reboot that cannot work (no driver that can cycle, no SysRq) is
     * refused before anything is stored, and one that fails leaves the activation standing.
     */
    public Activated activate(String host, List<SshPublicKey> given, boolean password, Duration lasting, Reboot reboot, String actor) {
        return activate(host, given, password, lasting, reboot, actor, false);
    }

    /**
     * An activation for the host's queued jobs ({@code job run --rescue}, the ladder's rescue step):
     * it carries the host's registered SSH keys if it has any, and needs none, since the jobs are the
     * work; the best reboot the host has ({@link Reboot#best}) takes it there.
     */
    public Activated activateForJobs(String host, Duration lasting, String actor) {
        return activate(host, List.of(), false, lasting, Reboot.best(reboots.means(host)), actor, true);
    }

    /** Ends the live activation and reboots the host out of rescue the best way it has (a job that asked for it succeeded). */
    public Ended endAndLeave(String host, String actor) {
        return end(host, Reboot.best(reboots.means(host)), actor);
    }

    private Activated activate(String host, List<SshPublicKey> given, boolean password, Duration lasting, Reboot reboot, String actor, boolean forJobs) {
        system.imageCheck().run(); // a freshly built image becomes the rescue profile before this host boots it
        Instant now = now();
        reboots.check(host, reboot);
        Optional<String> pw = password ? Optional.of(RootPassword.generate(random)) : Optional.empty();
        Optional<String> hash = pw.map(p -> RootPassword.hash(p, random));
        java.util.OptionalLong agent = rescueAgent(host); // a rescue system this activation replaces, which a SysRq reboot reaches
        RescueActivation stored = db.inWriteTransaction(h -> {
            BootState current = hosts.require(h, host).boot();
            List<SshPublicKey> keys = RescueKeys.forActivation(host, given, sshKeys.keys(h, host), password, forJobs);
            RescueActivation fresh = RescueActivation.activate(0, host, now, lasting, keys, password, forJobs); // refuses before anything is written
            Optional<RescueStore.Stored> before = store.latest(h, host).filter(s -> s.activation().live(now));
            before.ifPresent(s -> end(h, s.activation(), now, "replaced by a new activation", actor));
            // replacing an activation keeps what the host booted before the first one
            BootState previous = before.map(RescueStore.Stored::previous).orElse(current);
            RescueActivation a = store.insert(h, fresh, hash, previous);
            bootModes.apply(h, host, new BootMode.Rescue(Optional.empty()), Optional.of(a.expiresAt()), now, actor, " by rescue activation " + a.id());
            events.append(h, Event.of(now, host, "rescue.activated", actor, "activation " + a.id() + " until " + a.expiresAt()
                    + "; ssh keys: " + (keys.isEmpty() ? "none" : keys.stream().map(SshPublicKey::fingerprint).collect(Collectors.joining(", ")))
                    + "; root password: " + (password ? "issued (shown once to " + actor + ")" : "none")
                    + (forJobs ? "; for the host's jobs" : "")
                    + (reboot == Reboot.NONE ? "" : "; reboot: " + reboot.word())));
            return a;
        });
        bootModes.committed(host);
        agentGone(host); // a replaced activation's rescue system no longer speaks for the host
        if (reboot == Reboot.NONE) return new Activated(stored, pw, reboot, Optional.empty());
        return new Activated(stored, pw, reboot, Optional.of(reboot(stored, reboot, actor, agent)));
    }

    /** Reboots {@code host} into its live activation (the ladder does, when an operator's activation is already there). */
    public Reboots.Outcome reboot(String host, Reboot how, String actor) {
        RescueActivation a = status(host).filter(x -> x.live(now())).orElseThrow(() -> new NotFoundException(host + " has no live rescue activation"));
        reboots.check(host, how);
        return reboot(a, how, actor, java.util.OptionalLong.empty()); // its agent, if it runs, holds this live activation's key
    }

    /** The activation is durable before this runs: whatever the reboot does, the host's next network boot is rescue. */
    private Reboots.Outcome reboot(RescueActivation a, Reboot how, String actor, java.util.OptionalLong agent) {
        String booting = booting(a.id());
        hold(a.host(), BOOT_HOLD, booting, "", actor);
        Reboots.Outcome o = rebootFrom(a.host(), agent, how, actor);
        if (!o.ok()) release(a.host(), booting, actor);
        Instant at = now();
        db.inWriteTransaction(h -> {
            events.append(h, Event.of(at, a.host(), o.ok() ? "rescue.rebooted" : "rescue.reboot-failed", actor,
                    "activation " + a.id() + ", reboot " + how.word() + ": " + o.detail()
                            + (o.ok() ? "" : "; the activation stands: power cycle " + a.host() + " by hand")));
            return null;
        });
        return o;
    }

    /** The SSH keys registered for {@code host}, which each of its activations carries. */
    public List<SshPublicKey> registeredKeys(String host) {
        return db.read(h -> {
            hosts.require(h, host);
            return sshKeys.keys(h, host);
        });
    }

    /** The host's newest activation as of now (one past its expiry shows as ended). */
    public Optional<RescueActivation> status(String host) {
        Instant now = now();
        return db.read(h -> {
            hosts.require(h, host);
            return store.latest(h, host).map(s -> s.activation().live(now) ? s.activation() : s.activation().end(now, "expired"));
        });
    }

    /** An ended activation and, when one was asked for, the reboot out of rescue. */
    public record Ended(RescueActivation activation, Reboot reboot, Optional<Reboots.Outcome> rebooted) {}

    /**
     * Ends the host's live activation, puts back the boot mode it had before and, with a {@code reboot},
     * reboots the host out of rescue (refused before anything changes when that reboot cannot work).
     */
    public Ended end(String host, Reboot reboot, String actor) {
        reboots.check(host, reboot);
        java.util.OptionalLong agent = rescueAgent(host);
        RescueActivation e = end(host, actor);
        if (reboot == Reboot.NONE) return new Ended(e, reboot, Optional.empty());
        String leaving = "leaving rescue activation " + e.id() + " (its own system boots)";
        hold(host, LEAVE_HOLD, leaving, "", actor);
        Reboots.Outcome o = rebootFrom(host, agent, reboot, actor);
        if (!o.ok()) release(host, leaving, actor);
        Instant at = now();
        db.inWriteTransaction(h -> {
            events.append(h, Event.of(at, host, o.ok() ? "rescue.rebooted" : "rescue.reboot-failed", actor,
                    "out of ended activation " + e.id() + ", reboot " + reboot.word() + ": " + o.detail()
                            + (o.ok() ? "" : "; reboot " + host + " by hand to leave the rescue system")));
            return null;
        });
        return new Ended(e, reboot, Optional.of(o));
    }

    /**
     * Ends the host's live activation and puts back the boot state it had before (with its expiry, and
     * a once with what follows it), unless someone set another boot mode during the activation: that
     * choice is newer than the one from before, so it stays.
     */
    public RescueActivation end(String host, String actor) {
        Instant now = now();
        RescueActivation ended = db.inWriteTransaction(h -> {
            BootState current = hosts.require(h, host).boot();
            RescueStore.Stored s = store.latest(h, host).filter(x -> x.activation().live(now))
                    .orElseThrow(() -> new NotFoundException(host + " has no live rescue activation"));
            RescueActivation e = end(h, s.activation(), now, "ended by " + actor, actor);
            boolean ours = current.mode() instanceof BootMode.Rescue r && r.profile().isEmpty()
                    && current.expiresAt().equals(Optional.of(s.activation().expiresAt()));
            if (ours) {
                bootModes.restore(h, host, s.previous(), now, actor, " as rescue activation " + e.id() + " ended");
            } else {
                events.append(h, Event.of(now, host, "boot.mode", actor, "mode " + current + " kept: it was set during rescue activation "
                        + e.id() + ", after the mode it would have put back (" + s.previous() + ")"));
            }
            return e;
        });
        bootModes.committed(host);
        agentGone(host);
        return ended;
    }

    private RescueActivation end(Handle h, RescueActivation a, Instant now, String reason, String actor) {
        RescueActivation e = a.end(now, reason);
        store.update(h, e);
        events.append(h, Event.of(now, a.host(), "rescue.ended", actor, "activation " + a.id() + ": " + e.endReason()));
        return e;
    }

    /** {@code known_hosts} lines for the host keys the ready rescue system reported, under the host's name and addresses. */
    public String knownHosts(String host) {
        Instant now = now();
        return db.read(h -> {
            var x = hosts.require(h, host);
            RescueActivation a = store.latest(h, host).map(RescueStore.Stored::activation).filter(s -> s.live(now))
                    .orElseThrow(() -> new NotFoundException(host + " has no live rescue activation"));
            if (a.state() != RescueActivation.State.READY) throw new RescueConflict(host + "'s rescue system has not reported ready yet (state " + a.state().word() + ")");
            List<String> names = new ArrayList<>(List.of(x.name()));
            x.expectedIps().forEach(ip -> names.add(IpAddresses.format(ip)));
            return KnownHosts.lines(names, a.hostKeys());
        });
    }

    /**
     * The booted rescue system fetches its settings with its per-boot token. The first fetch of a boot
     * makes the activation booted and makes that boot the one that speaks for it (host keys reported by
     * an earlier boot are gone); the same boot fetching again changes nothing; a token of an earlier
     * boot is refused, so an old token seen on the wire cannot reset the activation.
     */
    public Settings settings(String token, String from) {
        Instant now = now();
        Settings settings = db.inWriteTransaction(h -> {
            Claim c = claim(h, token, now);
            RescueStore.Stored s = c.stored();
            if (c.currentBoot()) return settings(s, s.activation());
            if (s.boot().isPresent() && !c.issued().issuedAt().isAfter(s.boot().get().issuedAt())) {
                throw new RescueTokenRefused("this token belongs to an earlier boot of the rescue system");
            }
            tokens.redeem(h, token, now);
            RescueActivation b = s.activation().booted(now);
            store.update(h, b);
            store.booted(h, b.id(), new RescueStore.Boot(c.hash(), c.issued().issuedAt()));
            // the boot's token speaks for the activation as long as it lasts, past the usual token lifetime
            tokens.extend(h, token, b.expiresAt());
            events.append(h, Event.of(now, b.host(), "rescue.booted", "rescue", "activation " + b.id() + " fetched its settings from " + from));
            return settings(s, b);
        });
        agents.remove(settings.host()); // its agent starts with the activation's key: read afresh
        return settings;
    }

    private Settings settings(RescueStore.Stored s, RescueActivation a) {
        return new Settings(a.host(), a.id(), a.expiresAt(), a.sshKeys(), s.passwordHash(), system.heartbeatPort().get());
    }

    /**
     * Whether the token still speaks for a live activation (the running rescue system asks every few
     * seconds and removes its credentials when refused). Read only: refused with {@link RescueTokenRefused}.
     */
    public RescueActivation alive(String token) {
        Instant now = now();
        return db.read(h -> currentBoot(h, token, now).stored().activation());
    }

    /** Who a per-boot token speaks for: the host, its live activation and the boot (its token's hash) that runs the rescue system. */
    public record Speaker(String host, long activation, String boot) {}

    /**
     * The running rescue system a token belongs to (the boot that fetched the activation's settings),
     * for channels beside this one (the job channel); refused as {@code /rescue/alive} refuses. Read only.
     */
    public Speaker speaker(String token) {
        Instant now = now();
        return db.read(h -> {
            Claim c = currentBoot(h, token, now);
            return new Speaker(c.stored().activation().host(), c.stored().activation().id(), c.hash());
        });
    }

    /** Whether {@code boot} is still the running rescue system of the live activation {@code activation} of {@code host}. */
    public boolean stillRunning(String host, long activation, String boot) {
        Instant now = now();
        return db.read(h -> store.latest(h, host).filter(s -> s.activation().id() == activation && s.activation().live(now))
                .flatMap(RescueStore.Stored::boot).map(b -> b.tokenHash().equals(boot)).orElse(false));
    }

    /**
     * The agent's configuration for the token's host: heartbeats and network SysRq from the rescue
     * system, with the activation's own key (never the installed system's).
     */
    public String agentConfig(String token) {
        Instant now = now();
        RescueActivation a = db.read(h -> currentBoot(h, token, now).stored().activation());
        return system.agentConfig().apply(a.host(), a.id());
    }

    /** While a reboot out of rescue runs: the activation that just ended still names the agent's key. */
    private record Leaving(String host, long activation) {}

    private static final ScopedValue<Leaving> LEAVING = ScopedValue.newInstance();
    private static final Duration AGENT_CACHE = Duration.ofSeconds(30);
    private record Agent(java.util.OptionalLong activation, Instant expires, Instant checkedAt) {}
    private final java.util.concurrent.ConcurrentMap<String, Agent> agents = new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * The activation whose rescue system {@code host} runs now (live, its system booted), whose key its
     * agent holds: the watchdog checks heartbeats and SysRq signs requests with it. Asked per heartbeat,
     * so answers are cached; every change this service makes updates the cache at once, and what it does
     * not see (a host removed) is read again within 30 s.
     */
    public java.util.OptionalLong rescueAgent(String host) {
        if (LEAVING.isBound() && LEAVING.get().host().equals(host)) return java.util.OptionalLong.of(LEAVING.get().activation());
        Instant now = now();
        Agent c = agents.get(host);
        if (c == null || !now.isBefore(c.checkedAt().plus(AGENT_CACHE)) || now.isBefore(c.checkedAt())) {
            c = db.read(h -> store.latest(h, host).map(RescueStore.Stored::activation)
                    .filter(a -> a.live(now) && (a.state() == RescueActivation.State.BOOTED || a.state() == RescueActivation.State.READY))
                    .map(a -> new Agent(java.util.OptionalLong.of(a.id()), a.expiresAt(), now))
                    .orElse(new Agent(java.util.OptionalLong.empty(), Instant.MAX, now)));
            agents.put(host, c);
        }
        return now.isBefore(c.expires()) ? c.activation() : java.util.OptionalLong.empty();
    }

    private void agentGone(String host) {
        agents.put(host, new Agent(java.util.OptionalLong.empty(), Instant.MAX, now()));
    }

    /** The rescue system reports its SSH host keys: once per boot, from the boot that fetched the settings, for its own host only. */
    public RescueActivation ready(String token, String report, String from) {
        Instant now = now();
        RescueActivation ready = db.inWriteTransaction(h -> {
            Claim c = currentBoot(h, token, now);
            HostKeyReport keys = HostKeyReport.parse(report); // the parser is only reached with a token that speaks for a boot
            RescueActivation r = c.stored().activation().ready(keys, now);
            store.update(h, r);
            events.append(h, Event.of(now, r.host(), "rescue.ready", "rescue", "activation " + r.id() + " reachable by ssh from " + from + "; host keys: "
                    + r.hostKeys().stream().map(k -> k.type() + " " + k.fingerprint()).collect(Collectors.joining(", "))));
            return r;
        });
        hold(ready.host(), READY_HOLD, "rescue activation " + ready.id() + " is ready, its agent not heard yet", booting(ready.id()), "rescue");
        return ready;
    }

    /**
     * Reboots a host whose agent may be a rescue system's holding an activation that has just ended
     * (replaced or ended for this reboot): SysRq signs this one reboot with that activation's key.
     */
    private Reboots.Outcome rebootFrom(String host, java.util.OptionalLong agent, Reboot how, String actor) {
        if (agent.isEmpty()) return reboots.reboot(host, how, actor);
        return ScopedValue.where(LEAVING, new Leaving(host, agent.getAsLong())).call(() -> reboots.reboot(host, how, actor));
    }

    private static String booting(long activation) {
        return "rescue activation " + activation + " is booting";
    }

    /** The ladder's hold is a courtesy: a watchdog that cannot take it must not stop a rescue. */
    private void hold(String host, Duration d, String reason, String replaces, String actor) {
        try {
            system.ladder().hold(host, d, reason, replaces, actor);
        } catch (RuntimeException e) {
            log.warn("could not hold the watchdog's ladder for {} ({}): {}", host, reason, e.toString());
        }
    }

    private void release(String host, String reason, String actor) {
        try {
            system.ladder().release(host, reason, actor);
        } catch (RuntimeException e) {
            log.warn("could not release the watchdog's ladder for {} ({}): {}", host, reason, e.toString());
        }
    }

    /** A per-boot token's claim on its host's live activation, and whether it is the boot that speaks for it. */
    private record Claim(RescueStore.Stored stored, TokenStore.Issued issued, String hash) {
        boolean currentBoot() {
            return stored.boot().map(b -> b.tokenHash().equals(hash)).orElse(false);
        }
    }

    /** The live activation a per-boot token speaks for: issued for the rescue profile, to its host, during the activation. Read only. */
    private Claim claim(Handle h, String token, Instant now) {
        if (token == null || token.isBlank() || token.length() > 128) throw new RescueTokenRefused("unknown or expired token");
        TokenStore.Issued t = tokens.find(h, token, now).orElseThrow(() -> new RescueTokenRefused("unknown or expired token"));
        if (!t.profile().equals(rescueProfile)) throw new RescueTokenRefused("this token was not issued for the rescue system");
        RescueStore.Stored s = store.latest(h, t.host()).filter(x -> x.activation().live(now))
                .orElseThrow(() -> new RescueTokenRefused("no live rescue activation for this token"));
        if (t.issuedAt().isBefore(s.activation().activatedAt())) throw new RescueTokenRefused("this token belongs to a boot before the current activation");
        return new Claim(s, t, TokenStore.hash(token));
    }

    /** A claim by the boot that fetched the activation's settings (the running rescue system), and no other. */
    private Claim currentBoot(Handle h, String token, Instant now) {
        Claim c = claim(h, token, now);
        if (c.stored().boot().isEmpty()) throw new RescueConflict("the rescue system has not fetched its settings yet");
        if (!c.currentBoot()) throw new RescueTokenRefused("this token does not belong to the boot that fetched the activation's settings");
        return c;
    }
}
