package io.netrescue.watchdog;

import io.netrescue.inventory.InvalidInputException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The escalation ladder's decisions for one host, as a pure function: (state, observation, now) ->
 * (new state, actions to perform, events to record). No clock, no I/O: the runner feeds it ticks,
 * step outcomes and operator overrides, persists the state before it acts, and performs the actions.
 * Tests drive it with a fake clock through whole incidents.
 */
public final class Ladder {
    private final LadderPolicy policy;

    public Ladder(LadderPolicy policy) {
        this.policy = policy;
    }

    public LadderPolicy policy() {
        return policy;
    }

    /** A run of the ladder: which step, since when, and whether that step's action is still in flight. */
    public record Run(String policy, int attempt, Instant startedAt, int step, Instant stepStartedAt, boolean acting,
                      Optional<Instant> pausedAt) {}

    /**
     * @param starts when recent runs started (those inside the attempt window count against max-attempts)
     * @param aborted an operator stopped the run: nothing automatic until the host is alive again
     * @param gaveUp the ladder ran out (or max-attempts was reached): nothing automatic until the host is alive again
     * @param held why a down host is being left alone right now ("" if it is not), so each hold is recorded once
     */
    public record State(Optional<Run> run, List<Instant> starts, Optional<Instant> lastRecovery, boolean aborted,
                        boolean gaveUp, String held) {
        public State {
            starts = List.copyOf(starts);
        }

        public static State initial() {
            return new State(Optional.empty(), List.of(), Optional.empty(), false, false, "");
        }
    }

    public sealed interface Observation {
        /**
         * Periodic, and on every change of the host's liveness.
         *
         * @param silencedUntil an operator's silence (or a test-kernel experiment's deadline) in force, with its reason
         */
        record Tick(boolean down, Optional<Instant> silencedUntil, String silenceReason) implements Observation {}

        /** The action of step {@code step} finished. */
        record StepDone(int step, boolean ok, String detail) implements Observation {}

        record Override(OverrideKind kind) implements Observation {}
    }

    public enum OverrideKind { START, PAUSE, RESUME, SKIP, ABORT }

    /** Perform step {@code step} ({@code -1}: the hands-on request sent when max-attempts is reached). */
    public record Act(int step, LadderStep what) {}

    /** An event for the host's timeline. */
    public record Note(String kind, String detail) {}

    public record Plan(State state, List<Act> acts, List<Note> notes) {}

    public Plan next(State s, Observation o, Instant now) {
        List<Act> acts = new ArrayList<>();
        List<Note> notes = new ArrayList<>();
        State out = switch (o) {
            case Observation.Tick t -> t.down() ? whileDown(s, t, now, acts, notes) : alive(s, now, notes);
            case Observation.StepDone d -> stepDone(s, d, now, acts, notes);
            case Observation.Override v -> override(s, v.kind(), now, acts, notes);
        };
        return new Plan(out, List.copyOf(acts), List.copyOf(notes));
    }

    private State alive(State s, Instant now, List<Note> notes) {
        if (s.run().isPresent()) {
            Run r = s.run().get();
            String step = r.step() < policy.steps().size() ? policy.steps().get(r.step()).text() : "the last step";
            notes.add(new Note("ladder.recovered", "alive again " + secs(Duration.between(r.startedAt(), now)) + " after the run started, at step "
                    + (r.step() + 1) + "/" + policy.steps().size() + " (" + step + ")"));
            return new State(Optional.empty(), s.starts(), Optional.of(now), false, false, "");
        }
        if (s.aborted() || s.gaveUp() || !s.held().isEmpty()) {
            return new State(Optional.empty(), s.starts(), s.lastRecovery(), false, false, "");
        }
        return s;
    }

