package io.netrescue.job.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netrescue.boot.BootMode;
import io.netrescue.boot.Profile;
import io.netrescue.inventory.InvalidInputException;
import io.netrescue.inventory.IpAddresses;
import io.netrescue.inventory.MacAddress;
import io.netrescue.job.Ack;
import io.netrescue.job.Done;
import io.netrescue.job.Job;
import io.netrescue.job.JobEnd;
import io.netrescue.job.JobSpec;
import io.netrescue.job.JobState;
import io.netrescue.job.OutputChunk;
import io.netrescue.job.OutputStream;
import io.netrescue.rescue.Reboot;
import io.netrescue.rescue.SshPublicKey;
import io.netrescue.rescue.server.RescueService;
import io.netrescue.rescue.server.RescueTokenRefused;
import io.netrescue.store.ConflictException;
import io.netrescue.store.Database;
import io.netrescue.store.HostStore;
import io.netrescue.store.NotFoundException;
import io.netrescue.store.TokenStore;
import io.netrescue.testing.InventoryFixture;
import io.netrescue.testing.MutableClock;
import io.netrescue.testing.RescueFixture;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Jobs through their whole life, with a fake clock: queue, hand out, output in order, end, cancel, lose, and who may do what. */
class JobServiceTest {
    static final SshPublicKey OPERATOR = SshPublicKey.parse("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKJorwhW84BJK7gwpeH38Gs16ZH8IhlXNLmCBmD0j3dL op@desk");
    static final String HOST_KEYS = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDXabiQrh40dzw8EXvsTpls0PJj3uEBJI5y+PAJRJzoQ root@rescue\n";

    @TempDir Path dir;
    final MutableClock clock = new MutableClock(Instant.parse("2026-12-03T10:00:00Z"));
    Database db;
    InventoryFixture f;
    RescueService rescue;
    TokenStore tokens;
    JobService jobs;

    @BeforeEach
    void open() {
        f = InventoryFixture.open(dir, clock);
        db = f.db();
        RescueFixture fx = RescueFixture.open(f, dir, "rescue", clock);
        rescue = fx.rescue();
        tokens = fx.tokens();
        f.profiles().save(new Profile("rescue", "rescue/vmlinuz", List.of("rescue/initrd"), "rescue.token={token}"), false, "t");
        for (int i = 1; i <= 2; i++) {
            f.hosts().add(new HostStore.NewHost("web" + i, List.of(MacAddress.parse("52:54:00:00:00:0" + i)), Optional.empty(),
                    List.of(IpAddresses.parse("10.0.0." + i)), Map.of()), "t");
        }
        jobs = new JobService(db, f.hostStore(), new JobStore(), f.eventStore(), rescue, clock, 100);
    }

    @AfterEach
    void close() {
        db.close();
    }

    /** A rescue system of {@code host} that booted now and fetched its settings: its token. */
    String rescueSystem(String host) {
        rescue.activate(host, List.of(OPERATOR), false, Duration.ofHours(2), Reboot.NONE, "api:op");
        return boots(host);
    }

    String boots(String host) {
        clock.advance(Duration.ofSeconds(1));
        String token = "tok-" + host + "-" + clock.instant().toEpochMilli();
        Instant now = clock.instant();
        db.inWriteTransaction(h -> {
            tokens.issue(h, token, host, "rescue", now, now.plus(Duration.ofHours(1)));
            return null;
        });
        rescue.settings(token, "10.0.0.1");
        return token;
    }

    Job submit(String host, String script) {
        return jobs.submit(host, "test.sh", script.getBytes(StandardCharsets.UTF_8), List.of(new Job.EnvVar("DISK", "/dev/vda")), Duration.ofMinutes(5), "api:op");
    }

    static OutputChunk out(long seq, String text) {
        return new OutputChunk(seq, OutputStream.OUT, text.getBytes(StandardCharsets.UTF_8));
    }

    String timeline() {
        return String.join("\n", f.events().recent(Optional.empty(), 1000, 0).stream().map(e -> e.kind() + " " + e.actor() + " " + e.reason().orElse("")).toList());
    }

