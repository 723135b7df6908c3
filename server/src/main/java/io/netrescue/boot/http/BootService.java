package io.netrescue.boot.http;

import io.netrescue.boot.BootDecider;
import io.netrescue.boot.BootDecision;
import io.netrescue.boot.BootDecision.Action;
import io.netrescue.boot.BootFormat;
import io.netrescue.boot.BootRequest;
import io.netrescue.boot.GrubConfigs;
import io.netrescue.boot.PxelinuxConfigs;
import io.netrescue.boot.CmdlineTemplate;
import io.netrescue.boot.IpxeScripts;
import io.netrescue.boot.Profile;
import io.netrescue.inventory.IpAddresses;
import io.netrescue.inventory.Printable;
import io.netrescue.store.Database;
import io.netrescue.store.Event;
import io.netrescue.store.EventStore;
import io.netrescue.store.GroupCommitWriter;
import io.netrescue.store.HostStore;
import io.netrescue.store.InventoryCache;
import io.netrescue.store.TokenStore;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.jdbi.v3.core.Handle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns a boot request into an iPXE script: decide (pure), apply the decision's state change with
 * compare-and-set, write the audit event durably, render. Never throws: any failure renders a
 * local-boot script, because a 500 leaves a machine retrying in a loop instead of booting its disk.
 */
public final class BootService {
    private static final Logger log = LoggerFactory.getLogger(BootService.class);
    private static final int ATTEMPTS = 8;

    private final Database db;
    private final HostStore hosts;
    private final InventoryCache inventory;
    private final EventStore events;
    private final TokenStore tokens;
    private final GroupCommitWriter writer;
    private final BootDecider decider;
    private final Clock clock;
    private final Duration tokenTtl;
    private final NoiseLimiter noiseLimiter = new NoiseLimiter();
    private final boolean auditSync;
    private final SecureRandom random = new SecureRandom();
    private volatile java.util.function.BiConsumer<java.net.InetAddress, String> hostSeen = (a, h) -> {};

    /** Told the address each identified host was served from (e.g. to file its netconsole lines). */
    public void onHostSeen(java.util.function.BiConsumer<java.net.InetAddress, String> listener) {
        this.hostSeen = listener;
    }

    /**
     * @param auditSync when true, a decision that changes no state is answered only after its audit
     *     event is on disk; when false it is answered at once and the event follows in the next group
     *     commit (milliseconds later). Decisions that change state are always durable first.
     */
    public BootService(Database db, HostStore hosts, InventoryCache inventory, EventStore events, TokenStore tokens,
                       GroupCommitWriter writer, BootDecider decider, Clock clock, Duration tokenTtl, boolean auditSync) {
        this.db = db;
        this.hosts = hosts;
        this.inventory = inventory;
        this.auditSync = auditSync;
        this.events = events;
        this.tokens = tokens;
        this.writer = writer;
        this.decider = decider;
        this.clock = clock;
        this.tokenTtl = tokenTtl;
    }

    public String bootstrap(String baseUrl) {
        return IpxeScripts.bootstrap(baseUrl);
    }

    public String decide(BootRequest.Parse req, String baseUrl) {
        return decide(req, baseUrl, BootFormat.IPXE);
    }

