package io.netrescue.agent.job;

import static org.assertj.core.api.Assertions.assertThat;

import io.netrescue.agent.AgentConfig;
import io.netrescue.inventory.InvalidInputException;
import io.netrescue.job.Done;
import io.netrescue.job.JobEnd;
import io.netrescue.job.JobSpec;
import io.netrescue.job.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.assertj.core.api.Assertions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The agent's job runner against a faithful in-test server (FakeJobServer): output, faults, kills, ends, polling. */
class JobRunnerTest {
    @TempDir
    Path tmp;
    final FakeJobServer server;
    final JobClient client;

    JobRunnerTest() throws Exception {
        server = new FakeJobServer();
        client = new JobClient(server.url(), FakeJobServer.TOKEN);
    }

    @AfterEach
    void stop() {
        server.close();
    }

    JobRunner runner(Duration killGrace) {
        return new JobRunner(client, tmp, 256 * 1024, Duration.ofMillis(50), Duration.ofMillis(400), killGrace);
    }

    static JobSpec spec(long id, int timeout, String script, JobSpec.Env... env) {
        return new JobSpec(id, timeout, 0, List.of(env), script.getBytes(StandardCharsets.UTF_8));
    }

    /** Fetches the queued job as the loop would, and runs it. */
    JobEnd fetchAndRun(JobRunner r) throws Exception {
        JobSpec s = client.next(Duration.ofSeconds(1)).orElseThrow();
        return r.run(s);
    }

    @Test
    void outputArrivesCompleteInOrderWithItsStreamsAndTheEnvReachesTheScript() throws Exception {
        // 200 000 bytes on stdout (several 64 KiB chunks), lines on stderr, the env and the minimal environment
        FakeJobServer.Job j = server.queue(spec(1, 60, """
                i=0; while [ $i -lt 2000 ]; do printf '%099d\\n' $i; i=$((i+1)); done
                echo "to err 1" >&2
                echo "MSG=$MSG PATH=$PATH HOME=$HOME LANG=$LANG USER=${USER-unset}" >&2
                echo "to err 2" >&2
                """, new JobSpec.Env("MSG", "hello  world")));
        assertThat(fetchAndRun(runner(Duration.ofSeconds(5)))).isEqualTo(new JobEnd.Exit(0));
        StringBuilder want = new StringBuilder();
        for (int i = 0; i < 2000; i++) want.append(String.format("%099d\n", i));
        assertThat(j.text(OutputStream.OUT)).isEqualTo(want.toString());
        assertThat(j.text(OutputStream.ERR)).isEqualTo("to err 1\nMSG=hello  world PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 USER=unset\nto err 2\n");
        assertThat(j.done).isEqualTo(new Done(j.acked, new JobEnd.Exit(0)));
        assertThat(j.chunks).extracting(c -> c.seq()).isEqualTo(seqs(j.chunks.size()));
        assertThat(j.chunks.stream().filter(c -> c.stream() == OutputStream.OUT).count()).isGreaterThanOrEqualTo(4);
        assertThat(tmp).isEmptyDirectory(); // the script's private directory is gone
    }

