package io.netrescue.watchdog.server;

import io.netrescue.boot.Durations;
import io.netrescue.inventory.InvalidInputException;
import io.netrescue.watchdog.LadderPolicy;
import io.netrescue.watchdog.LadderStep;
import io.netrescue.watchdog.MaintenanceWindow;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * {@code [watchdog]}: how liveness is judged and what is done about a dead host.
 *
 * @param listen UDP address:port for agents' heartbeats ("" = none; hosts are then only probed)
 * @param interval the heartbeat interval agents are configured with (seeds each host's detector)
 * @param phi suspicion threshold of the phi accrual detector (8: one chance in 10^8 the host is merely late)
 * @param toleratedLosses consecutive heartbeats (or probes) that may be lost without suspicion: the
 *     detector's acceptable pause is this many intervals. 3 keeps a fleet at 1% random loss free of
 *     false suspicions (it takes 5 losses in a row, about 1 in 10^10 heartbeats)
 * @param downAfter how long a host stays suspect, with no probe answering, before it is down
 * @param window heartbeats whose clock differs from ours by more are refused (replay protection)
 * @param probe active probe for hosts that send no heartbeats: "tcp:PORT", "icmp", or "" for none
 * @param ladder false: detect and record, never act
 * @param handsOnUrl webhook the hands-on step POSTs to ("" = the timeline event is the request)
 * @param policy escalation ladders, first match by label selector wins; none = the built-in default
 */
public record WatchdogSettings(String listen, String interval, Double phi, String downAfter, String window, String probe,
                              String probeInterval, String probeTimeout, Boolean ladder, String handsOnUrl,
                              String handsOnSecretFile, String handsOnVerify, List<Policy> policy, Integer toleratedLosses) {

    public record Policy(String name, String selector, List<String> steps, Integer maxAttempts, String attemptWindow, Double backoff,
                         String cooldown, List<String> maintenance, String zone) {}

    public WatchdogSettings {
        listen = or(listen, "0.0.0.0:6100");
        interval = or(interval, "5s");
        phi = phi == null ? 8.0 : phi;
        downAfter = or(downAfter, "10s");
        window = or(window, "2m");
        probe = or(probe, "");
        probeInterval = or(probeInterval, "10s");
        probeTimeout = or(probeTimeout, "2s");
        ladder = ladder == null || ladder;
        handsOnUrl = or(handsOnUrl, "");
        handsOnSecretFile = or(handsOnSecretFile, "");
        handsOnVerify = or(handsOnVerify, "true");
        policy = policy == null ? List.of() : List.copyOf(policy);
        toleratedLosses = toleratedLosses == null ? 3 : toleratedLosses;
    }

    public static WatchdogSettings defaults() {
        return new WatchdogSettings(null, null, null, null, null, null, null, null, null, null, null, null, null, null);
    }

    public WatchdogSettings withListen(String l) {
        return new WatchdogSettings(l, interval, phi, downAfter, window, probe, probeInterval, probeTimeout, ladder, handsOnUrl,
                handsOnSecretFile, handsOnVerify, policy, toleratedLosses);
    }

    public WatchdogSettings withTiming(String interval, String downAfter, String probe, String probeInterval) {
        return new WatchdogSettings(listen, interval, phi, downAfter, window, probe, probeInterval, probeTimeout, ladder, handsOnUrl,
                handsOnSecretFile, handsOnVerify, policy, toleratedLosses);
    }

    public WatchdogSettings withPolicies(List<Policy> p) {
        return new WatchdogSettings(listen, interval, phi, downAfter, window, probe, probeInterval, probeTimeout, ladder, handsOnUrl,
                handsOnSecretFile, handsOnVerify, p, toleratedLosses);
    }

    public Optional<InetSocketAddress> listenAddress() {
        if (listen.isEmpty()) return Optional.empty();
        int c = listen.lastIndexOf(':');
        try {
            if (c <= 0) throw new IllegalArgumentException();
            return Optional.of(new InetSocketAddress(io.netrescue.inventory.IpAddresses.parse(listen.substring(0, c).replace("[", "").replace("]", "")),
                    Integer.parseInt(listen.substring(c + 1))));
        } catch (RuntimeException e) {
            throw new InvalidInputException("watchdog.listen must be address:port (or \"\" for none), not '" + listen + "'");
        }
    }

    public Duration intervalValue() {
        return duration("watchdog.interval", interval);
    }

    public Duration downAfterValue() {
        return duration("watchdog.down-after", downAfter);
    }

    public Duration windowValue() {
        return duration("watchdog.window", window);
    }

    public Duration probeIntervalValue() {
        return duration("watchdog.probe-interval", probeInterval);
    }

    public Duration probeTimeoutValue() {
        return duration("watchdog.probe-timeout", probeTimeout);
    }

    /** The probe as (kind, port): ("tcp", 22), ("icmp", 0), or empty. */
    public Optional<Probe> probeValue() {
        if (probe.isEmpty()) return Optional.empty();
        return Optional.of(Probe.parse(probe, "watchdog.probe"));
    }

    public record Probe(String kind, int port) {
        public static Probe parse(String s, String setting) {
            if (s.equals("icmp")) return new Probe("icmp", 0);
            if (s.matches("tcp:\\d{1,5}")) {
                int p = Integer.parseInt(s.substring(4));
                if (p >= 1 && p <= 65535) return new Probe("tcp", p);
            }
            throw new InvalidInputException(setting + " must be tcp:PORT or icmp, not '" + s + "'");
        }

        public String text() {
            return kind.equals("icmp") ? "icmp" : "tcp:" + port;
        }
    }

    /** The ladders, parsed; the built-in default when none is configured. */
    public List<LadderPolicy> policies() {
        if (policy.isEmpty()) return List.of(LadderPolicy.defaults());
        List<LadderPolicy> out = new ArrayList<>();
        for (int i = 0; i < policy.size(); i++) {
            Policy p = policy.get(i);
            String where = "watchdog.policy[" + i + "]" + (p.name() == null ? "" : " (" + p.name() + ")");
            try {
                if (p.steps() == null || p.steps().isEmpty()) throw new InvalidInputException("steps is required");
                LadderPolicy d = LadderPolicy.defaults();
                out.add(new LadderPolicy(p.name() == null ? "policy" + (i + 1) : p.name(), LadderPolicy.selector(p.selector()),
                        p.steps().stream().map(LadderStep::parse).toList(),
                        p.maxAttempts() == null ? d.maxAttempts() : p.maxAttempts(),
                        p.attemptWindow() == null ? d.attemptWindow() : Durations.parse(p.attemptWindow()),
                        p.backoff() == null ? d.backoff() : p.backoff(),
                        p.cooldown() == null ? d.cooldown() : p.cooldown().equals("0") ? Duration.ZERO : Durations.parse(p.cooldown()),
                        p.maintenance() == null ? List.of() : p.maintenance().stream().map(MaintenanceWindow::parse).toList(),
                        p.zone() == null ? ZoneId.of("UTC") : zone(p.zone())));
            } catch (InvalidInputException e) {
                throw new InvalidInputException(where + ": " + e.getMessage());
            }
        }
        return out;
    }

    private static ZoneId zone(String z) {
        try {
            return ZoneId.of(z);
        } catch (java.time.DateTimeException e) {
            throw new InvalidInputException("zone '" + z + "' is not a time zone (e.g. UTC, Europe/Berlin)");
        }
    }

    public WatchdogSettings validate() {
        listenAddress();
        if (intervalValue().toMillis() < 100) throw new InvalidInputException("watchdog.interval must be at least 100ms");
        downAfterValue();
        windowValue();
        probeValue();
        probeIntervalValue();
        probeTimeoutValue();
        if (phi < 1 || phi > 100) throw new InvalidInputException("watchdog.phi must be 1-100");
        if (toleratedLosses < 0 || toleratedLosses > 20) throw new InvalidInputException("watchdog.tolerated-losses must be 0-20");
        policies();
        if (!handsOnUrl.isEmpty() && !handsOnUrl.matches("https?://\\S+")) {
            throw new InvalidInputException("watchdog.hands-on-url must be an http(s) URL");
        }
        return this;
    }

    private static Duration duration(String setting, String v) {
        try {
            return Durations.parse(v);
        } catch (InvalidInputException e) {
            throw new InvalidInputException(setting + ": " + e.getMessage());
        }
    }

    private static String or(String v, String d) {
        return v == null ? d : v.strip();
    }
}
