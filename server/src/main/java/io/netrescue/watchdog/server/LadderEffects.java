package io.netrescue.watchdog.server;

import io.netrescue.boot.BootMode;
import io.netrescue.inventory.server.BootModeService;
import io.netrescue.inventory.server.EventService;
import io.netrescue.power.server.PowerAction;
import io.netrescue.power.server.PowerService;
import io.netrescue.sysrq.SysrqKeys;
import io.netrescue.sysrq.client.SysrqDefaults;
import io.netrescue.sysrq.client.SysrqService;
import io.netrescue.watchdog.LadderStep;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * What each ladder step does, with the services an operator would use by hand: network SysRq,
 * the host's power drivers, the rescue boot mode, and the hands-on request. Every effect records its
 * own events (sysrq.*, power.*, boot.mode) with the actor {@code watchdog}.
 */
public final class LadderEffects implements Watchdog.Actions {
    static final String ACTOR = "watchdog";

    /** Sends the hands-on request; empty when no webhook is configured. */
    public interface HandsOn {
        Result request(String host, Watchdog.HealthView view, List<String> recentEvents, List<String> consoleTail) throws Exception;

        record Result(String detail) {}
    }

    private final BootModeService bootModes;
    private final EventService events;
    private final SysrqService sysrq;
    private final PowerService power;
    private final Optional<HandsOn> handsOn;
    private final java.util.function.Function<String, List<String>> consoleTail;

    /** @param consoleTail the host's last netconsole lines, for the hands-on request (empty when none) */
    public LadderEffects(BootModeService bootModes, EventService events, SysrqService sysrq, PowerService power,
                         Optional<HandsOn> handsOn, java.util.function.Function<String, List<String>> consoleTail) {
        this.consoleTail = consoleTail;
        this.bootModes = bootModes;
        this.events = events;
        this.sysrq = sysrq;
        this.power = power;
        this.handsOn = handsOn;
    }

    @Override
    public Result perform(String host, int step, LadderStep what, Watchdog.HealthView view) {
        return switch (what) {
            case LadderStep.Wait w -> new Result(true, "waited");
            case LadderStep.Sysrq s -> sysrq(host, s.keys());
            case LadderStep.Power p -> power(host, PowerAction.parse(p.action()));
            case LadderStep.Rescue r -> rescue(host);
            case LadderStep.HandsOn h -> handsOn(host, view);
        };
    }

    private Result sysrq(String host, String keys) {
        if (sysrq.find(host).isEmpty()) return new Result(false, "no SysRq configured for " + host + " (netrescue host sysrq)");
        try {
            SysrqService.Outcome o = sysrq.trigger(host, new SysrqKeys(keys), Optional.empty(), SysrqDefaults.PAUSE_MILLIS, Duration.ZERO, ACTOR);
            return new Result(o.result().succeeded(), o.via() + " " + o.result().wireName() + ": " + o.detail());
        } catch (RuntimeException e) {
            return new Result(false, e.getMessage());
        }
    }

    private Result power(String host, PowerAction action) {
        try {
            if (!power.hasDriverFor(host, action)) return new Result(false, "no power driver of " + host + " can " + action.word());
            PowerService.Outcome o = power.perform(host, action, Optional.empty(), ACTOR);
            return new Result(o.result().equals("ok"), o.driver() + ": " + o.detail());
        } catch (RuntimeException e) {
            return new Result(false, e.getMessage());
        }
    }

    /** Next boot: the rescue system; then a power cycle to get there. */
    private Result rescue(String host) {
        try {
            var change = bootModes.set(host, new BootMode.Rescue(Optional.empty()), Optional.empty(), ACTOR, " by the ladder's rescue step");
            Result cycled = power(host, PowerAction.CYCLE);
            return new Result(cycled.ok(), "next boot: rescue (was " + change.was() + "); " + cycled.detail());
        } catch (RuntimeException e) {
            return new Result(false, e.getMessage());
        }
    }

    private Result handsOn(String host, Watchdog.HealthView view) {
        List<String> recent = events.recent(Optional.of(host), 30, 0).stream()
                .map(e -> e.at() + " " + e.kind() + " " + e.actor() + " " + e.reason().orElse("")).toList();
        if (handsOn.isEmpty()) {
            return new Result(true, "no hands-on webhook configured (watchdog.hands-on-url): this timeline entry is the request."
                    + " Host " + host + " is " + view.state().word() + " since " + view.since() + ": " + view.reason());
        }
        try {
            return new Result(true, handsOn.get().request(host, view, recent, consoleTail.apply(host)).detail());
        } catch (Exception e) {
            return new Result(false, "hands-on request failed: " + e.getMessage());
        }
    }
}
