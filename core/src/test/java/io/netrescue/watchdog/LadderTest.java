package io.netrescue.watchdog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netrescue.watchdog.Ladder.Observation.Override;
import io.netrescue.watchdog.Ladder.Observation.StepDone;
import io.netrescue.watchdog.Ladder.Observation.Tick;
import io.netrescue.watchdog.Ladder.OverrideKind;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Whole incidents through the pure ladder with a fake clock. */
class LadderTest {
    static final Instant T0 = Instant.parse("2026-11-23T10:00:00Z"); // a Monday
    static final Tick DOWN = new Tick(true, Optional.empty(), "");
    static final Tick ALIVE = new Tick(false, Optional.empty(), "");

    Instant now = T0;
    Ladder.State state = Ladder.State.initial();
    final List<String> timeline = new ArrayList<>();
    final List<Ladder.Act> acts = new ArrayList<>();
    Ladder ladder = new Ladder(LadderPolicy.defaults());

    Ladder.Plan feed(Ladder.Observation o) {
        Ladder.Plan p = ladder.next(state, o, now);
        state = p.state();
        p.notes().forEach(n -> timeline.add(n.kind() + ": " + n.detail()));
        acts.addAll(p.acts());
        return p;
    }

    /** Ticks once a second for {@code seconds} while the host stays down. */
    void downFor(int seconds) {
        for (int i = 0; i < seconds; i++) {
            feed(DOWN);
            now = now.plusSeconds(1);
        }
    }

    List<String> kinds() {
        return timeline.stream().map(l -> l.substring(0, l.indexOf(':'))).toList();
    }

    @Test
    void aHungHostIsWaitedForThenSysrqThenPowerCycledAndRecovers() {
        downFor(59);
        assertThat(kinds()).containsExactly("ladder.started", "ladder.step");
        assertThat(timeline.get(1)).isEqualTo("ladder.step: step 1/8: wait 1m");
        assertThat(acts).isEmpty();
        downFor(2); // the 60 s wait is over
        assertThat(acts).containsExactly(new Ladder.Act(1, new LadderStep.Sysrq("sisub")));
        assertThat(state.run().orElseThrow().acting()).isTrue();
        downFor(30); // no tick moves on while the action is in flight
        assertThat(acts).hasSize(1);
        feed(new StepDone(1, false, "no acknowledgement after 10 transmissions"));
        assertThat(timeline).contains("ladder.step-failed: step 2 (sysrq sisub): no acknowledgement after 10 transmissions",
                "ladder.step: step 3/8: wait 2m");
        downFor(121);
        assertThat(acts.getLast()).isEqualTo(new Ladder.Act(3, new LadderStep.Power("cycle")));
        feed(new StepDone(3, true, "chassis power cycle accepted"));
        downFor(40);
        feed(ALIVE);
        assertThat(timeline.getLast()).startsWith("ladder.recovered: alive again").contains("at step 5/8 (wait 5m)");
        assertThat(state.run()).isEmpty();
        assertThat(state.lastRecovery()).contains(now);
        // alive ticks afterwards change nothing
        Ladder.State before = state;
        feed(ALIVE);
        assertThat(state).isEqualTo(before);
    }

    @Test
    void aDeathDuringTheCoolDownIsHeldOnceThenLaddered() {
        downFor(1);
        feed(ALIVE); // recovered during the first wait
        now = now.plusSeconds(600);
        downFor(5);
        assertThat(kinds()).containsExactly("ladder.started", "ladder.step", "ladder.recovered", "ladder.held");
        assertThat(timeline.getLast()).contains("cool-down after the recovery at 2026-11-23T10:00:01Z, until 2026-11-23T10:30:01Z");
        now = T0.plus(Duration.ofMinutes(31));
        downFor(1);
        assertThat(kinds().getLast()).isEqualTo("ladder.step");
        assertThat(timeline.get(timeline.size() - 2)).contains("run 2 of at most 3", "waits x2");
        assertThat(timeline.getLast()).isEqualTo("ladder.step: step 1/8: wait 2m"); // back-off doubles the waits
    }

    @Test
    void pastMaxAttemptsOnlyAPersonIsAsked() {
        for (int run = 0; run < 3; run++) {
            downFor(1);
            feed(ALIVE);
            now = now.plus(Duration.ofMinutes(31)); // past the cool-down
        }
        acts.clear();
        downFor(3);
        assertThat(timeline.getLast()).startsWith("ladder.gave-up: 3 ladder runs in the last 1d (max-attempts 3)");
        assertThat(acts).containsExactly(new Ladder.Act(-1, new LadderStep.HandsOn()));
        assertThat(state.gaveUp()).isTrue();
        feed(new StepDone(-1, true, "ticket opened"));
        assertThat(timeline.getLast()).isEqualTo("ladder.step-ok: hands-on: ticket opened");
        // a day later the window has moved on; the host came back in between
        feed(ALIVE);
        now = now.plus(Duration.ofHours(25));
        downFor(1);
        assertThat(kinds().get(kinds().size() - 2)).isEqualTo("ladder.started");
    }

