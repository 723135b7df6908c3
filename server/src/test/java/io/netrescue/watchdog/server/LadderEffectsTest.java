package io.netrescue.watchdog.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.netrescue.boot.BootMode;
import io.netrescue.boot.Profile;
import io.netrescue.inventory.MacAddress;
import io.netrescue.rescue.Reboot;
import io.netrescue.rescue.RescueActivation;
import io.netrescue.rescue.SshPublicKey;
import io.netrescue.store.HostStore;
import io.netrescue.sysrq.XtSysrq;
import io.netrescue.sysrq.client.SysrqConfig;
import io.netrescue.testing.InventoryFixture;
import io.netrescue.testing.MutableClock;
import io.netrescue.testing.RescueFixture;
import io.netrescue.watchdog.LadderStep;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The ladder's rescue step against the real store and services: a rescue activation with the host's
 * registered keys made as the API makes it, then a power cycle, or SysRq sub without a power driver;
 * no registered key: the step fails and stores nothing.
 */
class LadderEffectsTest {
    static final SshPublicKey TEAM = SshPublicKey.parse("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDXabiQrh40dzw8EXvsTpls0PJj3uEBJI5y+PAJRJzoQ team@ops");
    static final LadderStep RESCUE = new LadderStep.Rescue();

    @TempDir Path dir;
    private final MutableClock clock = new MutableClock(Instant.parse("2026-12-03T10:00:00Z"));
    private InventoryFixture f;
    private RescueFixture fx;
    private LadderEffects effects;
    private int pendingJobs;

    @BeforeEach
    void open() {
        f = InventoryFixture.open(dir, clock);
        fx = RescueFixture.open(f, dir, "rescue", clock);
        effects = new LadderEffects(fx.rescue(), fx.reboots(), f.events(), Optional.empty(), h -> List.of(), h -> pendingJobs);
        f.profiles().save(new Profile("rescue", "rescue/vmlinuz", List.of(), "rescue.token={token}"), false, "t");
        f.hosts().add(new HostStore.NewHost("web1", List.of(MacAddress.parse("52:54:00:00:00:01")), Optional.empty(), List.of(), Map.of()), "t");
    }

    @AfterEach
    void close() {
        f.close();
    }

    private Watchdog.Actions.Result step() {
        return effects.perform("web1", 3, RESCUE, null);
    }

    private List<String> timeline() {
        return f.events().recent(Optional.of("web1"), 1000, 0).stream().map(e -> e.kind() + " " + e.actor() + " " + e.reason().orElse("")).toList();
    }

    private Path powerScript() throws Exception {
        Path p = dir.resolve("power.sh");
        Files.writeString(p, "#!/bin/sh\necho \"$1 $2\" >> " + dir.resolve("power.log") + "\n");
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
        fx.power().configure("web1", "exec", Map.of("command", p.toString()), Optional.empty(), Duration.ofSeconds(5), Optional.empty(), "t");
        return dir.resolve("power.log");
    }

    @Test
    void withoutARegisteredKeyTheStepFailsAndStoresNothing() throws Exception {
        powerScript();
        var r = step();
        assertThat(r.ok()).isFalse();
        assertThat(r.detail()).isEqualTo("no SSH key registered for web1 (netrescue host ssh-key add web1 FILE)"
                + " and no job queued for its rescue system (netrescue job run web1 ...)");
        assertThat(fx.rescue().status("web1")).isEmpty();
        assertThat(f.hosts().require("web1").boot().mode()).isEqualTo(new BootMode.Local());
        assertThat(dir.resolve("power.log")).doesNotExist(); // no reboot into a boot mode nobody can log in to
    }

    @Test
    void aQueuedJobIsWorkForTheRescueSystemWithoutAnyKey() throws Exception {
        Path log = powerScript();
        pendingJobs = 2;
        var r = step();
        assertThat(r.ok()).as(r.detail()).isTrue();
        RescueActivation a = fx.rescue().status("web1").orElseThrow();
        assertThat(a.sshKeys()).isEmpty();
        assertThat(a.password()).isFalse();
        assertThat(f.hosts().require("web1").boot().mode()).isEqualTo(new BootMode.Rescue(Optional.empty()));
        assertThat(Files.readAllLines(log)).containsExactly("cycle web1");
        assertThat(r.detail()).contains("0 registered SSH key(s) for 2 queued job(s)", "power: exec: ");
        assertThat(timeline()).anySatisfy(l -> assertThat(l).startsWith("rescue.activated watchdog activation " + a.id()).contains("for the host's jobs"));
    }

