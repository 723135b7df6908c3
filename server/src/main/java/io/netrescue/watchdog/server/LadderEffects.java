package io.netrescue.watchdog.server;

import io.netrescue.inventory.server.EventService;
import io.netrescue.power.server.PowerAction;
import io.netrescue.rescue.Reboot;
import io.netrescue.rescue.RescueActivation;
import io.netrescue.rescue.server.Reboots;
import io.netrescue.rescue.server.RescueService;
import io.netrescue.watchdog.LadderStep;
import java.util.List;
import java.util.Optional;

/**
 * What each ladder step does, with the services an operator would use by hand: network SysRq and
 * the host's power drivers ({@link Reboots}, shared with {@code rescue activate --reboot}), a rescue
 * activation ({@link RescueService}, as the API makes it), and the hands-on request. Every effect
 * records its own events (sysrq.*, power.*, rescue.*, boot.mode) with the actor {@code watchdog}.
 */
public final class LadderEffects implements Watchdog.Actions {
    static final String ACTOR = "watchdog";

    /** Sends the hands-on request; empty when no webhook is configured. */
    public interface HandsOn {
        Result request(String host, Watchdog.HealthView view, List<String> recentEvents, List<String> consoleTail) throws Exception;

        record Result(String detail) {}
    }

    private final RescueService rescue;
    private final Reboots reboots;
    private final EventService events;
    private final Optional<HandsOn> handsOn;
    private final java.util.function.Function<String, List<String>> consoleTail;
    private final java.util.function.ToIntFunction<String> pendingJobs;

    /**
     * @param consoleTail the host's last netconsole lines, for the hands-on request (empty when none)
     * @param pendingJobs how many jobs the host has queued or running (work for its rescue system)
     */
    public LadderEffects(RescueService rescue, Reboots reboots, EventService events,
                         Optional<HandsOn> handsOn, java.util.function.Function<String, List<String>> consoleTail,
                         java.util.function.ToIntFunction<String> pendingJobs) {
        this.pendingJobs = pendingJobs;
        this.rescue = rescue;
        this.reboots = reboots;
        this.events = events;
        this.handsOn = handsOn;
        this.consoleTail = consoleTail;
    }

    @Override
    public Result perform(String host, int step, LadderStep what, Watchdog.HealthView view) {
        return switch (what) {
            case LadderStep.Wait w -> new Result(true, "waited");
            case LadderStep.Sysrq s -> result(reboots.sysrq(host, s.keys(), ACTOR));
            case LadderStep.Power p -> result(reboots.power(host, PowerAction.parse(p.action()), ACTOR));
            case LadderStep.Rescue r -> rescue(host);
            case LadderStep.HandsOn h -> handsOn(host, view);
        };
    }

    private static Result result(Reboots.Outcome o) {
        return new Result(o.ok(), o.detail());
    }

    /**
     * A rescue activation with the host's registered SSH keys (no password: nobody would see it), then
     * a power cycle, or SysRq {@code sub} without a power driver. Jobs queued for the host are the
     * rescue system's work (the agent there runs them), so with one the step needs no key. Without a
     * registered key and without a job the step fails and stores nothing: a rescue system nobody can
     * log in to and nothing to run helps no one, and the ladder moves on to hands-on. An operator's live activation is kept (a new one would end their credentials).
     */
    private Result rescue(String host) {
        try {
            Reboot how = Reboot.best(reboots.means(host));
            Optional<RescueActivation> live = rescue.status(host).filter(a -> a.state() != RescueActivation.State.ENDED);
            String activation;
            Optional<Reboots.Outcome> rebooted;
            if (live.isPresent()) {
                activation = "kept live rescue activation " + live.get().id();
                rebooted = how == Reboot.NONE ? Optional.empty() : Optional.of(rescue.reboot(host, how, ACTOR));
            } else {
                int jobs = pendingJobs.applyAsInt(host);
                if (rescue.registeredKeys(host).isEmpty() && jobs == 0) {
                    return new Result(false, "no SSH key registered for " + host + " (netrescue host ssh-key add " + host + " FILE)"
                            + " and no job queued for its rescue system (netrescue job run " + host + " ...)");
                }
                RescueService.Activated a = jobs > 0 ? rescue.activateForJobs(host, RescueActivation.DEFAULT, ACTOR)
                        : rescue.activate(host, List.of(), false, RescueActivation.DEFAULT, how, ACTOR);
                activation = "rescue activation " + a.activation().id() + " until " + a.activation().expiresAt()
                        + " with " + a.activation().sshKeys().size() + " registered SSH key(s)" + (jobs > 0 ? " for " + jobs + " queued job(s)" : "");
                rebooted = a.rebooted();
            }
            return rebooted.map(o -> new Result(o.ok(), activation + "; " + how.word() + ": " + o.detail()))
                    .orElseGet(() -> new Result(false, activation + "; no power driver can cycle " + host + " and no SysRq is configured:"
                            + " power cycle it by hand"));
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
