package io.netrescue.testing;

import io.netrescue.power.server.PowerService;
import io.netrescue.power.server.PowerStore;
import io.netrescue.rescue.server.Reboots;
import io.netrescue.rescue.server.RescueService;
import io.netrescue.rescue.server.RescueStore;
import io.netrescue.rescue.server.SshKeyService;
import io.netrescue.rescue.server.SshKeyStore;
import io.netrescue.secrets.MasterKey;
import io.netrescue.sysrq.client.RateLimiter;
import io.netrescue.sysrq.client.SysrqService;
import io.netrescue.sysrq.client.SysrqStore;
import io.netrescue.store.TokenStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;

/**
 * The rescue services over an {@link InventoryFixture}'s store, wired as the server wires them, with
 * real power and SysRq services (fast retries) and a master key in {@code dir}.
 */
public record RescueFixture(RescueService rescue, SshKeyService sshKeys, Reboots reboots, PowerService power, SysrqService sysrq, TokenStore tokens) {

    public static RescueFixture open(InventoryFixture f, Path dir, String rescueProfile, Clock clock) {
        return open(f, dir, rescueProfile, clock, RescueService.LadderHold.NONE);
    }

    public static RescueFixture open(InventoryFixture f, Path dir, String rescueProfile, Clock clock, RescueService.LadderHold ladder) {
        MasterKey master;
        try {
            master = MasterKey.loadOrCreate(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        var power = new PowerService(f.db(), f.hostStore(), new PowerStore(), f.eventStore(), master, clock, 2, Duration.ofMillis(10));
        var sysrq = new SysrqService(f.db(), new SysrqStore(), f.eventStore(), master, clock, new RateLimiter(100, Duration.ofMinutes(1)), Duration.ofSeconds(1));
        var reboots = new Reboots(power, sysrq);
        var tokens = new TokenStore();
        var keyStore = new SshKeyStore();
        var rescue = new RescueService(f.db(), f.hostStore(), new RescueStore(), keyStore, f.eventStore(), f.bootModes(), tokens, reboots,
                rescueProfile, clock, new RescueService.RescueSystem(() -> {}, (h, a) -> "host = " + h + "\nactivation = " + a + "\n", () -> java.util.OptionalInt.of(6100), ladder));
        return new RescueFixture(rescue, new SshKeyService(f.db(), f.hostStore(), keyStore, f.eventStore(), clock), reboots, power, sysrq, tokens);
    }
}
