package io.netrescue.sysrq.client;

import io.netrescue.inventory.InvalidInputException;
import io.netrescue.inventory.IpAddresses;
import io.netrescue.secrets.MasterKey;
import io.netrescue.store.Database;
import io.netrescue.store.Event;
import io.netrescue.store.EventStore;
import io.netrescue.store.NotFoundException;
import io.netrescue.sysrq.HostKeys;
import io.netrescue.sysrq.SysrqKeys;
import io.netrescue.sysrq.SysrqMessage;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends SysRq keys to a host in its dialect and records every step on the host's timeline:
 * {@code sysrq.requested} (durable before anything is sent, with the sequence number), then
 * {@code sysrq.acknowledged} / {@code sysrq.refused} / {@code sysrq.no-ack} (agent) or
 * {@code sysrq.sent} (xt_SYSRQ, which never answers), and for a reboot, {@code sysrq.confirmed}
 * when the host asks {@code /boot.ipxe} again, or {@code sysrq.unconfirmed}.
 */
public final class SysrqService {
    private static final Logger log = LoggerFactory.getLogger(SysrqService.class);

    private final Database db;
    private final SysrqStore store;
    private final EventStore events;
    private final MasterKey master;
    private final Clock clock;
    private final RateLimiter limiter;
    private final AgentSender agentSender = new AgentSender();
    private final XtSender xtSender = new XtSender();
    private final SecureRandom random = new SecureRandom();
    private final Duration agentTimeout;
    private final io.netrescue.store.HostStore hostStore;

    public SysrqService(Database db, SysrqStore store, EventStore events, MasterKey master, Clock clock, RateLimiter limiter,
                        Duration agentTimeout) {
        this.db = db;
        this.store = store;
        this.events = events;
        this.master = master;
        this.clock = clock;
        this.limiter = limiter;
        this.agentTimeout = agentTimeout;
        this.hostStore = new io.netrescue.store.HostStore(db);
    }

    /** What an operator asked for and what we saw. */
    public record Outcome(String host, String via, String keys, long seq, SysrqResult result, String detail, Integer executed,
                          String confirmation) {}

    public Outcome trigger(String host, SysrqKeys keys, Optional<SysrqConfig.Dialect> via, int pauseMillis,
                           Duration confirmWithin, String actor) {
        SysrqConfig c = config(host);
        SysrqConfig.Dialect d = via.orElse(c.dialect());
        if (!keys.allowedBy(c.allowedKeys())) {
            throw new InvalidInputException("keys '" + keys + "' are not allowed for " + host + " (allowed: " + c.allowedKeys() + ")");
        }
        if (d == SysrqConfig.Dialect.XT && c.sealedPassword().isEmpty()) {
            throw new InvalidInputException(host + " has no xt_SYSRQ password set (netrescue host sysrq " + host + " --password-file F)");
        }
        Instant now = clock.instant();
        Duration wait = limiter.tryAcquire(host, now);
        if (!wait.isZero()) {
            db.inWriteTransaction(h -> {
                events.append(h, Event.of(now, host, "sysrq.rate-limited", actor, "keys " + keys + " via " + d.word()));
                return null;
            });
            throw new RateLimitedException("too many SysRq requests for " + host + "; next allowed in " + (wait.toSeconds() + 1) + " s");
        }
        long lastEvent = events.lastId();
        long seq = db.inWriteTransaction(h -> {
            long s = store.nextSeq(h, host, now);
            events.append(h, Event.of(now, host, "sysrq.requested", actor, "keys " + keys + " via " + d.word() + " seq " + s));
            return s;
        });
        Outcome o;
        try {
            o = switch (d) {
                case AGENT -> viaAgent(host, c, keys, seq, pauseMillis);
                case XT -> viaXt(host, c, keys, seq);
            };
        } catch (IOException e) {
            o = new Outcome(host, d.word(), keys.keys(), seq, SysrqResult.FAILED, "could not send: " + e.getMessage(), null, null);
        }
        Outcome done = o;
        db.inWriteTransaction(h -> {
            events.append(h, new Event(0, clock.instant(), Optional.of(host), "sysrq." + done.result().wireName(), actor, Optional.empty(),
                    Optional.empty(), Optional.of(IpAddresses.format(c.address())), Optional.of(done.via() + " " + done.keys()),
                    Optional.of(done.detail())));
            return null;
        });
        if (keys.endsKernel() && keys.keys().endsWith("b") && !confirmWithin.isZero() && done.result().mayHaveRun()) {
            Instant sent = clock.instant();
            Thread.ofVirtual().name("sysrq-confirm-" + host).start(() -> confirm(host, lastEvent, sent, confirmWithin, actor));
            return new Outcome(o.host(), o.via(), o.keys(), o.seq(), o.result(), o.detail(), o.executed(),
                    "watching for " + host + "'s next boot request for " + confirmWithin.toSeconds() + " s (event sysrq.confirmed)");
        }
        return o;
    }