    @Test
    void jobsWaitForTheRescueSystemAndRunOneAtATimeInOrder() throws Exception {
        Job first = submit("web1", "echo one"), second = submit("web1", "echo two");
        assertThat(first.state()).isEqualTo(JobState.QUEUED);
        String token = rescueSystem("web1");
        JobSpec spec = jobs.next(token, Duration.ZERO).orElseThrow();
        assertThat(spec.id()).isEqualTo(first.id());
        assertThat(new String(spec.script(), StandardCharsets.UTF_8)).isEqualTo("echo one");
        assertThat(spec.env()).containsExactly(new JobSpec.Env("DISK", "/dev/vda"));
        assertThat(spec.timeoutSeconds()).isEqualTo(300);
        // the answer was lost: asking again gives the same running job, not the second
        assertThat(jobs.next(token, Duration.ZERO).orElseThrow().id()).isEqualTo(first.id());
        assertThat(jobs.get(second.id()).state()).isEqualTo(JobState.QUEUED);
        jobs.done(token, first.id(), new Done(0, new JobEnd.Exit(0)));
        assertThat(jobs.get(first.id()).state()).isEqualTo(JobState.SUCCEEDED);
        assertThat(jobs.next(token, Duration.ZERO).orElseThrow().id()).isEqualTo(second.id());
        assertThat(timeline()).contains("job.queued api:op job " + first.id() + " test.sh", "job.started rescue job " + first.id(),
                "job.finished rescue job " + first.id() + " test.sh: succeeded (exit 0)");
    }

    @Test
    void outputIsStoredOnceInOrderAndTheEndWaitsForAllOfIt() throws Exception {
        Job j = submit("web1", "true");
        String token = rescueSystem("web1");
        jobs.next(token, Duration.ZERO);
        assertThat(jobs.output(token, j.id(), out(1, "a"))).isEqualTo(new Ack(1, false));
        assertThat(jobs.output(token, j.id(), out(1, "a"))).as("a resend").isEqualTo(new Ack(1, false));
        assertThatThrownBy(() -> jobs.output(token, j.id(), out(3, "c"))).isInstanceOfSatisfying(JobService.OutOfOrder.class,
                e -> assertThat(e.ack()).isEqualTo(new Ack(1, false)));
        jobs.output(token, j.id(), new OutputChunk(2, OutputStream.ERR, "b".getBytes(StandardCharsets.UTF_8)));
        assertThatThrownBy(() -> jobs.done(token, j.id(), new Done(3, new JobEnd.Exit(2)))).isInstanceOf(JobService.OutOfOrder.class);
        jobs.output(token, j.id(), out(3, "c"));
        jobs.done(token, j.id(), new Done(3, new JobEnd.Exit(2)));
        jobs.done(token, j.id(), new Done(3, new JobEnd.Exit(0))); // repeated: changes nothing
        Job done = jobs.get(j.id());
        assertThat(done.state()).isEqualTo(JobState.FAILED);
        assertThat(done.end()).contains("exit 2");
        var chunks = jobs.output(j.id(), 0, Duration.ZERO).chunks();
        assertThat(chunks).extracting(c -> c.seq() + c.stream() + new String(c.data(), StandardCharsets.UTF_8)).containsExactly("1outa", "2errb", "3outc");
        assertThat(jobs.output(j.id(), 2, Duration.ZERO).chunks()).hasSize(1);
    }

    @Test
    void outputBeyondTheLimitIsCountedNotKeptAndMarked() throws Exception {
        Job j = submit("web1", "yes");
        String token = rescueSystem("web1");
        jobs.next(token, Duration.ZERO);
        jobs.output(token, j.id(), out(1, "x".repeat(60)));
        jobs.output(token, j.id(), out(2, "y".repeat(60))); // 120 > 100: not kept
        jobs.output(token, j.id(), out(3, "z".repeat(30)));  // 90 <= 100: kept
        jobs.done(token, j.id(), new Done(3, new JobEnd.Signal(9)));
        Job done = jobs.get(j.id());
        assertThat(done.truncated()).isTrue();
        assertThat(done.storedBytes()).isEqualTo(90);
        assertThat(done.acked()).isEqualTo(3);
        assertThat(jobs.output(j.id(), 0, Duration.ZERO).chunks()).extracting(JobStore.Chunk::seq).containsExactly(1L, 3L);
        assertThat(timeline()).contains("failed (signal 9)", "(truncated)");
    }