    private State whileDown(State s, Observation.Tick t, Instant now, List<Act> acts, List<Note> notes) {
        if (s.run().isPresent()) {
            Run r = s.run().get();
            if (r.pausedAt().isPresent() || r.acting()) return s;
            if (policy.steps().get(r.step()) instanceof LadderStep.Wait w && now.isBefore(r.stepStartedAt().plus(scaled(w.duration(), r.attempt())))) {
                return s;
            }
            return enter(s, r, r.step() + 1, now, acts, notes);
        }
        if (s.aborted() || s.gaveUp()) return s;
        String hold = holdReason(s, t, now);
        if (!hold.isEmpty()) {
            if (!hold.equals(s.held())) notes.add(new Note("ladder.held", hold));
            return new State(Optional.empty(), s.starts(), s.lastRecovery(), false, false, hold);
        }
        List<Instant> recent = recentStarts(s, now);
        if (recent.size() >= policy.maxAttempts()) {
            notes.add(new Note("ladder.gave-up", recent.size() + " ladder runs in the last " + secs(policy.attemptWindow())
                    + " (max-attempts " + policy.maxAttempts() + "): asking for hands-on help instead of another run"));
            acts.add(new Act(-1, new LadderStep.HandsOn()));
            return new State(Optional.empty(), recent, s.lastRecovery(), false, true, "");
        }
        return start(new State(s.run(), recent, s.lastRecovery(), false, false, ""), now, acts, notes, "");
    }

    private String holdReason(State s, Observation.Tick t, Instant now) {
        if (t.silencedUntil().isPresent() && now.isBefore(t.silencedUntil().get())) {
            return "silenced until " + t.silencedUntil().get() + (t.silenceReason().isEmpty() ? "" : ": " + t.silenceReason());
        }
        for (MaintenanceWindow w : policy.maintenance()) {
            Instant end = w.endIfInside(now, policy.zone());
            if (end != null) return "maintenance window '" + w.text() + "' until " + end;
        }
        if (s.lastRecovery().isPresent() && now.isBefore(s.lastRecovery().get().plus(policy.cooldown()))) {
            return "cool-down after the recovery at " + s.lastRecovery().get() + ", until " + s.lastRecovery().get().plus(policy.cooldown());
        }
        return "";
    }

    private List<Instant> recentStarts(State s, Instant now) {
        Instant since = now.minus(policy.attemptWindow());
        return s.starts().stream().filter(i -> i.isAfter(since)).toList();
    }

    private State start(State s, Instant now, List<Act> acts, List<Note> notes, String by) {
        List<Instant> starts = new ArrayList<>(recentStarts(s, now));
        starts.add(now);
        int attempt = starts.size();
        notes.add(new Note("ladder.started", "policy " + policy.name() + ", run " + attempt + " of at most " + policy.maxAttempts() + " in "
                + secs(policy.attemptWindow()) + (attempt > 1 && policy.backoff() > 1 ? ", waits x" + fmt(Math.pow(policy.backoff(), attempt - 1)) : "")
                + by + ": " + String.join(" -> ", policy.steps().stream().map(LadderStep::text).toList())));
        Run r = new Run(policy.name(), attempt, now, -1, now, false, Optional.empty());
        return enter(new State(Optional.of(r), starts, s.lastRecovery(), false, false, ""), r, 0, now, acts, notes);
    }

    private State enter(State s, Run r, int step, Instant now, List<Act> acts, List<Note> notes) {
        if (step >= policy.steps().size()) {
            notes.add(new Note("ladder.exhausted", "every step tried (" + policy.steps().size() + "), host still down; nothing more until it"
                    + " is alive again or an operator starts a run"));
            return new State(Optional.empty(), s.starts(), s.lastRecovery(), false, true, "");
        }
        LadderStep what = policy.steps().get(step);
        boolean acting = !(what instanceof LadderStep.Wait);
        String text = what instanceof LadderStep.Wait w ? "wait " + secs(scaled(w.duration(), r.attempt())) : what.text();
        notes.add(new Note("ladder.step", "step " + (step + 1) + "/" + policy.steps().size() + ": " + text));
        if (acting) acts.add(new Act(step, what));
        Run next = new Run(r.policy(), r.attempt(), r.startedAt(), step, now, acting, Optional.empty());
        return new State(Optional.of(next), s.starts(), s.lastRecovery(), false, false, "");
    }

