package io.netrescue.boot;

import io.netrescue.boot.BootDecision.Action;
import io.netrescue.boot.BootDecision.Transition;
import io.netrescue.boot.BootDecision.Verdict;
import io.netrescue.inventory.IpAddresses;
import io.netrescue.inventory.MacAddress;
import io.netrescue.inventory.SmbiosUuid;
import java.net.InetAddress;
import java.time.Instant;
import java.util.Optional;

/**
 * Decides what a machine boots. Pure: reads through {@link BootInputs}, takes the time as an
 * argument, performs no effects. Every path that is not an explicit, checked network boot ends in a
 * local boot (fail safe). The rules are listed, with their reasons, in docs/boot.md.
 */
public final class BootDecider {
    private final BootPolicy policy;

    public BootDecider(BootPolicy policy) {
        this.policy = policy;
    }

    public BootPolicy policy() {
        return policy;
    }

    /** Rule 1: the machine must say who it is in a form we can parse ({@link BootRequest#parse}). */
    public BootDecision decide(BootRequest.Parse p, BootInputs in, Instant now) {
        return switch (p) {
            case BootRequest.Parsed ok -> decide(ok.request(), in, now);
            case BootRequest.Rejected r -> BootDecision.local(Verdict.REFUSED, "bad request: " + r.problem(), Optional.empty(), r.mac());
        };
    }

    public BootDecision decide(BootRequest req, BootInputs in, Instant now) {
        MacAddress mac = req.mac();
        Optional<SmbiosUuid> uuid = req.uuid().filter(u -> !u.isPlaceholder());
        Optional<InetAddress> reported = req.ip();

        // Rule 2: identify the machine by MAC, else by a real SMBIOS UUID (a replaced NIC).
        Optional<Host> byMac = in.hostByMac(mac);
        Optional<Host> found = byMac.isPresent() ? byMac : uuid.flatMap(in::hostByUuid);
        Optional<String> name = found.map(Host::name);

        // Rule 3: the reported address must be the one the request came from, unless it came through
        // a NAT we were told about. This stops a machine elsewhere from asking as its victim (and
        // learning its per-boot token). Checked after identification so the refusal is on the timeline.
        boolean viaNat = policy.isNatSource(req.source());
        if (!viaNat && (reported.isEmpty() || !reported.get().equals(req.source()))) {
            return refused("source address " + IpAddresses.format(req.source()) + " does not match reported ip "
                    + reported.map(IpAddresses::format).orElse("(none)"), name, mac);
        }
        Optional<InetAddress> effectiveIp = viaNat ? reported : Optional.of(req.source());

        if (found.isEmpty()) {
            return unknown(mac, in);
        }
        Host host = found.get();
        String via = byMac.isPresent() ? "" : " (identified by uuid " + uuid.orElseThrow() + ")";

        // Rule 4: a MAC seen in the wrong machine (UUID differs) is refused: a moved NIC or a spoof.
        if (byMac.isPresent() && host.uuid().isPresent() && uuid.isPresent() && !host.uuid().get().equals(uuid.get())) {
            return refused("uuid " + uuid.get() + " does not match the inventory's " + host.uuid().get(), name, mac);
        }
        // Rule 5: hosts with expected addresses must ask from one of them.
        if (!host.expectedIps().isEmpty()
                && (effectiveIp.isEmpty() || !host.expectedIps().contains(effectiveIp.get()))) {
            return refused("ip " + effectiveIp.map(IpAddresses::format).orElse("(none)") + " is not an expected address of " + host.name(), name, mac);
        }

        // Rule 6: an expired mode reverts to local, at this very request.
        BootState state = host.boot();
        if (state.expired(now)) {
            Transition t = new Transition(host.name(), host.version(), BootState.LOCAL, "mode " + state + " expired");
            return new BootDecision(Verdict.EXPIRED, new Action.Local(), "mode " + state.mode().kind() + " expired at "
                    + state.expiresAt().orElseThrow() + via, name, Optional.of(mac), Optional.of(t));
        }

        // Rule 7: the mode decides; a missing profile means local (and the once is not used up).
        BootMode mode = state.mode();
        String profileName = switch (mode) {
            case BootMode.Local l -> null;
            case BootMode.Rescue r -> r.profile().orElse(policy.rescueProfile());
            case BootMode.Persistent p -> p.profile();
            case BootMode.Once o -> o.profile();
        };
        if (profileName == null) {
            return BootDecision.local(Verdict.SERVED, "mode local" + via, name, Optional.of(mac));
        }
        Optional<Profile> profile = in.profile(profileName);
        if (profile.isEmpty()) {
            return BootDecision.local(Verdict.ERROR, "mode " + mode.kind() + " names profile " + profileName
                    + ", which does not exist" + via, name, Optional.of(mac));
        }
        Optional<Transition> t = mode instanceof BootMode.Once
                ? Optional.of(new Transition(host.name(), host.version(), state.next(now), "once " + profileName + " served"))
                : Optional.empty();
        return new BootDecision(Verdict.SERVED, new Action.NetBoot(profile.get(), mode),
                "mode " + mode.kind() + " profile " + profileName + via, name, Optional.of(mac), t);
    }

    private BootDecision unknown(MacAddress mac, BootInputs in) {
        if (policy.unknownMachines() == BootPolicy.UnknownMachines.RESCUE) {
            Optional<Profile> p = in.profile(policy.rescueProfile());
            if (p.isPresent()) {
                return new BootDecision(Verdict.UNKNOWN, new Action.NetBoot(p.get(), new BootMode.Rescue(Optional.empty())),
                        "machine not in inventory: rescue (policy)", Optional.empty(), Optional.of(mac), Optional.empty());
            }
            return BootDecision.local(Verdict.UNKNOWN, "machine not in inventory; rescue profile "
                    + policy.rescueProfile() + " does not exist", Optional.empty(), Optional.of(mac));
        }
        return BootDecision.local(Verdict.UNKNOWN, "machine not in inventory", Optional.empty(), Optional.of(mac));
    }

    private static BootDecision refused(String reason, Optional<String> host, MacAddress mac) {
        return BootDecision.local(Verdict.REFUSED, reason, host, Optional.of(mac));
    }
}