    @Test
    void silencesAndMaintenanceWindowsHoldTheLadder() {
        Instant until = now.plusSeconds(600);
        feed(new Tick(true, Optional.of(until), "testing kernel 6.12 (kernel try)"));
        feed(new Tick(true, Optional.of(until), "testing kernel 6.12 (kernel try)"));
        assertThat(timeline).containsExactly("ladder.held: silenced until 2026-11-23T10:10:00Z: testing kernel 6.12 (kernel try)");
        now = until;
        feed(new Tick(true, Optional.of(until), "testing kernel 6.12 (kernel try)"));
        assertThat(kinds().getLast()).isEqualTo("ladder.step");

        ladder = new Ladder(new LadderPolicy("night", Map.of(), LadderPolicy.defaults().steps(), 3, Duration.ofDays(1), 1,
                Duration.ZERO, List.of(MaintenanceWindow.parse("mon-fri 22:00-02:00")), ZoneId.of("UTC")));
        state = Ladder.State.initial();
        timeline.clear();
        now = Instant.parse("2026-11-24T01:30:00Z"); // Tuesday 01:30, inside Monday's window
        feed(DOWN);
        assertThat(timeline).containsExactly("ladder.held: maintenance window 'mon-fri 22:00-02:00' until 2026-11-24T02:00:00Z");
        now = Instant.parse("2026-11-24T02:00:00Z");
        feed(DOWN);
        assertThat(kinds().getLast()).isEqualTo("ladder.step");
    }

    @Test
    void anOperatorCanPauseSkipAbortAndStart() {
        downFor(10);
        feed(new Override(OverrideKind.PAUSE));
        downFor(300); // paused: the 60 s wait does not run out
        assertThat(acts).isEmpty();
        feed(new Override(OverrideKind.RESUME));
        assertThat(timeline.getLast()).isEqualTo("ladder.resumed: at step 1 after a pause of 5m");
        downFor(49);
        assertThat(acts).isEmpty();
        downFor(2);
        assertThat(acts).hasSize(1); // 10 + 51 s of waiting outside the pause
        feed(new Override(OverrideKind.SKIP));
        assertThat(timeline.get(timeline.size() - 2)).isEqualTo("ladder.skipped: step 2 (sysrq sisub)");
        feed(new StepDone(1, true, "late answer")); // the skipped step's outcome no longer moves anything
        assertThat(state.run().orElseThrow().step()).isEqualTo(2);
        feed(new Override(OverrideKind.ABORT));
        assertThat(state.aborted()).isTrue();
        downFor(1000);
        assertThat(kinds().getLast()).isEqualTo("ladder.aborted");
        assertThatThrownBy(() -> feed(new Override(OverrideKind.PAUSE))).hasMessage("no ladder run is under way");
        feed(new Override(OverrideKind.START));
        assertThat(timeline.get(timeline.size() - 2)).contains("run 2 of at most 3", "started by an operator");
        assertThatThrownBy(() -> feed(new Override(OverrideKind.START))).hasMessageContaining("already under way");
    }

    @Test
    void aLadderThatRunsOutEndsAndWaitsForTheHost() {
        ladder = new Ladder(new LadderPolicy("short", Map.of(), List.of(LadderStep.parse("power cycle"), LadderStep.parse("wait 10s")),
                1, Duration.ofDays(1), 1, Duration.ZERO, List.of(), ZoneId.of("UTC")));
        feed(DOWN);
        feed(new StepDone(0, true, "ok"));
        downFor(12);
        assertThat(kinds().getLast()).isEqualTo("ladder.exhausted");
        assertThat(state.gaveUp()).isTrue();
        int n = timeline.size();
        downFor(100);
        assertThat(timeline).hasSize(n);
    }

    @Test
    void stepsAndWindowsParseOrSayWhy() {
        assertThat(LadderStep.parse(" Power  soft-reset ")).isEqualTo(new LadderStep.Power("soft-reset"));
        assertThatThrownBy(() -> LadderStep.parse("power reboot")).hasMessageContaining("on, off, cycle or soft-reset");
        assertThatThrownBy(() -> LadderStep.parse("nap 5s")).hasMessageContaining("is not a ladder step");
        assertThatThrownBy(() -> LadderStep.parse("wait")).hasMessageContaining("needs a duration");
        assertThatThrownBy(() -> MaintenanceWindow.parse("sunday 2-4")).hasMessageContaining("must look like");
        assertThatThrownBy(() -> MaintenanceWindow.parse("xyz 02:00-04:00")).hasMessageContaining("'xyz' is not a day");
        MaintenanceWindow w = MaintenanceWindow.parse("sun 23:00-01:00");
        assertThat(w.endIfInside(Instant.parse("2026-11-23T00:30:00Z"), ZoneId.of("UTC"))).isEqualTo("2026-11-23T01:00:00Z");
        assertThat(w.endIfInside(Instant.parse("2026-11-23T01:00:00Z"), ZoneId.of("UTC"))).isNull();
        assertThat(LadderPolicy.selector("rack=r1, role=db")).containsEntry("rack", "r1").containsEntry("role", "db");
    }
}