    private State stepDone(State s, Observation.StepDone d, Instant now, List<Act> acts, List<Note> notes) {
        if (d.step() == -1) {
            notes.add(new Note(d.ok() ? "ladder.step-ok" : "ladder.step-failed", "hands-on: " + d.detail()));
            return s;
        }
        if (s.run().isEmpty() || s.run().get().step() != d.step() || !s.run().get().acting()) return s; // skipped or superseded
        Run r = s.run().get();
        notes.add(new Note(d.ok() ? "ladder.step-ok" : "ladder.step-failed", "step " + (d.step() + 1) + " ("
                + policy.steps().get(d.step()).text() + "): " + d.detail()));
        Run done = new Run(r.policy(), r.attempt(), r.startedAt(), r.step(), r.stepStartedAt(), false, r.pausedAt());
        if (r.pausedAt().isPresent()) return new State(Optional.of(done), s.starts(), s.lastRecovery(), false, false, "");
        return enter(s, done, r.step() + 1, now, acts, notes);
    }

    private State override(State s, OverrideKind k, Instant now, List<Act> acts, List<Note> notes) {
        Optional<Run> run = s.run();
        if (k == OverrideKind.START) {
            if (run.isPresent()) throw new InvalidInputException("a ladder run is already under way (step " + (run.get().step() + 1) + ")");
            return start(new State(Optional.empty(), s.starts(), s.lastRecovery(), false, false, ""), now, acts, notes, ", started by an operator");
        }
        if (run.isEmpty()) throw new InvalidInputException("no ladder run is under way");
        Run r = run.get();
        return switch (k) {
            case PAUSE -> {
                if (r.pausedAt().isPresent()) yield s;
                notes.add(new Note("ladder.paused", "at step " + (r.step() + 1) + " (" + policy.steps().get(r.step()).text() + ")"));
                yield new State(Optional.of(new Run(r.policy(), r.attempt(), r.startedAt(), r.step(), r.stepStartedAt(), r.acting(),
                        Optional.of(now))), s.starts(), s.lastRecovery(), false, false, "");
            }
            case RESUME -> {
                if (r.pausedAt().isEmpty()) yield s;
                notes.add(new Note("ladder.resumed", "at step " + (r.step() + 1) + " after a pause of " + secs(Duration.between(r.pausedAt().get(), now))));
                // a wait does not run on while paused
                Run resumed = new Run(r.policy(), r.attempt(), r.startedAt(), r.step(),
                        r.stepStartedAt().plus(Duration.between(r.pausedAt().get(), now)), r.acting(), Optional.empty());
                State st = new State(Optional.of(resumed), s.starts(), s.lastRecovery(), false, false, "");
                // a step that finished during the pause moves on now
                yield r.acting() || policy.steps().get(r.step()) instanceof LadderStep.Wait ? st : enter(st, resumed, r.step() + 1, now, acts, notes);
            }
            case SKIP -> {
                notes.add(new Note("ladder.skipped", "step " + (r.step() + 1) + " (" + policy.steps().get(r.step()).text() + ")"));
                Run unpaused = new Run(r.policy(), r.attempt(), r.startedAt(), r.step(), r.stepStartedAt(), false, Optional.empty());
                yield enter(s, unpaused, r.step() + 1, now, acts, notes);
            }
            case ABORT -> {
                notes.add(new Note("ladder.aborted", "at step " + (r.step() + 1) + "; nothing automatic until the host is alive again"));
                yield new State(Optional.empty(), s.starts(), s.lastRecovery(), true, false, "");
            }
            case START -> throw new IllegalStateException();
        };
    }

    Duration scaled(Duration d, int attempt) {
        double f = Math.pow(policy.backoff(), Math.max(0, attempt - 1));
        long ms = (long) Math.min(d.toMillis() * f, Duration.ofDays(1).toMillis());
        return Duration.ofMillis(ms);
    }

    private static String secs(Duration d) {
        if (d.toSeconds() <= 0) return "0s";
        return io.netrescue.boot.Durations.format(Duration.ofSeconds(Math.max(0, d.toSeconds())));
    }

    private static String fmt(double x) {
        return x == Math.rint(x) ? Long.toString((long) x) : String.format(java.util.Locale.ROOT, "%.2f", x);
    }
}
