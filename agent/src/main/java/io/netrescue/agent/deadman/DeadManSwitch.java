package io.netrescue.agent.deadman;

import io.netrescue.watchdog.HeartbeatAnswer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The dead-man switch's decisions (pure: the caller supplies both clocks and carries out the steps).
 * When neither the server (an authentic answer to one of this boot's heartbeats) nor the target has
 * answered for one period, the network is restarted; if still nothing has answered one period after
 * that, the host reboots, unless the reboots of the last 24 hours already reach the budget or the
 * server last announced maintenance (then the reboot is held, logged once per reason, and taken as
 * soon as it is allowed while the silence lasts). Any answer re-arms the switch.
 *
 * <p>Periods are measured on a monotonic clock ({@code mono}, ms): a clock step (NTP catching up
 * once the network is back) must not look like silence. The reboot budget and the server's
 * maintenance end are wall-clock times ({@code wall}, ms), since they outlive a boot.
 */
public final class DeadManSwitch {
    static final long DAY_MS = Duration.ofDays(1).toMillis();

    public enum Phase {
        /** Listening; the period runs from the last answer. */
        ARMED,
        /** The network was restarted; the reboot is one period later. */
        NETWORK_RESTARTED,
        /** The reboot is due but not allowed (budget, maintenance). */
        HELD,
        /** The reboot was ordered: nothing more to decide in this boot. */
        REBOOTING
    }

    /** What to do (and journal before doing it). */
    public enum Kind {
        RESTART_NETWORK("dead-man.restart-network"), REBOOT("dead-man.reboot"), HELD("dead-man.held"), RECOVERED("dead-man.recovered");

        public final String event;

        Kind(String event) {
            this.event = event;
        }
    }

    public record Step(Kind kind, String detail) {}

    private final DeadManSettings settings;
    private final List<Long> reboots; // wall ms of earlier reboots (from the journal)
    private Phase phase = Phase.ARMED;
    private long lastServer = -1, lastTarget = -1, armedAt, phaseSince;
    private HeartbeatAnswer.Maintenance maintenance = HeartbeatAnswer.Maintenance.NONE;
    private long maintenanceUntil;
    private String heldFor = "";

    /**
     * @param monoNow when the agent started: the first period runs from here, so a host gets its boot
     *                and one whole period before anything is done (the router watchdog's "X*2 after boot")
     * @param earlierReboots wall-clock times of the switch's earlier reboots, from its journal
     */
    public DeadManSwitch(DeadManSettings settings, long monoNow, List<Long> earlierReboots) {
        this.settings = settings;
        this.armedAt = monoNow;
        this.reboots = new ArrayList<>(earlierReboots);
    }

    public Phase phase() {
        return phase;
    }

    /**
     * An authentic answer to one of this boot's recent heartbeats, which that heartbeat left at
     * {@code monoSent}: the server heard us then (a late answer proves no more), and announces
     * {@code a}'s maintenance state.
     */
    public Optional<Step> serverAnswered(long monoSent, HeartbeatAnswer a) {
        lastServer = Math.max(lastServer, monoSent);
        maintenance = a.maintenance();
        maintenanceUntil = a.maintenanceUntilMillis();
        return heard("the server");
    }

    /** The target answered a probe sent at {@code monoSent}. */
    public Optional<Step> targetAnswered(long monoSent, String target) {
        lastTarget = Math.max(lastTarget, monoSent);
        return heard(target);
    }

    private Optional<Step> heard(String who) {
        if (phase == Phase.ARMED || phase == Phase.REBOOTING) {
            heldFor = "";
            return Optional.empty();
        }
        Phase was = phase;
        phase = Phase.ARMED;
        heldFor = "";
        return Optional.of(new Step(Kind.RECOVERED, who + " answered again" + (was == Phase.HELD ? " while the reboot was held" : " after the network restart")
                + ": armed again"));
    }

    /** Milliseconds since the last answer from anyone (or since the agent started). */
    public long silentFor(long mono) {
        return mono - Math.max(armedAt, Math.max(lastServer, lastTarget));
    }

    /** Whether the server's last word (a window still running, or manual maintenance) holds the switch. */
    public Optional<String> maintenance(long wall) {
        return switch (maintenance) {
            case NONE -> Optional.empty();
            case MANUAL -> Optional.of("the server announced maintenance (manual, until it says otherwise)");
            case WINDOW -> wall < maintenanceUntil
                    ? Optional.of("the server announced a maintenance window until " + Instant.ofEpochMilli(maintenanceUntil))
                    : Optional.empty();
        };
    }

    public int rebootsInLastDay(long wall) {
        return (int) reboots.stream().filter(r -> r > wall - DAY_MS && r <= wall).count();
    }

    /** One look at the clocks; at most one step. */
    public Optional<Step> tick(long mono, long wall) {
        long period = settings.period().toMillis();
        long silent = silentFor(mono);
        switch (phase) {
            case ARMED -> {
                if (silent < period) return Optional.empty();
                Optional<String> m = maintenance(wall);
                if (m.isPresent()) return hold("nothing answered for " + secs(silent) + " but " + m.get() + ": no network restart, no reboot");
                heldFor = "";
                phase = Phase.NETWORK_RESTARTED;
                phaseSince = mono;
                return Optional.of(new Step(Kind.RESTART_NETWORK, "nothing answered for " + secs(silent) + " (period " + secs(period)
                        + "): restarting the network" + (settings.restartCommand().isEmpty() ? " (no dead-man-restart command: skipped)" : "")));
            }
            case NETWORK_RESTARTED, HELD -> {
                if (mono - phaseSince < period) return Optional.empty();
                Optional<String> m = maintenance(wall);
                if (m.isPresent()) return held(m.get() + ": no reboot");
                int done = rebootsInLastDay(wall);
                if (done >= settings.maxRebootsPerDay()) {
                    return held(done + " reboots in the last 24 h (dead-man-max-reboots " + settings.maxRebootsPerDay() + "): no reboot");
                }
                phase = Phase.REBOOTING;
                reboots.add(wall);
                return Optional.of(new Step(Kind.REBOOT, "still nothing " + secs(mono - phaseSince) + " after the network restart (silent "
                        + secs(silent) + "): sync and reboot, " + (done + 1) + " of at most " + settings.maxRebootsPerDay() + " in 24 h"));
            }
            default -> {
                return Optional.empty();
            }
        }
    }

    /** While armed: the silence is noted once per reason, nothing is done. */
    private Optional<Step> hold(String why) {
        String key = why.substring(why.indexOf(" but ") + 1);
        if (key.equals(heldFor)) return Optional.empty();
        heldFor = key;
        return Optional.of(new Step(Kind.HELD, why));
    }

    /** After the restart: the reboot waits, noted once per reason. */
    private Optional<Step> held(String why) {
        phase = Phase.HELD;
        if (why.equals(heldFor)) return Optional.empty();
        heldFor = why;
        return Optional.of(new Step(Kind.HELD, "the reboot is due but " + why));
    }

    static String secs(long ms) {
        return (ms / 1000) + " s";
    }
}
