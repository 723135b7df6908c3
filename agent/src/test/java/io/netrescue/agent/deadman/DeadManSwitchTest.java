package io.netrescue.agent.deadman;

import static org.assertj.core.api.Assertions.assertThat;

import io.netrescue.agent.deadman.DeadManSwitch.Kind;
import io.netrescue.agent.deadman.DeadManSwitch.Phase;
import io.netrescue.watchdog.HeartbeatAnswer;
import io.netrescue.watchdog.HeartbeatAnswer.Maintenance;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every rule of the dead-man switch against a fake clock (monotonic and wall advance together). */
class DeadManSwitchTest {
    static final long P = 600_000; // the period: 10 minutes
    static final long WALL0 = 1_780_000_000_000L;
    static final DeadManSettings SETTINGS = new DeadManSettings(Duration.ofMillis(P), new DeadManSettings.Target.Gateway(), "true", 3,
            Path.of("/tmp/unused"));
    @TempDir Path dir;

    /** A switch driven second by second; the steps it takes, in order. */
    static final class Run {
        final DeadManSwitch sw;
        long mono;
        final List<DeadManSwitch.Step> steps = new ArrayList<>();

        Run(DeadManSettings s, List<Long> reboots) {
            sw = new DeadManSwitch(s, 0, reboots);
        }

        long wall() {
            return WALL0 + mono;
        }

        /** Ticks every second for {@code ms}. */
        Run advance(long ms) {
            long end = mono + ms;
            while (mono < end) {
                mono += 1000;
                sw.tick(mono, wall()).ifPresent(steps::add);
            }
            return this;
        }

        Run server(Maintenance m, long until) {
            sw.serverAnswered(mono, new HeartbeatAnswer("web1", UUID.randomUUID(), 1, wall(), m, until)).ifPresent(steps::add);
            return this;
        }

        Run target() {
            sw.targetAnswered(mono, "the target 10.0.0.1").ifPresent(steps::add);
            return this;
        }

        List<Kind> kinds() {
            return steps.stream().map(DeadManSwitch.Step::kind).toList();
        }
    }

    @Test
    void silenceForAPeriodRestartsTheNetworkAndAnotherPeriodReboots() {
        Run r = new Run(SETTINGS, List.of()).server(Maintenance.NONE, 0);
        r.advance(P - 1000);
        assertThat(r.steps).as("one second before the period ends").isEmpty();
        r.advance(1000);
        assertThat(r.kinds()).containsExactly(Kind.RESTART_NETWORK);
        assertThat(r.steps.getFirst().detail()).startsWith("nothing answered for 600 s (period 600 s): restarting the network");
        r.advance(P - 1000);
        assertThat(r.kinds()).containsExactly(Kind.RESTART_NETWORK);
        r.advance(1000);
        assertThat(r.kinds()).containsExactly(Kind.RESTART_NETWORK, Kind.REBOOT);
        assertThat(r.steps.get(1).detail()).contains("sync and reboot, 1 of at most 3 in 24 h");
        assertThat(r.sw.phase()).isEqualTo(Phase.REBOOTING);
        r.advance(3 * P);
        assertThat(r.steps).as("nothing after the reboot is ordered").hasSize(2);
    }

    @Test
    void theFirstPeriodRunsFromTheAgentsStartWhenNothingWasEverHeard() {
        Run r = new Run(SETTINGS, List.of()).advance(P - 1000);
        assertThat(r.steps).isEmpty();
        r.advance(1000);
        assertThat(r.kinds()).containsExactly(Kind.RESTART_NETWORK);
    }

    @Test
    void anAnswerDuringTheFirstPeriodChangesNothing() {
        Run r = new Run(SETTINGS, List.of()).server(Maintenance.NONE, 0).advance(P - 5000).server(Maintenance.NONE, 0).advance(P - 5000)
                .target().advance(P - 5000).server(Maintenance.NONE, 0).advance(P - 1000);
        assertThat(r.steps).isEmpty();
        assertThat(r.sw.phase()).isEqualTo(Phase.ARMED);
    }

    @Test
    void eitherTheServerOrTheTargetIsEnough() {
        Run r = new Run(SETTINGS, List.of());
        for (int i = 0; i < 10; i++) r.advance(P / 2).target();
        assertThat(r.steps).as("the target alone keeps it armed").isEmpty();
    }