    @Test
    void theStepActivatesRescueWithTheRegisteredKeysThenPowerCycles() throws Exception {
        Path log = powerScript();
        fx.sshKeys().add("web1", List.of(TEAM), "api:op");
        var r = step();
        assertThat(r.ok()).as(r.detail()).isTrue();
        RescueActivation a = fx.rescue().status("web1").orElseThrow();
        assertThat(a.sshKeys()).containsExactly(TEAM);
        assertThat(a.password()).isFalse();
        assertThat(a.expiresAt()).isEqualTo(clock.instant().plus(RescueActivation.DEFAULT));
        assertThat(f.hosts().require("web1").boot().mode()).isEqualTo(new BootMode.Rescue(Optional.empty()));
        assertThat(Files.readAllLines(log)).containsExactly("cycle web1");
        assertThat(r.detail()).startsWith("rescue activation " + a.id() + " until ").contains("1 registered SSH key(s)", "power: exec: ");
        assertThat(timeline()).anySatisfy(l -> assertThat(l).startsWith("rescue.activated watchdog activation " + a.id()).contains(TEAM.fingerprint(), "root password: none"))
                .anySatisfy(l -> assertThat(l).startsWith("power.cycle watchdog"))
                .anySatisfy(l -> assertThat(l).startsWith("rescue.rebooted watchdog activation " + a.id() + ", reboot power"));
    }

    @Test
    void withoutAPowerDriverTheStepFallsBackToSysrqSub() throws Exception {
        fx.sshKeys().add("web1", List.of(TEAM), "api:op");
        try (DatagramSocket xt = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            xt.setSoTimeout(5000);
            fx.sysrq().configure("web1", new SysrqConfig(SysrqConfig.Dialect.XT, InetAddress.getLoopbackAddress(), 6099, xt.getLocalPort(),
                    Optional.empty(), XtSysrq.Hash.SHA1, Optional.empty(), "sub"), Optional.of("pw".getBytes()), "t");
            var r = step();
            assertThat(r.ok()).as(r.detail()).isTrue();
            assertThat(r.detail()).contains("; sysrq: xt sent: ");
            DatagramPacket p = new DatagramPacket(new byte[512], 512);
            xt.receive(p); // the xt_SYSRQ request really went out
            assertThat(new String(p.getData(), 0, p.getLength())).startsWith("sub,");
        }
        assertThat(fx.rescue().status("web1").orElseThrow().state()).isEqualTo(RescueActivation.State.ACTIVATED);
        assertThat(timeline()).anySatisfy(l -> assertThat(l).startsWith("sysrq.sent watchdog"))
                .anySatisfy(l -> assertThat(l).startsWith("rescue.rebooted watchdog").contains("reboot sysrq"));
    }

    @Test
    void withNoWayToRebootTheActivationStandsAndTheStepFails() {
        fx.sshKeys().add("web1", List.of(TEAM), "api:op");
        var r = step();
        assertThat(r.ok()).isFalse();
        assertThat(r.detail()).contains("no power driver can cycle web1 and no SysRq is configured: power cycle it by hand");
        assertThat(fx.rescue().status("web1")).isPresent();
    }

    @Test
    void anOperatorsLiveActivationIsKeptNotReplaced() throws Exception {
        Path log = powerScript();
        var mine = fx.rescue().activate("web1", List.of(TEAM), true, Duration.ofHours(1), Reboot.NONE, "api:op");
        var r = step();
        assertThat(r.ok()).as(r.detail()).isTrue();
        assertThat(r.detail()).startsWith("kept live rescue activation " + mine.activation().id());
        assertThat(fx.rescue().status("web1").orElseThrow().id()).isEqualTo(mine.activation().id());
        assertThat(Files.readAllLines(log)).containsExactly("cycle web1");
    }
}
