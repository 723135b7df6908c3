package io.netrescue.rescue.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.netrescue.boot.BootMode;
import io.netrescue.boot.Profile;
import io.netrescue.inventory.InvalidInputException;
import io.netrescue.inventory.IpAddresses;
import io.netrescue.inventory.MacAddress;
import io.netrescue.inventory.server.BootModeService;
import io.netrescue.inventory.server.EventService;
import io.netrescue.inventory.server.HostService;
import io.netrescue.rescue.Reboot;
import io.netrescue.rescue.RescueActivation.State;
import io.netrescue.rescue.RescueConflict;
import io.netrescue.rescue.SshPublicKey;
import io.netrescue.store.Database;
import io.netrescue.store.HostStore;
import io.netrescue.store.InventoryCache;
import io.netrescue.store.TokenStore;
import io.netrescue.testing.MutableClock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Rescue activations against the real store: credentials, per-boot tokens, replays, expiry, and what the timeline holds. */
class RescueServiceTest {
    static final SshPublicKey OPERATOR = SshPublicKey.parse("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKJorwhW84BJK7gwpeH38Gs16ZH8IhlXNLmCBmD0j3dL op@desk");
    // ssh-keygen -t ed25519 / -t ecdsa: what a rescue system would report
    static final String HOST_KEYS = """
            ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKJorwhW84BJK7gwpeH38Gs16ZH8IhlXNLmCBmD0j3dL root@rescue
            """;

    @TempDir Path dir;
    private final MutableClock clock = new MutableClock(Instant.parse("2026-12-03T10:00:00Z"));
    private Database db;
    private RescueService rescue;
    private HostService hosts;
    private EventService events;
    private TokenStore tokens;
    private io.netrescue.testing.RescueFixture fx;
    private InventoryCache cache;
    private io.netrescue.testing.InventoryFixture f;
    /** What this service asked of the watchdog's ladder, in order. */
    private final List<String> ladder = new java.util.concurrent.CopyOnWriteArrayList<>();

    @BeforeEach
    void open() {
        f = io.netrescue.testing.InventoryFixture.open(dir, clock);
        db = f.db();
        cache = f.cache();
        hosts = f.hosts();
        events = f.events();
        BootModeService bootModes = f.bootModes();
        fx = io.netrescue.testing.RescueFixture.open(f, dir, "rescue", clock, new RescueService.LadderHold() {
            @Override public void hold(String host, Duration d, String reason, String replaces, String actor) {
                ladder.add("hold " + host + " " + d + " " + reason + (replaces.isEmpty() ? "" : " replacing " + replaces) + " by " + actor);
            }

            @Override public void release(String host, String reason, String actor) {
                ladder.add("release " + host + " " + reason + " by " + actor);
            }
        });
        rescue = fx.rescue();
        tokens = fx.tokens();
        f.profiles().save(new Profile("rescue", "rescue/vmlinuz", List.of("rescue/initrd"), "rescue.token={token}"), false, "t");
        f.profiles().save(new Profile("web", "vmlinuz", List.of(), "quiet"), false, "t");
        hosts.add(new HostStore.NewHost("web1", List.of(MacAddress.parse("52:54:00:00:00:01")), Optional.empty(), List.of(IpAddresses.parse("10.0.0.5")), Map.of()), "t");
        bootModes.set("web1", new BootMode.Persistent("web"), Optional.empty(), "t", "");
    }

    @AfterEach
    void close() {
        db.close();
    }

    /** What BootService does when it serves the rescue profile: a per-boot token for the host. */
    private String boots(String host, String profile) {
        String token = "tok-" + host + "-" + clock.instant().toEpochMilli() + "-" + profile;
        Instant now = clock.instant();
        db.inWriteTransaction(h -> {
            tokens.issue(h, token, host, profile, now, now.plus(Duration.ofHours(1)));
            return null;
        });
        return token;
    }

    private String timeline() {
        return String.join("\n", events.recent(Optional.empty(), 1000, 0).stream().map(e -> e.kind() + " " + e.actor() + " " + e.reason().orElse("")).toList());
    }