    @Test
    void anAnswerAfterTheRestartReArmsAndTheNextSilenceStartsOver() {
        Run r = new Run(SETTINGS, List.of()).advance(P).server(Maintenance.NONE, 0);
        assertThat(r.kinds()).containsExactly(Kind.RESTART_NETWORK, Kind.RECOVERED);
        assertThat(r.steps.get(1).detail()).isEqualTo("the server answered again after the network restart: armed again");
        assertThat(r.sw.phase()).isEqualTo(Phase.ARMED);
        r.advance(P - 1000);
        assertThat(r.kinds()).as("a whole new period, no reboot").containsExactly(Kind.RESTART_NETWORK, Kind.RECOVERED);
        r.advance(1000);
        assertThat(r.kinds()).containsExactly(Kind.RESTART_NETWORK, Kind.RECOVERED, Kind.RESTART_NETWORK);
    }

    @Test
    void theBudgetOfRebootsADayHoldsTheRebootOnceLoggedAndReleasesItWhenTheOldestAgesOut() {
        long hour = 3_600_000;
        // three reboots in the last 24 h: one 23 h ago, two 1 h ago (wall times, as the journal has them)
        List<Long> earlier = List.of(WALL0 - 23 * hour, WALL0 - hour, WALL0 - hour + 1000);
        Run r = new Run(SETTINGS, earlier).advance(2 * P);
        assertThat(r.kinds()).containsExactly(Kind.RESTART_NETWORK, Kind.HELD);
        assertThat(r.steps.get(1).detail()).isEqualTo("the reboot is due but 3 reboots in the last 24 h (dead-man-max-reboots 3): no reboot");
        assertThat(r.sw.phase()).isEqualTo(Phase.HELD);
        r.advance(hour - 2 * P - 1000);
        assertThat(r.kinds()).as("logged once, not every tick").containsExactly(Kind.RESTART_NETWORK, Kind.HELD);
        r.advance(2000); // 23 h + 1 h: the oldest reboot leaves the 24 h window
        assertThat(r.kinds()).containsExactly(Kind.RESTART_NETWORK, Kind.HELD, Kind.REBOOT);
        assertThat(r.steps.get(2).detail()).contains("3 of at most 3 in 24 h");
    }

    @Test
    void zeroRebootsADayOnlyEverRestartsTheNetwork() {
        DeadManSettings never = new DeadManSettings(Duration.ofMillis(P), new DeadManSettings.Target.None(), "", 0, Path.of("/tmp/x"));
        Run r = new Run(never, List.of()).advance(10 * P);
        assertThat(r.kinds()).containsExactly(Kind.RESTART_NETWORK, Kind.HELD);
        assertThat(r.steps.getFirst().detail()).endsWith("(no dead-man-restart command: skipped)");
    }

    @Test
    void manualMaintenanceAnnouncedByTheServerHoldsEverything() {
        Run r = new Run(SETTINGS, List.of()).server(Maintenance.MANUAL, 0).advance(5 * P);
        assertThat(r.kinds()).containsExactly(Kind.HELD);
        assertThat(r.steps.getFirst().detail()).isEqualTo(
                "nothing answered for 600 s but the server announced maintenance (manual, until it says otherwise): no network restart, no reboot");
        // the server lifts it: the next silence acts again
        r.server(Maintenance.NONE, 0).advance(P);
        assertThat(r.kinds()).containsExactly(Kind.HELD, Kind.RESTART_NETWORK);
    }

    @Test
    void aMaintenanceWindowHoldsTheRebootUntilItEnds() {
        Run r = new Run(SETTINGS, List.of()).server(Maintenance.NONE, 0).advance(P);
        assertThat(r.kinds()).containsExactly(Kind.RESTART_NETWORK);
        // a last answer got through after the restart announcing a window 30 min from now, then silence again
        r.server(Maintenance.WINDOW, r.wall() + 3 * P).advance(2 * P);
        assertThat(r.kinds()).as("held from the start: nothing while the window runs").containsExactly(Kind.RESTART_NETWORK, Kind.RECOVERED, Kind.HELD);
        assertThat(r.steps.get(2).detail()).contains("maintenance window until");
        r.advance(P + 1000); // the window ends; the silence has lasted more than a period
        assertThat(r.kinds()).containsExactly(Kind.RESTART_NETWORK, Kind.RECOVERED, Kind.HELD, Kind.RESTART_NETWORK);
        r.advance(P);
        assertThat(r.kinds()).endsWith(Kind.REBOOT);
    }

