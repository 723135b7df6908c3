package io.netrescue.rescue;

import io.netrescue.inventory.InvalidInputException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * One rescue activation of a host and its pure life cycle (time is an argument): activated, its
 * rescue system booted (fetched its per-boot settings), ready (reported its SSH host keys), ended
 * (by the operator, a newer activation, or expiry). Credentials belong to one activation and die
 * with it; the root password itself is never here, only whether one was issued.
 */
public record RescueActivation(long id, String host, Instant activatedAt, Instant expiresAt, State state,
                               List<SshPublicKey> sshKeys, boolean password, List<SshPublicKey> hostKeys,
                               Optional<Instant> readyAt, Optional<Instant> endedAt, String endReason) {
    /** The limits as written for help texts (compile-time constants, so annotations can say them); the durations are these parsed. */
    public static final String MIN_TEXT = "1m", MAX_TEXT = "7d", DEFAULT_TEXT = "2h";
    /** Short enough for "let me look, then it locks itself"; shorter could not even boot. */
    public static final Duration MIN = io.netrescue.boot.Durations.parse(MIN_TEXT);
    public static final Duration MAX = io.netrescue.boot.Durations.parse(MAX_TEXT);
    public static final Duration DEFAULT = io.netrescue.boot.Durations.parse(DEFAULT_TEXT);

    public enum State {
        ACTIVATED, BOOTED, READY, ENDED;

        public String word() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    public RescueActivation {
        sshKeys = List.copyOf(sshKeys);
        hostKeys = List.copyOf(hostKeys);
    }

    /** A new activation; at least one credential (an SSH key or a password) or nobody could log in. */
    public static RescueActivation activate(long id, String host, Instant now, Duration lasting, List<SshPublicKey> keys, boolean password) {
        return activate(id, host, now, lasting, keys, password, false);
    }

    /**
     * {@code forJobs}: the activation exists for the host's queued jobs, which its agent runs, so it
     * may carry no login at all; otherwise it needs an SSH key or a password.
     */
    public static RescueActivation activate(long id, String host, Instant now, Duration lasting, List<SshPublicKey> keys, boolean password, boolean forJobs) {
        if (keys.isEmpty() && !password && !forJobs) {
            throw new InvalidInputException("a rescue activation needs an SSH key or a password: nobody could log in otherwise");
        }
        if (lasting.compareTo(MIN) < 0 || lasting.compareTo(MAX) > 0) {
            throw new InvalidInputException("a rescue activation lasts from " + MIN.toMinutes() + " minute to " + MAX.toDays() + " days");
        }
        return new RescueActivation(id, host, now, now.plus(lasting), State.ACTIVATED, keys, password, List.of(),
                Optional.empty(), Optional.empty(), "");
    }

    /** The state as of {@code now}: past its expiry an activation has ended, stored or not. */
    public State stateAt(Instant now) {
        return state != State.ENDED && !now.isBefore(expiresAt) ? State.ENDED : state;
    }

    public boolean live(Instant now) {
        return stateAt(now) != State.ENDED;
    }

    /** Its rescue system fetched its settings: a (re)boot, so host keys reported before are gone. */
    public RescueActivation booted(Instant now) {
        requireLive(now);
        return new RescueActivation(id, host, activatedAt, expiresAt, State.BOOTED, sshKeys, password, List.of(), Optional.empty(), endedAt, endReason);
    }

    /** Its rescue system reported its host keys: once per boot (a second report is a replay). */
    public RescueActivation ready(HostKeyReport report, Instant now) {
        requireLive(now);
        if (state != State.BOOTED) {
            throw new RescueConflict(state == State.READY ? "this boot of the rescue system already reported ready"
                    : "the rescue system has not fetched its settings yet");
        }
        return new RescueActivation(id, host, activatedAt, expiresAt, State.READY, sshKeys, password, report.keys(), Optional.of(now), endedAt, endReason);
    }

    /** Ended for {@code reason}; ending an ended activation changes nothing. */
    public RescueActivation end(Instant now, String reason) {
        if (state == State.ENDED) return this;
        Instant at = now.isBefore(expiresAt) ? now : expiresAt;
        String why = now.isBefore(expiresAt) ? reason : "expired";
        return new RescueActivation(id, host, activatedAt, expiresAt, State.ENDED, sshKeys, password, hostKeys, readyAt, Optional.of(at), why);
    }

    private void requireLive(Instant now) {
        if (!live(now)) throw new RescueConflict("rescue activation " + id + " of " + host + " has ended" + (state == State.ENDED ? " (" + endReason + ")" : " (expired)"));
    }
}