    @Test
    void cancelStopsAQueuedJobAtOnceAndARunningOneThroughItsAgent() throws Exception {
        Job queued = submit("web1", "sleep 1"), running = submit("web1", "sleep 2");
        String token = rescueSystem("web1");
        // the first is handed out; cancel the second while it waits
        jobs.next(token, Duration.ZERO);
        assertThat(jobs.cancel(running.id(), "api:op").state()).isEqualTo(JobState.CANCELLED);
        assertThat(jobs.cancel(queued.id(), "api:op").cancelRequested()).isTrue();
        assertThat(jobs.output(token, queued.id(), out(1, "tick"))).isEqualTo(new Ack(1, true));
        jobs.done(token, queued.id(), new Done(1, new JobEnd.Cancelled()));
        assertThat(jobs.get(queued.id()).state()).isEqualTo(JobState.CANCELLED);
        assertThatThrownBy(() -> jobs.cancel(queued.id(), "api:op")).isInstanceOf(ConflictException.class);
        assertThat(timeline()).contains("job.cancel api:op job " + queued.id(), "cancelled before it started");
    }

    @Test
    void onlyTheHostsRunningRescueSystemSeesAndFeedsItsJobs() throws Exception {
        Job j = submit("web1", "secret work");
        String web1 = rescueSystem("web1"), web2 = rescueSystem("web2");
        assertThat(jobs.next(web2, Duration.ZERO)).as("web2 sees only its own queue").isEmpty();
        assertThatThrownBy(() -> jobs.output(web2, j.id(), out(1, "forged"))).isInstanceOf(NotFoundException.class);
        assertThat(jobs.next(web1, Duration.ZERO).orElseThrow().id()).isEqualTo(j.id());
        assertThatThrownBy(() -> jobs.next("forged", Duration.ZERO)).isInstanceOf(RescueTokenRefused.class);
        // the same activation boots again: the old boot's token is refused, its job is lost, the new boot runs what is queued
        Job next = submit("web1", "echo next");
        String again = boots("web1");
        assertThatThrownBy(() -> jobs.output(web1, j.id(), out(1, "late"))).isInstanceOf(RescueTokenRefused.class);
        assertThat(jobs.next(again, Duration.ZERO).orElseThrow().id()).isEqualTo(next.id());
        assertThat(jobs.get(j.id()).state()).isEqualTo(JobState.LOST);
        assertThat(jobs.get(j.id()).reason()).get().asString().contains("booted it again");
    }

    @Test
    void aRunningJobIsLostWhenItsRescueSystemEndsOrItsAgentGoesQuietPastItsTimeout() throws Exception {
        Job a = submit("web1", "a");
        String token = rescueSystem("web1");
        jobs.next(token, Duration.ZERO);
        assertThat(jobs.sweep()).isZero();
        clock.advance(Duration.ofMinutes(6)); // timeout 5 min: the agent should have killed it and said so
        assertThat(jobs.sweep()).isZero();   // within the grace
        clock.advance(Duration.ofMinutes(2));
        assertThat(jobs.sweep()).isEqualTo(1);
        assertThat(jobs.get(a.id()).state()).isEqualTo(JobState.LOST);

        Job b = submit("web1", "b");
        jobs.next(token, Duration.ZERO);
        rescue.end("web1", "api:op");
        assertThat(jobs.sweep()).isEqualTo(1);
        assertThat(jobs.get(b.id())).satisfies(x -> {
            assertThat(x.state()).isEqualTo(JobState.LOST);
            assertThat(x.reason()).get().asString().contains("rescue system is gone");
        });
    }