    @Test
    void theRebootCounterSurvivesARestartOfTheAgentThroughTheJournal() throws Exception {
        Path file = dir.resolve("dead-man.log");
        DeadManJournal j = DeadManJournal.open(file);
        DeadManSettings one = new DeadManSettings(Duration.ofMillis(P), new DeadManSettings.Target.Gateway(), "", 1, file);
        Run r = new Run(one, j.reboots()).advance(2 * P);
        for (DeadManSwitch.Step s : r.steps) j.append(r.wall(), s.kind(), s.detail());
        assertThat(r.kinds()).containsExactly(Kind.RESTART_NETWORK, Kind.REBOOT);

        // the host rebooted: a new agent, a new monotonic clock, the same journal
        DeadManJournal again = DeadManJournal.open(file);
        assertThat(again.reboots()).containsExactly(r.wall());
        assertThat(again.entries()).extracting(DeadManJournal.Entry::id).containsExactly(1L, 2L);
        DeadManSwitch sw = new DeadManSwitch(one, 0, again.reboots());
        long wall = r.wall() + 60_000;
        assertThat(sw.tick(P, wall + P)).map(DeadManSwitch.Step::kind).contains(Kind.RESTART_NETWORK);
        assertThat(sw.tick(2 * P, wall + 2 * P)).map(DeadManSwitch.Step::detail)
                .contains("the reboot is due but 1 reboots in the last 24 h (dead-man-max-reboots 1): no reboot");
        assertThat(again.append(wall, Kind.HELD, "x").id()).isEqualTo(3);
    }

    @Test
    void theJournalSkipsATornLineAndRemembersWhatWasReported() throws Exception {
        Path file = dir.resolve("j.log");
        DeadManJournal j = DeadManJournal.open(file);
        j.append(WALL0, Kind.RESTART_NETWORK, "a\nb");
        j.append(WALL0 + 1, Kind.REBOOT, "r");
        java.nio.file.Files.writeString(file, "3 17800", java.nio.file.StandardOpenOption.APPEND); // a power cut mid-line
        DeadManJournal k = DeadManJournal.open(file);
        assertThat(k.entries()).extracting(DeadManJournal.Entry::detail).containsExactly("a b", "r");
        assertThat(k.unreported()).hasSize(2);
        k.markReported(1);
        assertThat(DeadManJournal.open(file).unreported()).extracting(DeadManJournal.Entry::id).containsExactly(2L);
    }

    @Test
    void onlyAnswersToRecentHeartbeatsCountAndEachOnce() {
        RecentHeartbeats r = new RecentHeartbeats();
        for (long s = 1; s <= 20; s++) r.sent(s * 10, s * 1000);
        assertThat(r.take(200)).isEqualTo(20_000);
        assertThat(r.take(200)).as("a replayed answer").isEqualTo(-1);
        assertThat(r.take(40)).as("older than the last 16").isEqualTo(-1);
        assertThat(r.take(50)).isEqualTo(5000);
        assertThat(r.take(55)).as("never sent").isEqualTo(-1);
    }

    @Test
    void theGatewayIsTheDefaultRoutesFromProc() throws Exception {
        java.nio.file.Files.createDirectories(dir.resolve("net"));
        java.nio.file.Files.writeString(dir.resolve("net/route"), """
                Iface	Destination	Gateway 	Flags	RefCnt	Use	Metric	Mask		MTU	Window	IRTT
                eth0	00000000	01024D0A	0003	0	0	0	00000000	0	0	0
                eth0	004D0A00	00000000	0001	0	0	0	00FFFFFF	0	0	0
                """);
        assertThat(DeadMan.gateway(dir)).map(java.net.InetAddress::getHostAddress).contains("10.77.2.1");
        java.nio.file.Files.writeString(dir.resolve("net/route"), "Iface\tDestination\n");
        assertThat(DeadMan.gateway(dir)).isEqualTo(Optional.empty());
    }
}