    @Test
    void anActivationBootsRescueAndItsPasswordIsShownOnceAndStoredAsACryptHash() throws Exception {
        var a = rescue.activate("web1", List.of(OPERATOR), true, Duration.ofHours(2), Reboot.NONE, "api:op");
        String pw = a.password().orElseThrow();
        assertThat(pw).matches("([a-zA-Z2-9]{4}-){4}[a-zA-Z2-9]{4}");
        assertThat(a.activation().state()).isEqualTo(State.ACTIVATED);
        assertThat(hosts.require("web1").boot().mode()).isEqualTo(new BootMode.Rescue(Optional.empty()));
        assertThat(hosts.require("web1").boot().expiresAt()).contains(a.activation().expiresAt());
        assertThat(cache.hostByMac(MacAddress.parse("52:54:00:00:00:01")).orElseThrow().boot().mode()).isEqualTo(new BootMode.Rescue(Optional.empty()));
        assertThat(timeline()).contains("rescue.activated api:op activation " + a.activation().id()).contains(OPERATOR.fingerprint()).doesNotContain(pw);

        clock.advance(Duration.ofSeconds(20));
        var s = rescue.settings(boots("web1", "rescue"), "10.0.0.5");
        assertThat(s.sshKeys()).containsExactly(OPERATOR);
        String hash = s.passwordHash().orElseThrow();
        assertThat(hash).startsWith("$6$").doesNotContain(pw);
        // glibc's crypt(3), through Python, agrees that the hash is of the password (what /etc/shadow and sshd will check)
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/python3")), "needs python3 to call glibc's crypt(3)");
        Process p = new ProcessBuilder("/usr/bin/python3", "-W", "ignore", "-c", "import crypt,sys; print(crypt.crypt(sys.argv[1], sys.argv[2]) == sys.argv[2])", pw, hash).start();
        assertThat(new String(p.getInputStream().readAllBytes()).strip()).isEqualTo("True");
        assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(rescue.status("web1").orElseThrow().state()).isEqualTo(State.BOOTED);
    }

