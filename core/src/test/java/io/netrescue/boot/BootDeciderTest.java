package io.netrescue.boot;

import static org.assertj.core.api.Assertions.assertThat;

import io.netrescue.boot.BootDecision.Action;
import io.netrescue.boot.BootDecision.Verdict;
import io.netrescue.inventory.Cidr;
import io.netrescue.inventory.IpAddresses;
import io.netrescue.inventory.MacAddress;
import io.netrescue.inventory.SmbiosUuid;
import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** Each decision rule of docs/boot.md, with a fixed clock. */
class BootDeciderTest {
    static final Instant NOW = Instant.parse("2026-11-23T12:00:00Z");
    static final String MAC = "52:54:00:12:34:56";
    static final InetAddress SRC = IpAddresses.parse("10.0.0.5");
    static final Profile RESCUE = new Profile("rescue", "rescue/vmlinuz", List.of("rescue/initrd.gz"), "console=ttyS0");
    static final Profile TEST = new Profile("test-kernel", "test/vmlinuz", List.of(), "quiet");

    final BootDecider decider = new BootDecider(BootPolicy.DEFAULT);

    static Host host(BootState boot, List<String> ips, String uuid) {
        return new Host("web1", List.of(MacAddress.parse(MAC)), Optional.ofNullable(uuid).map(SmbiosUuid::parse),
                ips.stream().map(IpAddresses::parse).toList(), new TreeMap<>(), boot, 7);
    }

    static Host host(BootState boot) {
        return host(boot, List.of(), null);
    }

    static BootRequest.Parse req(String mac, String ip, InetAddress src) {
        return BootRequest.parse(mac, ip, "", "x86_64", "pcbios", src);
    }

    static BootRequest.Parse req() {
        return req(MAC, "10.0.0.5", SRC);
    }

    MapInputs inputs(Host h) {
        return new MapInputs().host(h).profile(RESCUE).profile(TEST);
    }

    @Test
    void localModeBootsLocalDisk() {
        BootDecision d = decider.decide(req(), inputs(host(BootState.LOCAL)), NOW);
        assertThat(d.action()).isInstanceOf(Action.Local.class);
        assertThat(d.verdict()).isEqualTo(Verdict.SERVED);
        assertThat(d.host()).contains("web1");
        assertThat(d.transition()).isEmpty();
    }

    @Test
    void rescueModeUsesThePolicyProfileUnlessTheHostNamesOne() {
        BootDecision d = decider.decide(req(), inputs(host(BootState.of(new BootMode.Rescue(Optional.empty()), Optional.empty()))), NOW);
        assertThat(((Action.NetBoot) d.action()).profile()).isEqualTo(RESCUE);
        d = decider.decide(req(), inputs(host(BootState.of(new BootMode.Rescue(Optional.of("test-kernel")), Optional.empty()))), NOW);
        assertThat(((Action.NetBoot) d.action()).profile()).isEqualTo(TEST);
    }

    @Test
    void persistentProfileIsServedEveryTimeWithoutStateChange() {
        BootDecision d = decider.decide(req(), inputs(host(BootState.of(new BootMode.Persistent("test-kernel"), Optional.empty()))), NOW);
        assertThat(d.netboot()).isTrue();
        assertThat(d.transition()).isEmpty();
    }

    @Test
    void onceIsServedWithATransitionBackToThePreviousMode() {
        BootState prev = BootState.of(new BootMode.Persistent("rescue"), Optional.empty());
        BootState once = BootState.set(prev, new BootMode.Once("test-kernel"), Optional.empty());
        BootDecision d = decider.decide(req(), inputs(host(once)), NOW);
        assertThat(((Action.NetBoot) d.action()).profile()).isEqualTo(TEST);
        assertThat(d.transition()).hasValueSatisfying(t -> {
            assertThat(t.expectedVersion()).isEqualTo(7);
            assertThat(t.next()).isEqualTo(prev);
        });
    }

