package io.netrescue.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link CrashHarness} against the real server process: 8 writers through the API and /boot.ipxe,
 * SIGKILL at a random moment, restart on the same data directory, nothing acknowledged lost, no
 * once served twice. Cycles: {@code -Dnetrescue.crash.cycles=N} (default 4, about 30 s); a
 * fixed seed with {@code -Dnetrescue.crash.seed}; the summary also goes to
 * {@code -Dnetrescue.crash.report=FILE}; {@code -Dnetrescue.crash.dir=DIR} keeps the data directory
 * and the server logs; {@code -Dnetrescue.crash.seconds=S} starts no cycle after S seconds;
 * {@code -Dnetrescue.crash.from=DIR} starts from a copy of an existing data directory (its hosts are
 * verified every cycle but never written). {@code bench/crash-soak.sh} runs hundreds of cycles.
 */
class CrashHarnessTest {
    @TempDir Path tmp;

    Path workDir() {
        String d = System.getProperty("netrescue.crash.dir");
        return d == null || d.isBlank() ? tmp.resolve("crash") : Path.of(d);
    }

    static void report(String text) throws Exception {
        String f = System.getProperty("netrescue.crash.report");
        if (f != null && !f.isBlank()) {
            Path p = Path.of(f);
            if (p.getParent() != null) Files.createDirectories(p.getParent());
            Files.writeString(p, text);
        }
    }

    @Test
    void acknowledgedChangesSurviveRandomSigkills() throws Exception {
        CrashHarness.Options o = CrashHarness.Options.fromSystemProperties(workDir(), System.out);
        assertThat(o.cycles()).as("netrescue.crash.cycles").isPositive();
        CrashHarness.Report r;
        try (CrashHarness h = new CrashHarness(o)) {
            r = h.run();
        }
        String summary = r.summary();
        System.out.println(summary);
        report(summary);

        // Not vacuous: every cycle really killed a server that was taking writes, and onces were served.
        if (o.budgetSeconds() > 0) assertThat(r.cycles()).isNotEmpty();
        else assertThat(r.cycles()).hasSize(o.cycles());
        List<String> vacuous = new ArrayList<>();
        for (CrashHarness.CycleResult c : r.cycles()) {
            if (c.exitCode() != 137) vacuous.add("cycle " + c.cycle() + ": exit code " + c.exitCode() + ", not 137 (SIGKILL)");
            if (c.ackedWrites() == 0) vacuous.add("cycle " + c.cycle() + ": no acknowledged write");
            if (c.acked().getOrDefault("boot.ipxe", 0) == 0) vacuous.add("cycle " + c.cycle() + ": no acknowledged /boot.ipxe answer");
            if (c.eventsRead() == 0) vacuous.add("cycle " + c.cycle() + ": the audit log showed no event of the cycle");
        }
        if (r.oncesServed() == 0) vacuous.add("no once was served in any cycle");
        if (!vacuous.isEmpty()) fail("the harness did not exercise the server:\n" + String.join("\n", vacuous) + "\n\n" + summary);

        List<String> problems = new ArrayList<>();
        if (!r.lost().isEmpty()) problems.add(r.lost().size() + " acknowledged change(s) lost or half-applied after SIGKILL:\n  "
                + String.join("\n  ", r.lost()));
        if (!r.lostAudit().isEmpty()) problems.add(r.lostAudit().size() + " audit event(s) of acknowledged changes missing after SIGKILL:\n  "
                + String.join("\n  ", r.lostAudit()));
        if (!r.doubleServed().isEmpty()) problems.add(r.doubleServed().size() + " once(s) served twice:\n  "
                + String.join("\n  ", r.doubleServed()));
        if (!r.anomalies().isEmpty()) problems.add(r.anomalies().size() + " anomalies (answers the model did not predict):\n  "
                + String.join("\n  ", r.anomalies()));
        if (!problems.isEmpty()) fail(String.join("\n", problems) + "\n\nseed " + r.seed() + " (-Dnetrescue.crash.seed=" + r.seed() + ")");
    }

    /**
     * The checker itself: the data directory is rolled back after cycle 2's kill to its state after
     * cycle 1's, so everything acknowledged in cycle 2 is lost; the harness must name those changes and
     * nothing from cycle 1.
     */
    @Test
    void harnessReportsRolledBackWrites() throws Exception {
        CrashHarness.Options d = CrashHarness.Options.fromSystemProperties(workDir().resolveSibling("sabotage"), System.out);
        CrashHarness.Options o = new CrashHarness.Options(2, 0, d.writers(), d.minRunMs(), d.randomMs(), d.minAcked(), 0.0,
                d.quietMaxMs(), d.seed(), d.workDir(), null, d.out());
        CrashHarness.Report r;
        try (CrashHarness h = new CrashHarness(o)) {
            h.sabotageFromCycle = 2;
            r = h.run();
        }
        System.out.println(r.summary());
        assertThat(r.cycles()).hasSize(2);
        CrashHarness.CycleResult c2 = r.cycles().get(1);
        int adds = c2.acked().getOrDefault("host.add", 0);
        assertThat(adds).as("acknowledged adds in cycle 2").isPositive();
        long lostAdds = c2.lost().stream().filter(l -> l.matches("h-c2-w\\d+-\\d+: expected present.*, found absent;.*")).count();
        // Every acknowledged add of cycle 2 that no acknowledged delete removed again is reported lost.
        assertThat(lostAdds).as("acknowledged adds of cycle 2 reported lost: %s", c2.lost()).isPositive().isLessThanOrEqualTo(adds);
        assertThat(lostAdds).as("adds lost vs acknowledged adds minus deletes and requests in flight")
                .isGreaterThanOrEqualTo(adds - c2.acked().getOrDefault("host.delete", 0) - c2.inFlight());
        assertThat(c2.lost()).as("only cycle 2's changes are reported").allMatch(l -> l.contains("-c2-") || l.contains("h-c1-"));
    }

    /**
     * Write latency without kills (bench/store-writes.sh): p50/p99 of acknowledged host adds and boot
     * mode sets with 1 and with 8 writers. Enabled by {@code -Dnetrescue.bench.writes=true}; seconds
     * by {@code netrescue.bench.seconds} (default 20) after {@code netrescue.bench.warmup} (5).
     */
    @Test
    @EnabledIfSystemProperty(named = "netrescue.bench.writes", matches = "true")
    void writeLatency() throws Exception {
        CrashHarness.Options o = CrashHarness.Options.fromSystemProperties(workDir(), System.out);
        Duration warm = Duration.ofSeconds(Long.getLong("netrescue.bench.warmup", 5));
        Duration run = Duration.ofSeconds(Long.getLong("netrescue.bench.seconds", 20));
        StringBuilder out = new StringBuilder("write latency (acknowledged changes, fresh server per run, no kills)\n");
        try (CrashHarness h = new CrashHarness(o)) {
            for (String w : System.getProperty("netrescue.bench.writers", "1,8").split(",")) {
                CrashHarness.LatencyRun r = h.writeLatency(Integer.parseInt(w.strip()), warm, run);
                System.out.print(r.table());
                out.append(r.table());
                assertThat(r.nanos().get("all")).as("acknowledged writes with %s writers", w).isNotEmpty();
            }
        }
        report(out.toString());
    }
}