    private Outcome viaAgent(String host, SysrqConfig c, SysrqKeys keys, long seq, int pauseMillis) throws IOException {
        SysrqMessage.Request r = new SysrqMessage.Request(host, random.nextLong(), seq, clock.millis(), pauseMillis, keys);
        var res = agentSender.send(new InetSocketAddress(c.address(), c.agentPort()), r, agentKey(host), agentTimeout);
        if (res.ack().isEmpty()) {
            return new Outcome(host, "agent", keys.keys(), seq, SysrqResult.NO_ACK, "no acknowledgement after " + res.transmissions()
                    + " transmissions in " + agentTimeout.toSeconds() + " s", null, null);
        }
        SysrqMessage.Ack a = res.ack().get();
        SysrqResult result = a.status() == SysrqMessage.Status.REFUSED ? SysrqResult.REFUSED : SysrqResult.ACKNOWLEDGED;
        String skew = " (agent clock " + (a.agentTimeMillis() - r.timestampMillis()) + " ms from ours)";
        return new Outcome(host, "agent", keys.keys(), seq, result, a.detail() + ", " + a.executed() + " key(s) executed after "
                + res.transmissions() + " transmission(s)" + skew, a.executed(), null);
    }

    /** What a host's agent said to a kexec request. */
    public record KexecOutcome(long seq, KexecResult result, String detail) {}

    /**
     * Tells {@code host}'s agent to kexec into the manifest at {@code manifestUrl}, in the SysRq
     * sequence space (durable before sending, like every request); waits up to {@code timeout} for its
     * answer, which comes once the kernel is loaded. Result: loaded, refused or no-ack.
     */
    public KexecOutcome kexec(String host, String manifestUrl, byte[] manifestSha256, Duration timeout) {
        SysrqConfig c = config(host);
        long seq = db.inWriteTransaction(h -> store.nextSeq(h, host, clock.instant()));
        SysrqMessage.KexecRequest r = new SysrqMessage.KexecRequest(host, random.nextLong(), seq, clock.millis(), manifestUrl, manifestSha256);
        try {
            var res = agentSender.send(new InetSocketAddress(c.address(), c.agentPort()), r, agentKey(host), timeout);
            if (res.ack().isEmpty()) {
                return new KexecOutcome(seq, KexecResult.NO_ACK, "no answer from the agent at " + IpAddresses.format(c.address()) + ":" + c.agentPort()
                        + " after " + res.transmissions() + " transmissions in " + timeout.toSeconds() + " s");
            }
            SysrqMessage.Ack a = res.ack().get();
            return new KexecOutcome(seq, a.status() == SysrqMessage.Status.REFUSED ? KexecResult.REFUSED : KexecResult.LOADED, a.detail());
        } catch (IOException e) {
            return new KexecOutcome(seq, KexecResult.NO_ACK, "could not send: " + e.getMessage());
        }
    }

    private Outcome viaXt(String host, SysrqConfig c, SysrqKeys keys, long seq) throws IOException {
        byte[] password = master.open(c.sealedPassword().orElseThrow(), "xt:" + host);
        try {
            xtSender.send(new InetSocketAddress(c.address(), c.xtPort()), keys, seq, c.xtDestination(), password, c.xtHash());
        } finally {
            java.util.Arrays.fill(password, (byte) 0);
        }
        return new Outcome(host, "xt", keys.keys(), seq, SysrqResult.SENT, XtSender.COPIES + " copies of seq " + seq + " to " + IpAddresses.format(c.address())
                + ":" + c.xtPort() + " (xt_SYSRQ sends no acknowledgement)", null, null);
    }