    @Test
    void expiredModeRevertsToLocalAtThisRequest() {
        BootState s = BootState.of(new BootMode.Persistent("rescue"), Optional.of(NOW.minusSeconds(1)));
        BootDecision d = decider.decide(req(), inputs(host(s)), NOW);
        assertThat(d.action()).isInstanceOf(Action.Local.class);
        assertThat(d.verdict()).isEqualTo(Verdict.EXPIRED);
        assertThat(d.transition()).hasValueSatisfying(t -> assertThat(t.next()).isEqualTo(BootState.LOCAL));
        // one second before expiry it still boots the profile
        assertThat(decider.decide(req(), inputs(host(s)), NOW.minusSeconds(2)).netboot()).isTrue();
    }

    @Test
    void onceReturnsToLocalWhenThePreviousModeExpiredMeanwhile() {
        BootState prev = BootState.of(new BootMode.Persistent("rescue"), Optional.of(NOW.minus(Duration.ofMinutes(1))));
        BootState once = new BootState(new BootMode.Once("test-kernel"), Optional.empty(), Optional.of(prev));
        BootDecision d = decider.decide(req(), inputs(host(once)), NOW);
        assertThat(d.netboot()).isTrue();
        assertThat(d.transition().orElseThrow().next()).isEqualTo(BootState.LOCAL);
    }

    @Test
    void sourceAddressMustMatchReportedIp() {
        BootDecision d = decider.decide(req(MAC, "10.0.0.99", SRC), inputs(host(BootState.of(new BootMode.Persistent("rescue"), Optional.empty()))), NOW);
        assertThat(d.verdict()).isEqualTo(Verdict.REFUSED);
        assertThat(d.action()).isInstanceOf(Action.Local.class);
        assertThat(d.reason()).contains("does not match reported ip 10.0.0.99");
        assertThat(decider.decide(req(MAC, "", SRC), inputs(host(BootState.LOCAL)), NOW).verdict()).isEqualTo(Verdict.REFUSED);
    }

    @Test
    void behindAConfiguredNatTheReportedIpIsTakenButStillCheckedAgainstExpectedIps() {
        BootDecider nat = new BootDecider(new BootPolicy(BootPolicy.UnknownMachines.LOCAL, "rescue",
                List.of(Cidr.parse("127.0.0.1/32")), BootPolicy.LocalBoot.EXIT));
        InetAddress lo = IpAddresses.parse("127.0.0.1");
        Host h = host(BootState.of(new BootMode.Persistent("rescue"), Optional.empty()), List.of("10.0.2.15"), null);
        assertThat(nat.decide(req(MAC, "10.0.2.15", lo), inputs(h), NOW).netboot()).isTrue();
        BootDecision d = nat.decide(req(MAC, "10.0.2.16", lo), inputs(h), NOW);
        assertThat(d.verdict()).isEqualTo(Verdict.REFUSED);
        assertThat(d.reason()).contains("is not an expected address of web1");
    }

    @Test
    void expectedIpsAreEnforced() {
        Host h = host(BootState.of(new BootMode.Persistent("rescue"), Optional.empty()), List.of("10.0.0.6", "10.0.0.7"), null);
        BootDecision d = decider.decide(req(), inputs(h), NOW);
        assertThat(d.verdict()).isEqualTo(Verdict.REFUSED);
        Host ok = host(h.boot(), List.of("10.0.0.6", "10.0.0.5"), null);
        assertThat(decider.decide(req(), inputs(ok), NOW).netboot()).isTrue();
    }

    @Test
    void unknownMachinesBootLocallyByDefaultOrRescueByPolicy() {
        MapInputs empty = new MapInputs().profile(RESCUE);
        BootDecision d = decider.decide(req(), empty, NOW);
        assertThat(d.verdict()).isEqualTo(Verdict.UNKNOWN);
        assertThat(d.action()).isInstanceOf(Action.Local.class);
        assertThat(d.mac()).contains(MacAddress.parse(MAC));
        BootDecider rescue = new BootDecider(new BootPolicy(BootPolicy.UnknownMachines.RESCUE, "rescue", List.of(), BootPolicy.LocalBoot.EXIT));
        assertThat(rescue.decide(req(), empty, NOW).netboot()).isTrue();
        assertThat(rescue.decide(req(), new MapInputs(), NOW).action()).isInstanceOf(Action.Local.class);
    }