    /**
     * The agent runs protected (its unit: real-time scheduling, nice -10, OOM score -1000); a job must not
     * inherit that. The test JVM plays the protected agent: every thread SCHED_RR at nice -5 (needs
     * CAP_SYS_NICE), and an OOM score of -900 where it may lower it (CAP_SYS_RESOURCE, absent in some
     * containers: then that part is not checked).
     */
    @Test
    void aJobDoesNotInheritTheAgentsProtection() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(shell("chrt -r 1 true"), "cannot use real-time scheduling here (needs CAP_SYS_NICE)");
        Path adj = Path.of("/proc/self/oom_score_adj");
        String before = java.nio.file.Files.readString(adj).strip();
        boolean oom;
        try {
            java.nio.file.Files.writeString(adj, "-900");
            oom = true;
        } catch (java.io.IOException e) {
            oom = false;
        }
        String tasks = "for t in /proc/" + ProcessHandle.current().pid() + "/task/*; do ";
        try {
            assertThat(shell(tasks + "chrt -r -p 10 ${t##*/} && renice -n -5 -p ${t##*/} >/dev/null || exit 1; done")).isTrue();
            FakeJobServer.Job j = server.queue(spec(9, 30, "cat /proc/self/oom_score_adj; ps -o cls=,ni= -p $$"));
            assertThat(fetchAndRun(runner(Duration.ofSeconds(5)))).isEqualTo(new JobEnd.Exit(0));
            List<String> lines = j.text(OutputStream.OUT).lines().toList();
            if (oom) assertThat(lines.get(0)).as("OOM score").isEqualTo("0");
            assertThat(lines.get(1).strip()).as("scheduling class and nice").matches("TS\\s+0");
        } finally {
            shell(tasks + "chrt -o -p 0 ${t##*/}; renice -n 0 -p ${t##*/} >/dev/null; done");
            if (oom) java.nio.file.Files.writeString(adj, before);
        }
    }

    /**
     * Found by an attack: an agent killed with SIGKILL left its job running (its own session), and the
     * next agent only reported it failed. The journal names each job's session; a new agent kills what of
     * it still runs in this boot, and never a process that merely reuses the pid.
     */
    @Test
    void aNewAgentKillsWhatAnEarlierAgentsJobLeftRunning() throws Exception {
        Path journal = tmp.resolve("jobs.started");
        Process orphan = new ProcessBuilder("setsid", "/bin/sh", "-c", "sleep 300 & sleep 300").start();
        Process bystander = new ProcessBuilder("setsid", "sleep", "300").start();
        try {
            long end = System.nanoTime() + 5_000_000_000L;
            while ((ProcessGroups.sessionMembers(orphan.pid()).size() < 2 || ProcessGroups.sessionMembers(bystander.pid()).isEmpty())
                    && System.nanoTime() < end) Thread.sleep(20);
            assertThat(ProcessGroups.sessionMembers(orphan.pid())).hasSizeGreaterThanOrEqualTo(2);
            String boot = ProcessGroups.bootId();
            java.nio.file.Files.writeString(journal, "5\nsession 5 " + orphan.pid() + " " + ProcessGroups.startTime(orphan.pid()) + " " + boot + "\n"
                    + "6\nsession 6 " + bystander.pid() + " " + (ProcessGroups.startTime(bystander.pid()) + 1) + " " + boot + "\n");
            new JobRunner(client, journal).reapOrphans();
            end = System.nanoTime() + 5_000_000_000L;
            while (!ProcessGroups.sessionMembers(orphan.pid()).isEmpty() && System.nanoTime() < end) Thread.sleep(20);
            assertThat(ProcessGroups.sessionMembers(orphan.pid())).as("the orphaned job and its child").isEmpty();
            assertThat(bystander.isAlive()).as("a pid whose start time differs is another process").isTrue();
        } finally {
            orphan.destroyForcibly();
            bystander.destroyForcibly();
        }
    }

    static boolean shell(String command) throws Exception {
        Process p = new ProcessBuilder("/bin/sh", "-c", command).redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        return p.waitFor() == 0;
    }

    @Test
    void faultsAndAnOutageLoseAndDoubleNothing() throws Exception {
        server.faults = true;
        FakeJobServer.Job j = server.queue(spec(2, 60, """
                i=1; while [ $i -le 40 ]; do echo "out $i"; echo "err $i" >&2; sleep 0.05; i=$((i+1)); done
                head -c 300000 /dev/zero | tr '\\0' x
                """));
        JobSpec s = null;
        while (s == null) {
            try {
                s = client.next(Duration.ofSeconds(1)).orElseThrow();
            } catch (java.io.IOException retry) {
                // every 3rd request fails
            }
        }
        JobSpec fetched = s;
        Thread outage = Thread.ofVirtual().start(() -> {
            try {
                Thread.sleep(800);
                server.down(2000);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        assertThat(runner(Duration.ofSeconds(5)).run(fetched)).isEqualTo(new JobEnd.Exit(0));
        outage.join();
        StringBuilder out = new StringBuilder(), err = new StringBuilder();
        for (int i = 1; i <= 40; i++) {
            out.append("out ").append(i).append('\n');
            err.append("err ").append(i).append('\n');
        }
        out.append("x".repeat(300000));
        assertThat(j.text(OutputStream.OUT)).isEqualTo(out.toString());
        assertThat(j.text(OutputStream.ERR)).isEqualTo(err.toString());
        assertThat(j.chunks).extracting(c -> c.seq()).isEqualTo(seqs(j.chunks.size()));
        assertThat(j.done).isEqualTo(new Done(j.acked, new JobEnd.Exit(0)));
        assertThat(server.dropped.get()).isPositive(); // answers were lost after the server stored the chunk: resent as duplicates
        assertThat(j.duplicates).isPositive();
    }

    /** A tree with a backgrounded grandchild pair and a process that ignores SIGTERM; each prints "pid N". */
    static final String TREE = """
            sh -c 'sleep 1000 & echo "pid $!"; echo "pid $$"; exec sleep 1000' &
            sh -c 'trap "" TERM; echo "pid $$"; while :; do sleep 1; done' &
            echo "pid $$"
            sleep 0.3
            echo started
            wait
            """;

    @Test
    void timeoutKillsTheWholeTree() throws Exception {
        FakeJobServer.Job j = server.queue(spec(3, 2, TREE));
        long t0 = System.nanoTime();
        assertThat(fetchAndRun(runner(Duration.ofSeconds(5)))).isEqualTo(new JobEnd.Timeout());
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isBetween(Duration.ofSeconds(6), Duration.ofSeconds(12)); // 2 s + the 5 s grace
        assertNoSurvivors(j, 4);
        assertThat(j.done.end()).isEqualTo(new JobEnd.Timeout());
    }

    @Test
    void cancelKillsTheWholeTree() throws Exception {
        FakeJobServer.Job j = server.queue(spec(4, 600, TREE));
        j.cancelOnFirstOutput = true;
        long t0 = System.nanoTime();
        assertThat(fetchAndRun(runner(Duration.ofSeconds(1)))).isEqualTo(new JobEnd.Cancelled());
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(6));
        assertNoSurvivors(j, 4);
        assertThat(j.done).isEqualTo(new Done(j.acked, new JobEnd.Cancelled()));
    }

    void assertNoSurvivors(FakeJobServer.Job j, int expected) throws InterruptedException {
        List<Long> pids = new ArrayList<>();
        Matcher m = Pattern.compile("pid ([0-9]+)").matcher(j.text(OutputStream.OUT));
        while (m.find()) pids.add(Long.parseLong(m.group(1)));
        assertThat(pids).hasSize(expected);
        Thread.sleep(100);
        for (long p : pids) assertThat(ProcessGroups.running(p)).as("pid " + p + " survived").isFalse();
    }

    @Test
    void exitCodesSignalsAndRestartsAreReported() throws Exception {
        JobRunner r = runner(Duration.ofSeconds(5));
        FakeJobServer.Job a = server.queue(spec(10, 10, "echo bye; exit 3\n"));
        assertThat(fetchAndRun(r)).isEqualTo(new JobEnd.Exit(3));
        assertThat(a.done).isEqualTo(new Done(1, new JobEnd.Exit(3)));
        FakeJobServer.Job b = server.queue(spec(11, 10, "kill -KILL $$\n"));
        assertThat(fetchAndRun(r)).isEqualTo(new JobEnd.Signal(9));
        assertThat(b.done).isEqualTo(new Done(0, new JobEnd.Signal(9))); // no output: seq 0
        server.queue(spec(12, 10, "kill -TERM $$\n"));
        assertThat(fetchAndRun(r)).isEqualTo(new JobEnd.Signal(15));
        // the server says 5 chunks are stored: an earlier agent ran it; it cannot be resumed
        FakeJobServer.Job c = server.queue(new JobSpec(13, 10, 5, List.of(), "echo again\n".getBytes()));
        for (int i = 1; i <= 5; i++) c.chunks.add(new io.netrescue.job.OutputChunk(i, OutputStream.OUT, new byte[] {'x'}));
        assertThat(fetchAndRun(r)).isEqualTo(new JobEnd.Failed("agent restarted"));
        assertThat(c.done).isEqualTo(new Done(5, new JobEnd.Failed("agent restarted")));
    }

    @Test
    void theLoopRunsJobsOneAtATimeAndStopsPollingWhenRefused() throws Exception {
        FakeJobServer.Job a = server.queue(spec(20, 10, "sleep 0.3; echo one\n"));
        FakeJobServer.Job b = server.queue(spec(21, 10, "echo two\n"));
        JobLoop loop = new JobLoop(client, runner(Duration.ofSeconds(5)), Duration.ofMillis(50), Duration.ofMillis(200)).start();
        try {
            assertThat(server.awaitDone(b, 10_000)).isEqualTo(new Done(1, new JobEnd.Exit(0)));
            assertThat(a.done).isEqualTo(new Done(1, new JobEnd.Exit(0)));
            assertThat(a.text(OutputStream.OUT) + b.text(OutputStream.OUT)).isEqualTo("one\ntwo\n");
            server.refuse = true;
            assertThat(loop.await(Duration.ofSeconds(5))).isTrue();
            assertThat(loop.refused()).isTrue();
            int polls = server.nextRequests.get();
            Thread.sleep(500);
            assertThat(server.nextRequests.get()).isEqualTo(polls);
        } finally {
            loop.stop();
        }
    }

    @Test
    void jobsSettingsGoTogetherAndAreChecked() {
        Properties p = new Properties();
        p.setProperty("host", "web1");
        p.setProperty("key", "00".repeat(32));
        assertThat(AgentConfig.of(p, "t").jobs()).isEmpty();
        p.setProperty("jobs-url", "http://10.0.0.1:8080");
        Assertions.assertThatThrownBy(() -> AgentConfig.of(p, "t")).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("jobs-url without jobs-token is for an installed system, which runs only the jobs allowed-jobs names");
        p.setProperty("allowed-jobs", "disks, fsck");
        AgentConfig.Jobs installed = AgentConfig.of(p, "t").jobs().orElseThrow();
        assertThat(installed.installed()).isTrue();
        assertThat(installed.allowed().toString()).isEqualTo("disks,fsck");
        p.setProperty("allowed-jobs", "disks; rm -rf /");
        Assertions.assertThatThrownBy(() -> AgentConfig.of(p, "t")).hasMessageContaining("allowed-jobs: 'disks; rm -rf /' is not");
        p.remove("allowed-jobs");
        p.setProperty("jobs-token", "short");
        Assertions.assertThatThrownBy(() -> AgentConfig.of(p, "t")).isInstanceOf(InvalidInputException.class).hasMessageContaining("jobs-token must be");
        p.setProperty("jobs-token", FakeJobServer.TOKEN);
        assertThat(AgentConfig.of(p, "t").jobs().orElseThrow().url().toString()).isEqualTo("http://10.0.0.1:8080");
        assertThat(AgentConfig.of(p, "t").jobs().orElseThrow().toString()).doesNotContain(FakeJobServer.TOKEN);
        for (String bad : new String[] {"ftp://x", "10.0.0.1:8080", "http://", "http://x/?a=b", "http://u@x/"}) {
            p.setProperty("jobs-url", bad);
            Assertions.assertThatThrownBy(() -> AgentConfig.of(p, "t")).isInstanceOf(InvalidInputException.class).hasMessageContaining("jobs-url must be");
        }
    }

    @Test
    void allowedJobsNameWhatAnInstalledSystemRuns() {
        JobSpec script = new JobSpec(1, 60, 0, List.of(), "true".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        JobSpec disks = new JobSpec(2, 60, 0, List.of(), "true".getBytes(java.nio.charset.StandardCharsets.US_ASCII), java.util.Optional.of("disks"));
        assertThat(AllowedJobs.parse("").refusal(script)).contains("not allowed on this host: a script is not in its allowed-jobs (none)");
        assertThat(AllowedJobs.parse("none").refusal(disks)).isPresent();
        assertThat(AllowedJobs.parse("disks").refusal(disks)).isEmpty();
        assertThat(AllowedJobs.parse("disks").refusal(script)).isPresent();
        assertThat(AllowedJobs.parse("script").refusal(disks)).as("script does not imply the built-ins").isPresent();
        assertThat(AllowedJobs.parse("all").refusal(disks)).isEmpty();
        assertThat(AllowedJobs.parse("all").refusal(script)).isEmpty();
        for (String bad : new String[] {"all,script", "Disks", "script,,disks", "none,disks", "*"}) {
            Assertions.assertThatThrownBy(() -> AllowedJobs.parse(bad)).as(bad).isInstanceOf(InvalidInputException.class);
        }
    }

    static List<Long> seqs(int n) {
        List<Long> l = new ArrayList<>();
        for (long i = 1; i <= n; i++) l.add(i);
        return l;
    }
}