    /** The kernel gives no feedback: a reboot shows when the host asks us for its next boot. */
    private void confirm(String host, long afterEvent, Instant sent, Duration within, String actor) {
        Instant deadline = sent.plus(within);
        try {
            while (clock.instant().isBefore(deadline)) {
                Optional<Event> boot = db.read(h -> events.recent(h, Optional.of(host), 50, afterEvent)).stream()
                        .filter(e -> e.kind().startsWith("boot.") && !e.kind().equals("boot.mode")).findFirst();
                if (boot.isPresent()) {
                    Duration after = Duration.between(sent, boot.get().at());
                    record(host, "sysrq.confirmed", actor, host + " asked for its next boot " + after.toMillis() / 1000.0
                            + " s after the request (" + boot.get().kind() + " from " + boot.get().sourceIp().orElse("?") + ")");
                    return;
                }
                Thread.sleep(1000);
            }
            record(host, "sysrq.unconfirmed", actor, "no boot request from " + host + " within " + within.toSeconds() + " s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            log.atWarn().addKeyValue("host", host).addKeyValue("error", e.toString()).log("reboot confirmation stopped");
        }
    }

    private void record(String host, String kind, String actor, String reason) {
        db.inWriteTransaction(h -> {
            events.append(h, Event.of(clock.instant(), host, kind, actor, reason));
            return null;
        });
    }

    public SysrqConfig config(String host) {
        return db.read(h -> store.get(h, host)).orElseThrow(() -> new NotFoundException(
                "host " + host + " has no SysRq settings (netrescue host sysrq " + host + " --dialect agent|xt --address IP)"));
    }

    public Optional<SysrqConfig> find(String host) {
        return db.read(h -> store.get(h, host));
    }

    /** Saves settings; a given password is sealed, an absent one keeps the stored one. */
    public SysrqConfig configure(String host, SysrqConfig c, Optional<byte[]> password, String actor) {
        Instant now = clock.instant();
        return db.inWriteTransaction(h -> {
            Optional<String> sealed = password.map(p -> master.seal(p, "xt:" + host))
                    .or(() -> store.get(h, host).flatMap(SysrqConfig::sealedPassword));
            SysrqConfig withPw = new SysrqConfig(c.dialect(), c.address(), c.agentPort(), c.xtPort(), c.hashAddress(), c.xtHash(),
                    sealed, c.allowedKeys());
            store.put(h, host, withPw, now);
            events.append(h, Event.of(now, host, "sysrq.configured", actor, "dialect " + c.dialect().word() + " address "
                    + IpAddresses.format(c.address()) + " allowed " + c.allowedKeys() + (password.isPresent() ? ", password changed" : "")));
            return withPw;
        });
    }

    public void remove(String host, String actor) {
        Instant now = clock.instant();
        db.inWriteTransaction(h -> {
            if (!store.remove(h, host)) throw new NotFoundException("host " + host + " has no SysRq settings");
            events.append(h, Event.of(now, host, "sysrq.removed", actor, null));
            return null;
        });
    }

    /**
     * The rescue system's agent configuration: the host's key, the keys its SysRq settings allow (or
     * {@code sub} when it has none); the rescue system adds where its heartbeats go.
     */
    public String rescueAgentConfig(String host, long activation) {
        return agentConfig(host, "'s rescue system (activation " + activation + ")", HostKeys.deriveRescue(master.bytes(), host, activation),
                SysrqDefaults.AGENT_LISTEN, find(host).map(SysrqConfig::allowedKeys).orElse("sub"), List.of(), "");
    }

    /**
     * Tells this service which hosts run a rescue system now (the live activation whose system booted):
     * their agent holds that activation's key, not the host's, so requests to it are signed with it.
     */
    public void rescueAgents(java.util.function.Function<String, java.util.OptionalLong> f) {
        this.rescueAgents = f;
    }

    private volatile java.util.function.Function<String, java.util.OptionalLong> rescueAgents = h -> java.util.OptionalLong.empty();

    /** The key {@code host}'s agent holds now: its rescue activation's while it runs the rescue system, else the host's. */
    private byte[] agentKey(String host) {
        java.util.OptionalLong rescue = rescueAgents.apply(host);
        return rescue.isPresent() ? HostKeys.deriveRescue(master.bytes(), host, rescue.getAsLong())
                : hostKey(host).orElseThrow(() -> new io.netrescue.store.NotFoundException("no host named " + host));
    }

    /** The installed system's agent key of {@code host} (this incarnation of it: its salt), if the host exists. */
    public Optional<byte[]> hostKey(String host) {
        return db.read(h -> hostStore.keySalt(h, host)).map(salt -> HostKeys.derive(master.bytes(), host, salt));
    }

    /**
     * The agent's configuration file for {@code host}, with its derived key (the master key never leaves).
     *
     * @param heartbeatTo the server's heartbeat address:port as the host reaches it ("" = no heartbeats)
     */
    public String agentConfig(String host, String listen, List<String> allowedSources, String heartbeatTo) {
        return agentConfig(host, listen, allowedSources, heartbeatTo, "", "");
    }

    /**
     * As above, with jobs on the installed system: {@code jobsUrl} the server's base URL as the host reaches
     * it and {@code allowedJobs} what the agent may run ({@code AllowedJobs}); both empty: no jobs.
     */
    public String agentConfig(String host, String listen, List<String> allowedSources, String heartbeatTo, String jobsUrl, String allowedJobs) {
        return agentConfig(host, " (keep it 0600: it holds this host's SysRq key)",
                hostKey(host).orElseThrow(() -> new io.netrescue.store.NotFoundException("no host named " + host)), listen,
                config(host).allowedKeys(), allowedSources, heartbeatTo)
                + (jobsUrl.isEmpty() ? "" : "jobs-url = " + jobsUrl + "\nallowed-jobs = " + allowedJobs + "\n");
    }

    private String agentConfig(String host, String note, byte[] key, String listen, String allowedKeys, List<String> allowedSources, String heartbeatTo) {
        return "# netrescue agent configuration for " + host + note + "\n"
                + "host = " + host + "\n"
                + "key = " + HexFormat.of().formatHex(key) + "\n"
                + "listen = " + listen + "\n"
                + "allowed-keys = " + allowedKeys + "\n"
                + "allowed-sources = " + String.join(",", allowedSources) + "\n"
                + "window-seconds = 30\n"
                + "allowed-kexec = false\n"
                + (heartbeatTo.isEmpty() ? "" : "heartbeat-to = " + heartbeatTo + "\nheartbeat-seconds = 5\n");
    }
}