    @Test
    void readyOncePerBootWithVerifiedHostKeys() {
        rescue.activate("web1", List.of(OPERATOR), false, Duration.ofHours(2), Reboot.NONE, "api:op");
        String token = boots("web1", "rescue");
        assertThatThrownBy(() -> rescue.ready(token, HOST_KEYS, "10.0.0.5")).isInstanceOf(RescueConflict.class).hasMessageContaining("not fetched");
        rescue.settings(token, "10.0.0.5");
        assertThatThrownBy(() -> rescue.knownHosts("web1")).isInstanceOf(RescueConflict.class);
        assertThatThrownBy(() -> rescue.ready(token, "ssh-ed25519 AAAA\n", "10.0.0.5")).isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> rescue.ready(token, "x".repeat(20_000), "10.0.0.5")).isInstanceOf(InvalidInputException.class);
        assertThat(rescue.status("web1").orElseThrow().state()).isEqualTo(State.BOOTED); // nothing stored by bad reports
        var r = rescue.ready(token, HOST_KEYS, "10.0.0.5");
        assertThat(r.state()).isEqualTo(State.READY);
        assertThatThrownBy(() -> rescue.ready(token, HOST_KEYS, "10.0.0.5")).isInstanceOf(RescueConflict.class).hasMessageContaining("already");
        assertThat(rescue.knownHosts("web1")).isEqualTo("web1,10.0.0.5 " + SshPublicKey.parse(HOST_KEYS).keyText() + "\n");
        assertThat(timeline()).contains("rescue.ready rescue activation " + r.id());
    }

    @Test
    void tokensOfOtherBootsProfilesAndHostsAreRefused() {
        String before = boots("web1", "rescue"); // a rescue boot from before this activation
        clock.advance(Duration.ofSeconds(1));
        rescue.activate("web1", List.of(OPERATOR), false, Duration.ofHours(2), Reboot.NONE, "api:op");
        assertThatThrownBy(() -> rescue.settings(before, "10.0.0.5")).isInstanceOf(RescueTokenRefused.class).hasMessageContaining("before the current activation");
        assertThatThrownBy(() -> rescue.settings(boots("web1", "web"), "10.0.0.5")).isInstanceOf(RescueTokenRefused.class);
        assertThatThrownBy(() -> rescue.settings("forged", "10.0.0.5")).isInstanceOf(RescueTokenRefused.class);
        hosts.add(new HostStore.NewHost("web2", List.of(MacAddress.parse("52:54:00:00:00:02")), Optional.empty(), List.of(), Map.of()), "t");
        // web2's own rescue boot, with no activation of web2: cannot speak for web1's activation
        assertThatThrownBy(() -> rescue.settings(boots("web2", "rescue"), "10.0.0.6")).isInstanceOf(RescueTokenRefused.class).hasMessageContaining("no live");
        assertThat(rescue.status("web1").orElseThrow().state()).isEqualTo(State.ACTIVATED);
    }

    @Test
    void aNewActivationKillsTheOldCredentialsAndEndPutsTheOldModeBack() {
        rescue.activate("web1", List.of(OPERATOR), true, Duration.ofHours(2), Reboot.NONE, "api:op");
        String first = boots("web1", "rescue");
        rescue.settings(first, "10.0.0.5");
        clock.advance(Duration.ofMinutes(1));
        assertThat(rescue.alive(first).state()).isEqualTo(State.BOOTED);
        var second = rescue.activate("web1", List.of(OPERATOR), false, Duration.ofHours(1), Reboot.NONE, "api:op");
        assertThatThrownBy(() -> rescue.alive(first)).isInstanceOf(RescueTokenRefused.class);
        assertThatThrownBy(() -> rescue.settings(first, "10.0.0.5")).isInstanceOf(RescueTokenRefused.class);
        assertThat(rescue.settings(boots("web1", "rescue"), "10.0.0.5").passwordHash()).isEmpty();
        var ended = rescue.end("web1", "api:op");
        assertThat(ended.id()).isEqualTo(second.activation().id());
        assertThat(ended.state()).isEqualTo(State.ENDED);
        // back to what web1 booted before the first activation, not rescue
        assertThat(hosts.require("web1").boot().mode()).isEqualTo(new BootMode.Persistent("web"));
        assertThatThrownBy(() -> rescue.end("web1", "api:op")).hasMessageContaining("no live rescue activation");
        assertThat(timeline()).contains("replaced by a new activation").contains("ended by api:op");
    }

    @Test
    void anExpiredActivationRefusesItsRescueSystem() {
        rescue.activate("web1", List.of(OPERATOR), false, Duration.ofMinutes(30), Reboot.NONE, "api:op");
        String token = boots("web1", "rescue");
        clock.advance(Duration.ofMinutes(30));
        assertThatThrownBy(() -> rescue.settings(token, "10.0.0.5")).isInstanceOf(RescueTokenRefused.class);
        assertThat(rescue.status("web1").orElseThrow().state()).isEqualTo(State.ENDED);
        assertThat(rescue.status("web1").orElseThrow().endReason()).isEqualTo("expired");
        assertThatThrownBy(() -> rescue.activate("web1", List.of(), false, Duration.ofHours(1), Reboot.NONE, "api:op")).isInstanceOf(InvalidInputException.class);
        assertThat(timeline().lines().filter(l -> l.startsWith("rescue.activated")).count()).isEqualTo(1);
    }

    static final SshPublicKey TEAM = SshPublicKey.parse("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDXabiQrh40dzw8EXvsTpls0PJj3uEBJI5y+PAJRJzoQ team@ops");

    /** An exec power driver for web1: a script that logs its calls and behaves as {@code body} says. */
    private Path powerScript(String body) throws Exception {
        Path p = dir.resolve("power.sh");
        Files.writeString(p, "#!/bin/sh\necho \"$1 $2\" >> " + dir.resolve("power.log") + "\n" + body + "\n");
        Files.setPosixFilePermissions(p, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        fx.power().configure("web1", "exec", Map.of("command", p.toString()), Optional.empty(), Duration.ofSeconds(5), Optional.empty(), "t");
        return p;
    }

    private List<String> powerCalls() throws Exception {
        Path log = dir.resolve("power.log");
        return Files.exists(log) ? Files.readAllLines(log) : List.of();
    }

    @Test
    void anActivationCarriesTheGivenAndTheRegisteredKeys() {
        var added = fx.sshKeys().add("web1", List.of(TEAM), "api:op");
        assertThat(added.added()).extracting(SshKeyStore.Registered::key).containsExactly(TEAM);
        assertThat(fx.sshKeys().add("web1", List.of(TEAM), "api:op").unchanged()).hasSize(1); // again: nothing changes
        // no key given: the registered ones
        assertThat(rescue.activate("web1", List.of(), false, Duration.ofHours(1), Reboot.NONE, "api:op").activation().sshKeys()).containsExactly(TEAM);
        // given too: both, the given one first
        var both = rescue.activate("web1", List.of(OPERATOR), false, Duration.ofHours(1), Reboot.NONE, "api:op");
        assertThat(both.activation().sshKeys()).containsExactly(OPERATOR, TEAM);
        assertThat(rescue.settings(boots("web1", "rescue"), "10.0.0.5").sshKeys()).containsExactly(OPERATOR, TEAM);
        fx.sshKeys().remove("web1", TEAM.fingerprint(), "api:op");
        assertThat(fx.sshKeys().list("web1")).isEmpty();
        assertThat(timeline()).contains("ssh-key.added api:op ssh-ed25519 " + TEAM.fingerprint() + " team@ops", "ssh-key.removed api:op ssh-ed25519 " + TEAM.fingerprint());
    }

    @Test
    void withoutAnyKeyOrPasswordNothingIsStoredAndTheMessageSaysHowToRegisterOne() {
        assertThatThrownBy(() -> rescue.activate("web1", List.of(), false, Duration.ofHours(1), Reboot.NONE, "api:op"))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("SSH key or a password").hasMessageContaining("netrescue host ssh-key add web1");
        assertThat(rescue.status("web1")).isEmpty();
        assertThat(hosts.require("web1").boot().mode()).isEqualTo(new BootMode.Persistent("web"));
    }

    @Test
    void aRebootThatCannotWorkIsRefusedBeforeAnythingIsStored() {
        assertThatThrownBy(() -> rescue.activate("web1", List.of(OPERATOR), false, Duration.ofHours(1), Reboot.POWER, "api:op"))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("no power driver of web1 can cycle it");
        assertThatThrownBy(() -> rescue.activate("web1", List.of(OPERATOR), false, Duration.ofHours(1), Reboot.SYSRQ, "api:op"))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("web1 has no SysRq settings");
        assertThat(rescue.status("web1")).isEmpty();
        assertThat(hosts.require("web1").boot().mode()).isEqualTo(new BootMode.Persistent("web"));
        assertThat(timeline()).doesNotContain("rescue.", "power.requested");
    }

    @Test
    void theActivationIsStoredBeforeThePowerCycleAndAFailedCycleLeavesItStanding() throws Exception {
        powerScript("exit 0");
        var a = rescue.activate("web1", List.of(OPERATOR), false, Duration.ofHours(1), Reboot.POWER, "api:op");
        assertThat(a.rebooted()).get().satisfies(o -> assertThat(o.ok()).isTrue());
        assertThat(powerCalls()).containsExactly("cycle web1");
        List<String> kinds = events.recent(Optional.of("web1"), 100, 0).stream().map(e -> e.kind()).toList();
        assertThat(kinds).containsSubsequence("rescue.activated", "power.requested", "power.cycle", "rescue.rebooted");

        powerScript("echo 'BMC says no' >&2; exit 1");
        var b = rescue.activate("web1", List.of(OPERATOR), false, Duration.ofHours(1), Reboot.POWER, "api:op");
        assertThat(b.rebooted()).get().satisfies(o -> {
            assertThat(o.ok()).isFalse();
            assertThat(o.detail()).contains("BMC says no");
        });
        assertThat(rescue.status("web1").orElseThrow().id()).isEqualTo(b.activation().id());
        assertThat(rescue.status("web1").orElseThrow().state()).isEqualTo(State.ACTIVATED);
        assertThat(hosts.require("web1").boot().mode()).isEqualTo(new BootMode.Rescue(Optional.empty()));
        assertThat(timeline()).containsPattern("rescue.reboot-failed api:op activation " + b.activation().id() + ", reboot power: exec: .*BMC says no")
                .contains("the activation stands: power cycle web1 by hand");
    }

    /**
     * A machine rebooting into (or out of) rescue is silent, not dead: each reboot this service causes
     * holds the watchdog's ladder while the machine boots; the hold shrinks when the rescue system is
     * ready and goes when the reboot failed (nothing boots then).
     */
    @Test
    void rebootsHoldTheWatchdogsLadderWhileTheMachineBoots() throws Exception {
        powerScript("exit 0");
        long a = rescue.activate("web1", List.of(OPERATOR), false, Duration.ofHours(1), Reboot.POWER, "api:op").activation().id();
        String booting = "rescue activation " + a + " is booting";
        assertThat(ladder).containsExactly("hold web1 PT10M " + booting + " by api:op");
        String token = boots("web1", "rescue");
        rescue.settings(token, "10.0.0.5");
        rescue.ready(token, HOST_KEYS, "10.0.0.5");
        // ready: the hold shrinks to the agent's first heartbeats, in one step (the host still looks dead until then)
        assertThat(ladder).containsExactly("hold web1 PT10M " + booting + " by api:op",
                "hold web1 PT2M rescue activation " + a + " is ready, its agent not heard yet replacing " + booting + " by rescue");

        ladder.clear();
        rescue.end("web1", Reboot.POWER, "api:op");
        assertThat(ladder).containsExactly("hold web1 PT5M leaving rescue activation " + a + " (its own system boots) by api:op");

        ladder.clear();
        powerScript("exit 1");
        long b = rescue.activate("web1", List.of(OPERATOR), false, Duration.ofHours(1), Reboot.POWER, "api:op").activation().id();
        assertThat(ladder).containsExactly("hold web1 PT10M rescue activation " + b + " is booting by api:op",
                "release web1 rescue activation " + b + " is booting by api:op");
        ladder.clear();
        rescue.activate("web1", List.of(OPERATOR), false, Duration.ofHours(1), Reboot.NONE, "api:op");
        assertThat(ladder).as("no reboot, nothing to hold").isEmpty();
    }

    /**
     * Attack H1, M2, M5: the boot that fetched the settings speaks for the activation. Fetching them
     * again with its token changes nothing (no reset, no event); it cannot report ready twice; a token
     * of an earlier boot can neither fetch, report nor ask; a newer boot takes over and reports afresh.
     */
    @Test
    void onlyTheBootThatFetchedTheSettingsSpeaksForTheActivation() {
        rescue.activate("web1", List.of(OPERATOR), false, Duration.ofHours(2), Reboot.NONE, "api:op");
        String boot1 = boots("web1", "rescue");
        clock.advance(Duration.ofSeconds(30));
        String boot2 = boots("web1", "rescue");
        rescue.settings(boot2, "10.0.0.5");
        rescue.ready(boot2, HOST_KEYS, "10.0.0.5");
        String known = rescue.knownHosts("web1");
        for (int i = 0; i < 5; i++) rescue.settings(boot2, "10.0.0.5"); // a retrying or hostile client
        assertThat(rescue.status("web1").orElseThrow().state()).isEqualTo(State.READY);
        assertThat(rescue.knownHosts("web1")).isEqualTo(known);
        assertThatThrownBy(() -> rescue.ready(boot2, "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDXabiQrh40dzw8EXvsTpls0PJj3uEBJI5y+PAJRJzoQ evil\n", "10.0.0.9"))
                .isInstanceOf(RescueConflict.class).hasMessageContaining("already reported ready");
        assertThat(timeline().lines().filter(l -> l.startsWith("rescue.booted")).count()).isEqualTo(1);
        // the earlier boot's token: refused everywhere (its rescue system, if any, is gone)
        assertThatThrownBy(() -> rescue.settings(boot1, "10.0.0.5")).isInstanceOf(RescueTokenRefused.class).hasMessageContaining("earlier boot");
        assertThatThrownBy(() -> rescue.ready(boot1, HOST_KEYS, "10.0.0.5")).isInstanceOf(RescueTokenRefused.class);
        assertThatThrownBy(() -> rescue.alive(boot1)).isInstanceOf(RescueTokenRefused.class);
        assertThatThrownBy(() -> rescue.agentConfig(boot1)).isInstanceOf(RescueTokenRefused.class);
        assertThat(rescue.alive(boot2).state()).isEqualTo(State.READY);
        // a reboot: the new boot takes over; the old one is refused from then on
        clock.advance(Duration.ofMinutes(1));
        String boot3 = boots("web1", "rescue");
        rescue.settings(boot3, "10.0.0.5");
        assertThat(rescue.status("web1").orElseThrow().state()).isEqualTo(State.BOOTED);
        assertThatThrownBy(() -> rescue.alive(boot2)).isInstanceOf(RescueTokenRefused.class);
        rescue.ready(boot3, HOST_KEYS, "10.0.0.5");
    }

    /** Attack L8: the key parser is reached only with a token that speaks for the boot. */
    @Test
    void aReportWithoutAValidTokenIsRefusedBeforeItIsParsed() {
        rescue.activate("web1", List.of(OPERATOR), false, Duration.ofHours(2), Reboot.NONE, "api:op");
        assertThatThrownBy(() -> rescue.ready("forged", "not a key", "10.0.0.5")).isInstanceOf(RescueTokenRefused.class);
        String token = boots("web1", "rescue");
        assertThatThrownBy(() -> rescue.ready(token, HOST_KEYS, "10.0.0.5")).isInstanceOf(RescueConflict.class).hasMessageContaining("not fetched");
    }

    /**
     * Attack M3: ending puts back the whole boot state from before (a once with what follows it, an
     * expiry), not the bare mode; and a mode set during the activation is newer, so it stays.
     */
    @Test
    void endPutsBackTheWholeStateFromBeforeUnlessSomeoneChangedItSince() {
        f.bootModes().set("web1", new BootMode.Once("web"), Optional.of(Duration.ofHours(5)), "t", "");
        var before = hosts.require("web1").boot();
        assertThat(before.previous()).contains(io.netrescue.boot.BootState.of(new BootMode.Persistent("web"), Optional.empty()));
        rescue.activate("web1", List.of(OPERATOR), false, Duration.ofHours(1), Reboot.NONE, "api:op");
        rescue.end("web1", "api:op");
        assertThat(hosts.require("web1").boot()).isEqualTo(before); // the once, its expiry, then persistent web

        // a previous mode that expired meanwhile leads where its expiry leads
        f.bootModes().set("web1", new BootMode.Persistent("web"), Optional.of(Duration.ofMinutes(10)), "t", "");
        rescue.activate("web1", List.of(OPERATOR), false, Duration.ofHours(1), Reboot.NONE, "api:op");
        clock.advance(Duration.ofMinutes(20));
        rescue.end("web1", "api:op");
        assertThat(hosts.require("web1").boot()).isEqualTo(io.netrescue.boot.BootState.LOCAL);

        // an operator's mode set during the activation stays
        rescue.activate("web1", List.of(OPERATOR), false, Duration.ofHours(1), Reboot.NONE, "api:op");
        f.bootModes().set("web1", new BootMode.Persistent("web"), Optional.empty(), "api:other", "");
        rescue.end("web1", "api:op");
        assertThat(hosts.require("web1").boot().mode()).isEqualTo(new BootMode.Persistent("web"));
        assertThat(timeline()).contains("was set during rescue activation");
    }

    /** Attack H2: a removed host's activation ends and its tokens die with it; a new host of the name inherits nothing. */
    @Test
    void removingTheHostEndsItsActivationAndItsTokens() {
        rescue.activate("web1", List.of(OPERATOR), true, Duration.ofHours(2), Reboot.NONE, "api:op");
        String token = boots("web1", "rescue");
        rescue.settings(token, "10.0.0.5");
        hosts.remove("web1", "api:op");
        assertThatThrownBy(() -> rescue.alive(token)).isInstanceOf(RescueTokenRefused.class);
        hosts.add(new HostStore.NewHost("web1", List.of(MacAddress.parse("52:54:00:00:00:01")), Optional.empty(), List.of(), Map.of()), "t");
        assertThat(rescue.status("web1")).get().satisfies(a -> {
            assertThat(a.state()).isEqualTo(State.ENDED);
            assertThat(a.endReason()).isEqualTo("host removed");
        });
        assertThatThrownBy(() -> rescue.alive(token)).isInstanceOf(RescueTokenRefused.class);
        assertThatThrownBy(() -> rescue.end("web1", "api:op")).hasMessageContaining("no live rescue activation");
        assertThat(timeline()).contains("rescue.ended api:op its live rescue activation: host removed");
    }
}