    /**
     * Decides and renders for {@code format}. {@code baseUrl} is how the booted system reaches our HTTP
     * server (the {@code {server}} variable, and asset URLs in iPXE scripts).
     */
    public String decide(BootRequest.Parse req, String baseUrl, BootFormat format) {
        try {
            for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
                Instant now = clock.instant();
                BootDecision d = loadable(decider.decide(req, inventory, now), format);
                Optional<String> token = needsToken(d) ? Optional.of(newToken()) : Optional.empty();
                if (!apply(d, req, token, now, format)) continue; // someone else changed the host first: decide again on fresh data
                return render(d, req, baseUrl, token, format);
            }
            return failSafe(req, "host changed too often while deciding", null, format);
        } catch (Exception e) {
            if (e instanceof InterruptedException) Thread.currentThread().interrupt();
            return failSafe(req, "internal error", e, format);
        }
    }

    /**
     * A decision made and rendered but not applied yet: {@link #apply()} records it (spends a once,
     * issues the token, audits), once, returning false when the host changed meanwhile (then nothing
     * was applied; the answer given was stale).
     */
    public record Pending(String text, java.util.function.BooleanSupplier applier) {
        public boolean apply() {
            return applier.getAsBoolean();
        }
    }

    /**
     * Decides and renders without applying, for requests whose source address is not proven yet: a TFTP
     * read request is one UDP packet, whose source anyone can forge, so the configuration is served at
     * once and the decision applied only when the client acknowledges what it was sent (issue 15: one
     * forged packet spent another host's once). A failure renders the local boot and applies nothing.
     */
    public Pending decideUnproven(BootRequest.Parse req, String baseUrl, BootFormat format) {
        try {
            Instant now = clock.instant();
            BootDecision d = loadable(decider.decide(req, inventory, now), format);
            Optional<String> token = needsToken(d) ? Optional.of(newToken()) : Optional.empty();
            String text = render(d, req, baseUrl, token, format);
            java.util.concurrent.atomic.AtomicBoolean once = new java.util.concurrent.atomic.AtomicBoolean();
            return new Pending(text, () -> {
                if (!once.compareAndSet(false, true)) return true;
                try {
                    boolean won = apply(d, req, token, now, format);
                    if (!won) log.atWarn().addKeyValue("host", d.host().orElse("-")).addKeyValue("source", IpAddresses.format(req.source()))
                            .log("boot decision served but not applied: the host's boot mode changed before the client acknowledged it");
                    return won;
                } catch (Exception e) {
                    if (e instanceof InterruptedException) Thread.currentThread().interrupt();
                    log.atError().addKeyValue("source", IpAddresses.format(req.source())).addKeyValue("error", e.toString()).log("boot decision not applied");
                    return false;
                }
            });
        } catch (Exception e) {
            if (e instanceof InterruptedException) Thread.currentThread().interrupt();
            return new Pending(failSafe(req, "internal error", e, format), () -> true);
        }
    }

    /** Records decision {@code d}: the boot mode's transition (compare-and-set), the token, the audit; false when the host changed first. */
    private boolean apply(BootDecision d, BootRequest.Parse req, Optional<String> token, Instant now, BootFormat format) throws Exception {
        Event ev = event(d, req, now, format);
        if (d.transition().isPresent()) {
            var t = d.transition().get();
            boolean won = db.inWriteTransaction(h -> {
                if (!hosts.compareAndSetBoot(h, t.host(), t.expectedVersion(), t.next(), now)) return false;
                events.append(h, ev);
                events.append(h, Event.of(now, t.host(), "boot.mode", "boot", t.why() + "; now " + t.next()));
                token.ifPresent(tk -> issue(h, tk, d, now));
                return true;
            });
            inventory.refreshHost(t.host()); // won or lost, the cache now has what the database has
            if (!won) return false;
        } else {
            // unknown machines and refused requests need no credentials to cause: recorded one by one up to a
            // rate, to the audit journal (bounded by its retention) like routine decisions, the rest summarised
            boolean noise = d.verdict() == BootDecision.Verdict.UNKNOWN || d.verdict() == BootDecision.Verdict.REFUSED;
            List<Event> evs = List.of(ev);
            if (noise) {
                NoiseLimiter.Verdict v = noiseLimiter.admit(IpAddresses.format(req.source()), now);
                evs = !v.record() ? List.of() : v.suppressedBefore() == 0 ? List.of(ev) : List.of(Event.of(now, null, "boot.suppressed", "boot",
                        v.suppressedBefore() + " unknown or refused boot requests from " + v.sources() + " source(s) were not recorded one by one"
                                + " (more than " + NoiseLimiter.PER_SOURCE + " a minute from one source, or " + NoiseLimiter.OVERALL + " from all)"), ev);
            }
            boolean routine = token.isEmpty() && (d.verdict() == BootDecision.Verdict.SERVED || noise);
            boolean wait = auditSync || !routine;
            java.util.function.Consumer<Handle> dbWrite = d.verdict() != BootDecision.Verdict.UNKNOWN && token.isEmpty() ? null : h -> {
                if (d.verdict() == BootDecision.Verdict.UNKNOWN) {
                    events.sawUnknown(h, d.mac().orElseThrow().toString(), uuidText(req).orElse(null),
                            Printable.clip(req.reported().ip()), Printable.clip(req.reported().arch()), now);
                }
                token.ifPresent(tk -> issue(h, tk, d, now));
            };
            if (!evs.isEmpty() || dbWrite != null) {
                var written = writer.submit(evs, dbWrite, wait, routine);
                // A token must exist before the booted system can present it. Routine decisions (and the noise
                // of unknown and refused requests) follow in the next group commit.
                if (wait || written.isDone()) written.get(10, TimeUnit.SECONDS);
            }
        }
        (d.verdict() == BootDecision.Verdict.SERVED ? log.atDebug() : log.atInfo()).addKeyValue("host", d.host().orElse("-")).addKeyValue("mac", d.mac().map(Object::toString).orElse("-"))
                .addKeyValue("source", IpAddresses.format(req.source())).addKeyValue("verdict", d.verdict())
                .addKeyValue("decision", decisionText(d, format)).addKeyValue("reason", d.reason()).log("boot decision");
        if (d.host().isPresent() && (d.verdict() == BootDecision.Verdict.SERVED || d.verdict() == BootDecision.Verdict.EXPIRED)) {
            seen(req, d.host().get());
        }
        return true;
    }

    /** Behind a configured NAT the machine's own address is the one it reported (the decider checked it). */
    private void seen(BootRequest.Parse p, String host) {
        if (!(p instanceof BootRequest.Parsed ok)) return; // only parsed requests identify a host
        BootRequest req = ok.request();
        Optional<java.net.InetAddress> a = decider.policy().isNatSource(req.source()) ? req.ip() : Optional.of(req.source());
        try {
            a.ifPresent(x -> hostSeen.accept(x, host)); // none reported behind the NAT: nothing to record
        } catch (RuntimeException e) {
            // a listener's failure must not change the machine's answer
        }
    }

    private String failSafe(BootRequest.Parse req, String why, Exception e, BootFormat format) {
        log.atError().addKeyValue("mac", Printable.clip(req.reported().mac())).addKeyValue("source", IpAddresses.format(req.source()))
                .addKeyValue("error", e == null ? why : e.toString()).log("boot decision failed; serving local boot");
        try {
            Event ev = new Event(0, clock.instant(), Optional.empty(), "boot.error", "boot", Optional.of(Printable.clip(req.reported().mac())),
                    Optional.of(Printable.clip(req.reported().ip())), Optional.of(IpAddresses.format(req.source())), Optional.of("local" + via(format)),
                    Optional.of(why + (e == null ? "" : ": " + e)));
            writer.submit(List.of(ev), null, false, false); // best effort: the store may be what is broken
        } catch (RuntimeException ignored) {
            // nothing more we can do; the log line above has it
        }
        return local("this machine", why, format);
    }

    /**
     * A profile the loader cannot fetch (https for PXELINUX or GRUB) is refused before any state changes,
     * so a once-boot is not spent on a machine that then boots its disk.
     */
    private static BootDecision loadable(BootDecision d, BootFormat format) {
        if (d.action() instanceof Action.NetBoot nb) {
            Profile p = nb.profile();
            Optional<String> bad = java.util.stream.Stream.concat(java.util.stream.Stream.of(p.kernel()), p.initrds().stream())
                    .filter(src -> !format.canLoad(src)).findFirst();
            if (bad.isPresent()) {
                return BootDecision.local(BootDecision.Verdict.REFUSED, "profile " + p.name() + " needs " + bad.get() + ", which "
                        + format.name().toLowerCase(java.util.Locale.ROOT) + " cannot fetch", d.host(), d.mac());
            }
        }
        return d;
    }

    private String local(String who, String why, BootFormat format) {
        return switch (format) {
            case IPXE -> IpxeScripts.local(who, why, decider.policy().localBoot());
            case PXELINUX -> PxelinuxConfigs.local(who, why);
            case GRUB -> GrubConfigs.local(who, why);
        };
    }

    private static String via(BootFormat format) {
        return format == BootFormat.IPXE ? "" : " via " + format.name().toLowerCase(java.util.Locale.ROOT);
    }

    private static boolean needsToken(BootDecision d) {
        return d.action() instanceof Action.NetBoot nb && d.host().isPresent() && nb.profile().cmdline().contains("{token}");
    }

    private String newToken() {
        return newToken(random);
    }

    /** A per-boot token as {@link #report} accepts it: 48 hex digits. */
    public static String newToken(SecureRandom random) {
        byte[] b = new byte[24];
        random.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    private void issue(Handle h, String token, BootDecision d, Instant now) {
        Action.NetBoot nb = (Action.NetBoot) d.action();
        tokens.issue(h, token, d.host().orElseThrow(), nb.profile().name(), now, now.plus(tokenTtl));
    }

    /** The UUID as parsed (placeholders too); none for a rejected request. */
    private static Optional<String> uuidText(BootRequest.Parse req) {
        return req instanceof BootRequest.Parsed ok ? ok.request().uuid().map(Object::toString) : Optional.empty();
    }

    static String decisionText(BootDecision d, BootFormat format) {
        return switch (d.action()) {
            case Action.Local l -> "local";
            case Action.NetBoot nb -> "netboot " + nb.profile().name();
        } + via(format);
    }

    private static Event event(BootDecision d, BootRequest.Parse req, Instant now, BootFormat format) {
        String kind = "boot." + d.verdict().name().toLowerCase(java.util.Locale.ROOT);
        return new Event(0, now, d.host(), kind, "boot", Optional.of(d.mac().map(Object::toString).orElse(Printable.clip(req.reported().mac()))),
                Optional.of(Printable.clip(req.reported().ip())), Optional.of(IpAddresses.format(req.source())),
                Optional.of(decisionText(d, format)), Optional.of(d.reason()));
    }

    private String render(BootDecision d, BootRequest.Parse req, String baseUrl, Optional<String> token, BootFormat format) {
        String who = d.host().orElse(d.mac().map(Object::toString).orElse("this machine"));
        return switch (d.action()) {
            case Action.Local l -> local(who, d.reason(), format);
            case Action.NetBoot nb -> {
                Profile p = nb.profile();
                // {ip} is the text the machine sent (what it calls itself), when it looks like an address
                String ip = req.reported().ip();
                String cmdline = cmdline(p, d.host().orElse(""), d.mac().map(Object::toString).orElse(""),
                        ip.matches("[0-9a-fA-F.:]{1,45}") ? ip : "", uuidText(req).orElse(""), baseUrl, token.orElse(""));
                yield switch (format) {
                    case IPXE -> {
                        List<String> initrds = new ArrayList<>();
                        for (String i : p.initrds()) initrds.add(assetUrl(baseUrl, i));
                        yield IpxeScripts.netboot(who, p.name(), assetUrl(baseUrl, p.kernel()), initrds, cmdline, "efi".equals(req.reported().platform()));
                    }
                    case PXELINUX, GRUB -> {
                        yield format == BootFormat.PXELINUX
                                ? PxelinuxConfigs.netboot(who, p.name(), p.kernel(), p.initrds(), cmdline)
                                : GrubConfigs.netboot(who, p.name(), p.kernel(), p.initrds(), cmdline);
                    }
                };
            }
        };
    }

    /** A profile's command line for one boot, its variables filled in (also for kexec trials, which boot no loader). */
    public static String cmdline(Profile p, String host, String mac, String ip, String uuid, String baseUrl, String token) {
        Map<String, String> vars = new HashMap<>();
        vars.put("host", host);
        vars.put("mac", mac);
        vars.put("ip", ip);
        vars.put("uuid", uuid);
        vars.put("server", baseUrl);
        vars.put("token", token);
        vars.put("profile", p.name());
        return CmdlineTemplate.render(p.cmdline(), vars);
    }

    public static String assetUrl(String baseUrl, String source) {
        return Profile.isUrl(source) ? source : baseUrl + "/assets/" + source;
    }

    /** A booted system reports with its per-boot token; the report lands on the host's timeline. */
    public Optional<String> report(String token, String status, String source) {
        if (token == null || !token.matches("[0-9a-f]{48}")) return Optional.empty();
        String st = status == null || status.isBlank() ? "booted" : Printable.clip(status);
        Instant now = clock.instant();
        return db.inWriteTransaction(h -> tokens.find(h, token, now).flatMap(t -> {
            // once per boot, and from the host's own address when it has expected ones: a token seen on the
            // wire (or a booted system's old one) must not pass a kernel trial or speak for another boot
            Optional<String> refusal = t.usedAt().isPresent() ? Optional.of("its token was used already at " + t.usedAt().get())
                    : hosts.get(h, t.host()).map(x -> x.expectedIps()).filter(ips -> !ips.isEmpty()
                            && ips.stream().noneMatch(ip -> ip.getHostAddress().equals(source)))
                    .map(ips -> "from " + source + ", not one of its addresses");
            if (refusal.isPresent()) {
                events.append(h, new Event(0, now, Optional.of(t.host()), "boot.report-refused", "host:" + source, Optional.empty(),
                        Optional.empty(), Optional.of(source), Optional.of(st), Optional.of("profile " + t.profile() + ": " + refusal.get())));
                return Optional.<String>empty();
            }
            tokens.redeem(h, token, now);
            events.append(h, new Event(0, now, Optional.of(t.host()), "boot.report", "host:" + source, Optional.empty(),
                    Optional.empty(), Optional.of(source), Optional.of(st), Optional.of("profile " + t.profile() + " reported " + st
                            + " (token issued " + t.issuedAt() + ")")));
            return Optional.of(t.host());
        }));
    }
}
