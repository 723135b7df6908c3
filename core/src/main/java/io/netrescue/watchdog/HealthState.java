package io.netrescue.watchdog;

import java.util.Locale;

/** What netrescue believes about a host's liveness; persisted, shown by {@code netrescue watchdog}. */
public enum HealthState {
    /** Heartbeats or probes arrive as expected. */
    UP,
    /** Late beyond the detector's threshold: watched, nothing done yet (a lost packet ends here at most). */
    SUSPECT,
    /** Suspect for long enough with no probe answering: the escalation ladder may start. */
    DOWN,
    /** Down, with a ladder run under way. */
    RECOVERING,
    /** Alive again, but booted into the rescue system (the ladder's rescue step): a person takes over. */
    RESCUE,
    /** Set by an operator: observed, never acted on. */
    MAINTENANCE,
    /** Never heard from (no agent heartbeat, no probe target) since it was added. */
    UNKNOWN;

    public String word() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static HealthState parse(String s) {
        return valueOf(s.strip().toUpperCase(Locale.ROOT));
    }
}