    @Test
    void badJobsAreRefusedWithAReasonAndNothingIsQueued() {
        assertThatThrownBy(() -> jobs.submit("web1", "x", new byte[0], List.of(), Duration.ofMinutes(1), "t")).isInstanceOf(InvalidInputException.class).hasMessageContaining("empty");
        assertThatThrownBy(() -> jobs.submit("web1", "x", new byte[(1 << 20) + 1], List.of(), Duration.ofMinutes(1), "t")).hasMessageContaining("larger");
        assertThatThrownBy(() -> jobs.submit("web1", "x", "a".getBytes(), List.of(new Job.EnvVar("lower", "v")), Duration.ofMinutes(1), "t")).hasMessageContaining("name");
        assertThatThrownBy(() -> jobs.submit("web1", "x", "a".getBytes(), List.of(new Job.EnvVar("A", "line\nbreak")), Duration.ofMinutes(1), "t")).hasMessageContaining("printable");
        assertThatThrownBy(() -> jobs.submit("web1", "x", "a".getBytes(), List.of(), Duration.ofHours(25), "t")).hasMessageContaining("24 hours");
        assertThatThrownBy(() -> jobs.submit("web1", "x\u0007", "a".getBytes(), List.of(), Duration.ofMinutes(1), "t")).hasMessageContaining("printable");
        assertThatThrownBy(() -> jobs.submit("nosuch", "x", "a".getBytes(), List.of(), Duration.ofMinutes(1), "t")).isInstanceOf(NotFoundException.class);
        assertThat(jobs.list(Optional.empty(), 100)).isEmpty();
    }

    // ---- built-ins, the disk report, ending rescue ----------------------------------------------

    Job builtin(String host, String name, Map<String, String> args, boolean endRescue) {
        Builtins.Builtin b = Builtins.require(name);
        return jobs.submit(host, new JobService.Submission(Builtins.jobName(b, args), Builtins.script(b), Builtins.env(b, args), b.timeout(),
                Optional.of(name), endRescue), "api:op");
    }

    @Test
    void everyBuiltinShipsAShellScript() {
        for (Builtins.Builtin b : Builtins.all()) {
            assertThat(new String(Builtins.script(b), StandardCharsets.UTF_8)).as(b.name()).startsWith("#!/bin/sh\n");
        }
    }

    @Test
    void builtinArgumentsAreCheckedBeforeAnythingIsQueued() {
        Builtins.Builtin re = Builtins.require("reinstall");
        String sha = "AB".repeat(32);
        Map<String, String> good = Map.of("image", "https://images.example/debian.raw.zst", "sha256", sha, "disk", "/dev/sda");
        assertThat(Builtins.env(re, good)).contains(new Job.EnvVar("IMAGE_SHA256", sha.toLowerCase()), new Job.EnvVar("DISK", "/dev/sda"));
        for (Map.Entry<String, String> bad : List.of(Map.entry("disk", "/dev/sda; touch /tmp/pwned"), Map.entry("disk", "/dev/../etc/passwd"),
                Map.entry("disk", "sda"), Map.entry("image", "file:///etc/shadow"), Map.entry("image", "https://x/a b"),
                Map.entry("image", "https://x/$(reboot)"), Map.entry("sha256", "12ab"), Map.entry("format", "rar"))) {
            Map<String, String> args = new java.util.HashMap<>(good);
            args.put(bad.getKey(), bad.getValue());
            assertThatThrownBy(() -> Builtins.env(re, args)).as(bad.toString()).isInstanceOf(InvalidInputException.class).hasMessageContaining(bad.getKey());
        }
        assertThatThrownBy(() -> Builtins.env(re, Map.of("image", "https://x/i.raw"))).hasMessageContaining("needs sha256");
        assertThatThrownBy(() -> Builtins.env(Builtins.require("disks"), Map.of("disk", "/dev/sda"))).hasMessageContaining("takes no arguments");
        assertThatThrownBy(() -> Builtins.require("rm-rf")).hasMessageContaining("no built-in job 'rm-rf'");
    }

