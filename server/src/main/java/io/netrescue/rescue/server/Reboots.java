package io.netrescue.rescue.server;

import io.netrescue.inventory.InvalidInputException;
import io.netrescue.power.server.PowerAction;
import io.netrescue.power.server.PowerService;
import io.netrescue.rescue.Reboot;
import io.netrescue.sysrq.SysrqKeys;
import io.netrescue.sysrq.client.SysrqConfig;
import io.netrescue.sysrq.client.SysrqDefaults;
import io.netrescue.sysrq.client.SysrqService;
import java.time.Duration;
import java.util.Optional;

/**
 * The server's own power and SysRq actions on a host, for a rescue activation's {@code --reboot} and
 * the watchdog's ladder: one place that knows how a host is rebooted and turns what happened into
 * ok/failed and a line for people. Never throws once asked to act: a failure is an outcome (the
 * activation before it stands). The services record their own {@code power.*} and {@code sysrq.*} events.
 */
public final class Reboots {
    /** SysRq sync, remount read-only, reboot: what the ladder sends and what every host allows by default. */
    public static final SysrqKeys SUB = new SysrqKeys(SysrqDefaults.ALLOWED_KEYS);

    /** What happened: ok or failed, and why. */
    public record Outcome(boolean ok, String detail) {}

    private final PowerService power;
    private final SysrqService sysrq;

    public Reboots(PowerService power, SysrqService sysrq) {
        this.power = power;
        this.sysrq = sysrq;
    }

    /** What {@code host} offers to reboot it (a power driver that can cycle, SysRq settings that allow {@code sub}). */
    public Reboot.Means means(String host) {
        boolean cycle = power.hasDriverFor(host, PowerAction.CYCLE);
        boolean keys = sysrq.find(host).filter(c -> SUB.allowedBy(c.allowedKeys())
                && (c.dialect() != SysrqConfig.Dialect.XT || c.sealedPassword().isPresent())).isPresent();
        return new Reboot.Means(cycle, keys);
    }

    /** Refuses (bad input, nothing done) a reboot that cannot work, before anything is stored. */
    public void check(String host, Reboot how) {
        if (how == Reboot.NONE) return;
        how.refusal(host, means(host)).ifPresent(why -> {
            throw new InvalidInputException(why);
        });
    }

    public Outcome reboot(String host, Reboot how, String actor) {
        return switch (how) {
            case NONE -> new Outcome(true, "no reboot asked for: " + host + " boots rescue whenever it next boots from the network");
            case POWER -> power(host, PowerAction.CYCLE, actor);
            case SYSRQ -> sysrq(host, SUB.keys(), actor);
        };
    }

    /** {@code action} with the host's first capable power driver (falling back to the next, as {@link PowerService} does). */
    public Outcome power(String host, PowerAction action, String actor) {
        try {
            if (!power.hasDriverFor(host, action)) return new Outcome(false, "no power driver of " + host + " can " + action.word());
            PowerService.Outcome o = power.perform(host, action, Optional.empty(), actor);
            return new Outcome(o.result().equals("ok"), o.driver() + ": " + o.detail());
        } catch (RuntimeException e) {
            return new Outcome(false, e.getMessage());
        }
    }

    /** {@code keys} in the host's SysRq dialect, with the agent's usual pause between keys; no boot confirmation watch. */
    public Outcome sysrq(String host, String keys, String actor) {
        if (sysrq.find(host).isEmpty()) return new Outcome(false, "no SysRq configured for " + host + " (netrescue host sysrq)");
        try {
            SysrqService.Outcome o = sysrq.trigger(host, new SysrqKeys(keys), Optional.empty(), SysrqDefaults.PAUSE_MILLIS, Duration.ZERO, actor);
            return new Outcome(o.result().succeeded(), o.via() + " " + o.result().wireName() + ": " + o.detail());
        } catch (RuntimeException e) {
            return new Outcome(false, e.getMessage());
        }
    }
}