    @Test
    void malformedIdentityIsRefused() {
        assertThat(decider.decide(req("", "10.0.0.5", SRC), inputs(host(BootState.LOCAL)), NOW).verdict()).isEqualTo(Verdict.REFUSED);
        assertThat(decider.decide(req("52:54", "10.0.0.5", SRC), inputs(host(BootState.LOCAL)), NOW).reason()).startsWith("bad request");
        assertThat(decider.decide(req(MAC, "not-an-ip", SRC), inputs(host(BootState.LOCAL)), NOW).verdict()).isEqualTo(Verdict.REFUSED);
        BootRequest.Parse badUuid = BootRequest.parse(MAC, "10.0.0.5", "xyz", "", "", SRC);
        assertThat(decider.decide(badUuid, inputs(host(BootState.LOCAL)), NOW).verdict()).isEqualTo(Verdict.REFUSED);
    }

    @Test
    void aRefusalNamesTheFirstFieldThatDidNotParseAndTheMacWhenItParsed() {
        BootDecision d = decider.decide(req("", "10.0.0.5", SRC), inputs(host(BootState.LOCAL)), NOW);
        assertThat(d.reason()).isEqualTo("bad request: MAC address is empty");
        assertThat(d.mac()).isEmpty();
        assertThat(d.host()).isEmpty();
        assertThat(decider.decide(BootRequest.parse("52:54", "x", "y", "", "", SRC), inputs(host(BootState.LOCAL)), NOW).reason())
                .isEqualTo("bad request: malformed MAC address '52:54' (expected six hex pairs like 52:54:00:12:34:56)");
        d = decider.decide(BootRequest.parse(MAC, "not-an-ip", "xyz", "", "", SRC), inputs(host(BootState.LOCAL)), NOW);
        assertThat(d.reason()).isEqualTo("bad request: malformed UUID 'xyz' (expected 8-4-4-4-12 hex digits)");
        assertThat(d.mac()).contains(MacAddress.parse(MAC));
        assertThat(d.host()).as("a refused parse identifies no host").isEmpty();
        d = decider.decide(req(MAC, "not-an-ip", SRC), inputs(host(BootState.LOCAL)), NOW);
        assertThat(d.reason()).isEqualTo("bad request: malformed IP address 'not-an-ip'");
        assertThat(d.action()).isInstanceOf(Action.Local.class);
        assertThat(d.transition()).isEmpty();
    }

    @Test
    void aMacInAMachineWithAnotherUuidIsRefused() {
        Host h = host(BootState.of(new BootMode.Persistent("rescue"), Optional.empty()), List.of(), "8c5b0b4e-2f6a-4d1e-9a61-0123456789ab");
        BootRequest.Parse other = BootRequest.parse(MAC, "10.0.0.5", "11111111-2222-3333-4444-555555555555", "", "", SRC);
        assertThat(decider.decide(other, inputs(h), NOW).verdict()).isEqualTo(Verdict.REFUSED);
        BootRequest.Parse zero = BootRequest.parse(MAC, "10.0.0.5", "00000000-0000-0000-0000-000000000000", "", "", SRC);
        assertThat(decider.decide(zero, inputs(h), NOW).netboot()).as("a placeholder UUID is no evidence").isTrue();
    }

    @Test
    void aKnownUuidIdentifiesAMachineWithANewNic() {
        Host h = host(BootState.of(new BootMode.Persistent("rescue"), Optional.empty()), List.of(), "8c5b0b4e-2f6a-4d1e-9a61-0123456789ab");
        BootRequest.Parse newNic = BootRequest.parse("52:54:00:99:99:99", "10.0.0.5", "8c5b0b4e-2f6a-4d1e-9a61-0123456789ab", "", "", SRC);
        BootDecision d = decider.decide(newNic, inputs(h), NOW);
        assertThat(d.netboot()).isTrue();
        assertThat(d.reason()).contains("identified by uuid");
    }

    @Test
    void aMissingProfileFailsSafeToLocalWithoutConsumingTheOnce() {
        BootState once = BootState.set(BootState.LOCAL, new BootMode.Once("gone"), Optional.empty());
        BootDecision d = decider.decide(req(), inputs(host(once)), NOW);
        assertThat(d.action()).isInstanceOf(Action.Local.class);
        assertThat(d.verdict()).isEqualTo(Verdict.ERROR);
        assertThat(d.transition()).isEmpty();
    }
}