    @Test
    void aSuccessfulDisksJobLeavesItsReportOnTheHost() throws Exception {
        jobs = new JobService(db, f.hostStore(), new JobStore(), f.eventStore(), rescue, clock, 1 << 20);
        Job j = builtin("web1", "disks", Map.of(), false);
        assertThat(j.builtin()).contains("disks");
        String token = rescueSystem("web1");
        jobs.next(token, Duration.ZERO);
        jobs.output(token, j.id(), out(1, "{\"version\":1,\"disks\":[{\"name\":\"vda\",\"size_bytes\":"));
        jobs.output(token, j.id(), new OutputChunk(2, OutputStream.ERR, "smartctl: not a SMART device\n".getBytes(StandardCharsets.UTF_8)));
        jobs.output(token, j.id(), out(3, "268435456}]}\n"));
        jobs.done(token, j.id(), new Done(3, new JobEnd.Exit(0)));
        JobStore.DiskReport r = jobs.disks("web1").orElseThrow();
        assertThat(r.json()).isEqualTo("{\"version\":1,\"disks\":[{\"name\":\"vda\",\"size_bytes\":268435456}]}");
        assertThat(r.job()).isEqualTo(j.id());
        assertThat(timeline()).contains("host.disks rescue disk report from job " + j.id() + ": 1 disk(s)");
        assertThat(jobs.disks("web2")).isEmpty();
        // a report that is not one (a script job's output never is one; a failing disks job neither)
        Job bad = builtin("web1", "disks", Map.of(), false);
        jobs.next(token, Duration.ZERO);
        jobs.output(token, bad.id(), out(1, "{\"disks\": 1}"));
        jobs.done(token, bad.id(), new Done(1, new JobEnd.Exit(0)));
        assertThat(jobs.disks("web1").orElseThrow().job()).isEqualTo(j.id());
        assertThat(timeline()).contains("job.note netrescue job " + bad.id() + " disks: no disk report kept, its output is not a JSON object with a \"disks\" array");
        f.hosts().remove("web1", "t");
        Optional<JobStore.DiskReport> gone = db.read(h -> new JobStore().disks(h, "web1"));
        assertThat(gone).isEmpty();
    }

    @Test
    void aJobThatEndsRescueDoesSoOnlyWhenItSucceeds() throws Exception {
        Job failing = submit("web1", "false");
        Job repair = jobs.submit("web1", new JobService.Submission("repair.sh", "true".getBytes(StandardCharsets.UTF_8), List.of(), Duration.ofMinutes(5),
                Optional.empty(), true), "api:op");
        assertThat(repair.endRescue()).isTrue();
        String token = rescueSystem("web1");
        jobs.next(token, Duration.ZERO);
        jobs.done(token, failing.id(), new Done(0, new JobEnd.Exit(1)));
        Thread.sleep(100);
        assertThat(rescue.status("web1").orElseThrow().live(clock.instant())).isTrue();
        jobs.next(token, Duration.ZERO);
        jobs.done(token, repair.id(), new Done(0, new JobEnd.Exit(0)));
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (rescue.status("web1").orElseThrow().live(clock.instant()) && System.nanoTime() < deadline) Thread.sleep(50);
        assertThat(rescue.status("web1").orElseThrow().live(clock.instant())).as("activation ended by the job").isFalse();
        assertThat(f.hosts().require("web1").boot().mode()).isEqualTo(new BootMode.Local());
        assertThat(timeline()).contains("rescue.ended job " + repair.id());

        // a failing end-rescue job leaves the rescue system to a person, and says so
        Job second = jobs.submit("web2", new JobService.Submission("repair.sh", "false".getBytes(StandardCharsets.UTF_8), List.of(), Duration.ofMinutes(5),
                Optional.empty(), true), "api:op");
        String t2 = rescueSystem("web2");
        jobs.next(t2, Duration.ZERO);
        jobs.done(t2, second.id(), new Done(0, new JobEnd.Exit(3)));
        Thread.sleep(JobService.END_RESCUE_DELAY.toMillis() + 300);
        assertThat(rescue.status("web2").orElseThrow().live(clock.instant())).isTrue();
        assertThat(timeline()).contains("job.note netrescue job " + second.id() + " repair.sh did not succeed (failed)");
    }

    @Test
    void removingAHostCancelsItsJobsSoAHostOfTheSameNameNeverRunsThem() throws Exception {
        Job q = submit("web1", "echo for the old machine");
        f.hosts().remove("web1", "api:op");
        assertThat(jobs.get(q.id()).state()).isEqualTo(JobState.CANCELLED);
        assertThat(jobs.get(q.id()).reason()).contains("host removed");
        f.hosts().add(new HostStore.NewHost("web1", List.of(MacAddress.parse("52:54:00:00:00:09")), Optional.empty(), List.of(), Map.of()), "t");
        String token = rescueSystem("web1");
        assertThat(jobs.next(token, Duration.ZERO)).isEmpty();
        assertThat(timeline()).contains("job.cancel api:op 1 queued or running job(s) cancelled: host removed");
    }
}
