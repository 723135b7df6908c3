package io.netrescue.agent.job;

import io.netrescue.job.Ack;
import io.netrescue.job.Done;
import io.netrescue.job.JobCodec;
import io.netrescue.job.JobEnd;
import io.netrescue.job.JobSpec;
import io.netrescue.job.OutputChunk;
import io.netrescue.job.OutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Runs one job and delivers its output and end ({@code docs/protocols/jobs.md}, "Agent side"):
 * <ul>
 * <li>the script goes to a private temporary file (a 0700 directory), run as {@code setsid /bin/sh FILE}:
 *     util-linux setsid calls setsid(2) and execs the shell (it forks only when the caller leads a
 *     process group, which the JVM's child never does, and that is checked), so the shell Java
 *     started is the session and process group leader. stdin is /dev/null; the environment is PATH,
 *     HOME, LANG and the job's env;
 * <li>stdout and stderr are read by two threads into chunks of at most 64 KiB, flushed when full, after
 *     200 ms without new bytes, or when their oldest byte is 1 s old; chunks get consecutive seq numbers
 *     from 1 across both streams;
 * <li>a sender (a virtual thread) posts the chunks strictly in order, each until acknowledged, with
 *     backoff from 1 s doubling to 30 s, without end: the server may be away for minutes; on 409 it
 *     resends from the server's {@code acked + 1}. Unacknowledged chunks are held up to 8 MiB (the
 *     agent runs with a 32 MiB heap), then
 *     the readers stop reading and the job blocks on its pipe (backpressure) until the server is back;
 * <li>timeout and cancel ({@code cancel yes} in an ack) kill the session: SIGTERM to the process group,
 *     after 5 s SIGKILL to the group, to every member of the session and to every descendant seen;
 *     when the shell exits by itself, what it left running in its session is killed the same way;
 * <li>the end is {@code exit N}, or {@code signal N} when Java reports 128+N (129..192): Java reports a
 *     process killed by signal N as 128+N, as sh reports a command killed by a signal, and cannot tell
 *     that from {@code exit 128+N}, so a script's own {@code exit 137} is reported as {@code signal 9};
 * <li>after the last chunk is acknowledged, {@code done} is posted until acknowledged.
 * </ul>
 * A job whose spec says {@code acked > 0} was started by an earlier agent (this one runs one job at
 * a time and finishes it before asking for the next): it cannot be resumed, and is reported
 * {@code failed agent restarted} with {@code seq = acked}.
 */
public final class JobRunner {
    /** A job quiet this long is probed (an empty chunk): the answer may say cancel. */
    static final Duration PROBE_AFTER = Duration.ofSeconds(5);
    private static final System.Logger log = System.getLogger("netrescue.agent");
    /** Unacknowledged output held per job: the agent's heap is 32 MiB (-Xmx32m in its launcher). */
    public static final long MAX_PENDING = 8L << 20;
    static final long QUIET_MILLIS = 200, MAX_AGE_MILLIS = 1000;
    static final Map<String, String> BASE_ENV = Map.of("PATH", "/usr/sbin:/usr/bin:/sbin:/bin", "HOME", "/root", "LANG", "C.UTF-8");

    private final JobClient client;
    private final Path tmp;
    private final long maxPending;
    private final Duration backoffMin, backoffMax, killGrace;
    private volatile boolean refused;

    public JobRunner(JobClient client) {
        this(client, Path.of(System.getProperty("java.io.tmpdir")), MAX_PENDING, Duration.ofSeconds(1), Duration.ofSeconds(30), Duration.ofSeconds(5));
    }

    /**
     * With a journal of the jobs this host's agents started ({@code started}, one id per line, written
     * and synced before a job starts): a job handed out again after the agent restarted mid-job is
     * reported failed, never run a second time (before any output the server cannot tell the two apart).
     */
    public JobRunner(JobClient client, Path started) {
        this(client);
        this.started = started;
    }

    private Path started;

    /**
     * Kills what jobs of an earlier agent of this boot still run: an agent killed with SIGKILL leaves its
     * job's session running (it is its own session, by design), and the job is reported failed when it is
     * handed out again, so nothing would ever stop it. The journal names each job's session leader with its
     * start time and the boot, so a pid reused since is never hit. Call once, before asking for jobs.
     */
    public void reapOrphans() {
        if (started == null || !Files.exists(started)) return;
        String boot = ProcessGroups.bootId();
        try {
            for (String line : Files.readAllLines(started)) {
                String[] f = line.split(" ");
                if (f.length != 5 || !f[0].equals("session") || !f[4].equals(boot) || boot.isEmpty()) continue;
                long sid = Long.parseLong(f[2]), start = Long.parseLong(f[3]);
                long[] gs = ProcessGroups.groupAndSession(sid);
                if (gs == null || gs[1] != sid || ProcessGroups.startTime(sid) != start) continue; // gone, or another process now
                List<Long> members = ProcessGroups.sessionMembers(sid);
                ProcessGroups.signalGroup(sid, ProcessGroups.SIGKILL);
                for (long m : members) ProcessGroups.signal(m, ProcessGroups.SIGKILL);
                log.log(System.Logger.Level.WARNING, "job " + f[1] + " of an earlier agent was still running (session " + sid + ", "
                        + members.size() + " processes): killed");
            }
        } catch (IOException | RuntimeException e) {
            log.log(System.Logger.Level.WARNING, "cannot read the job journal " + started + ": " + e);
        }
    }

    /** Records the job's session leader, so that a later agent can kill what this one leaves behind if it dies. */
    private void journalSession(long id, long sid) {
        if (started == null) return;
        String line = "session " + id + " " + sid + " " + ProcessGroups.startTime(sid) + " " + ProcessGroups.bootId() + "\n";
        try (var ch = java.nio.channels.FileChannel.open(started, java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.WRITE,
                java.nio.file.StandardOpenOption.APPEND)) {
            ch.write(java.nio.ByteBuffer.wrap(line.getBytes(java.nio.charset.StandardCharsets.US_ASCII)));
            ch.force(true);
        } catch (IOException e) {
            log.log(System.Logger.Level.WARNING, "cannot journal job " + id + "'s session: " + e);
        }
    }

    /** Whether the journal says job {@code id} was started here before; records it when not. */
    private boolean startedBefore(long id) throws IOException {
        if (started == null) return false;
        String line = id + "\n";
        if (Files.exists(started) && Files.readAllLines(started).contains(String.valueOf(id))) return true;
        try (var ch = java.nio.channels.FileChannel.open(started, java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.WRITE,
                java.nio.file.StandardOpenOption.APPEND)) {
            ch.write(java.nio.ByteBuffer.wrap(line.getBytes(java.nio.charset.StandardCharsets.US_ASCII)));
            ch.force(true);
        }
        return false;
    }

    JobRunner(JobClient client, Path tmp, long maxPending, Duration backoffMin, Duration backoffMax, Duration killGrace) {
        this.client = client;
        this.tmp = tmp;
        this.maxPending = maxPending;
        this.backoffMin = backoffMin;
        this.backoffMax = backoffMax;
        this.killGrace = killGrace;
    }

    /** Whether the server refused the token (403) during a delivery: the caller stops asking for jobs. */
    public boolean refused() {
        return refused;
    }

    /**
     * Runs the job and returns once its output and end are delivered (or the server rejected them for
     * good, 400/404/413); returns how it ended. Interrupted (the agent stops): kills the job at once,
     * gives up delivery and throws.
     */
    public JobEnd run(JobSpec spec) throws InterruptedException {
        boolean again;
        try {
            again = startedBefore(spec.id());
        } catch (IOException e) {
            JobEnd end = JobEnd.Failed.of("cannot record that the job starts: " + e.getMessage());
            deliverDone(spec.id(), new Done(spec.acked(), end));
            return end;
        }
        if (spec.acked() > 0 || again) {
            JobEnd end = new JobEnd.Failed("agent restarted");
            log.log(System.Logger.Level.WARNING, "job " + spec.id() + " was started by an earlier agent (acked " + spec.acked() + "): reporting it failed");
            deliverDone(spec.id(), new Done(spec.acked(), end));
            return end;
        }
        Job job = new Job(spec);
        return job.run();
    }

    /** Reports {@code spec} failed without running it ({@code why}: this host does not allow it). */
    public JobEnd refuse(JobSpec spec, String why) throws InterruptedException {
        JobEnd end = JobEnd.Failed.of(why);
        deliverDone(spec.id(), new Done(spec.acked(), end));
        return end;
    }

    private final class Job {
        final JobSpec spec;
        final Outbox outbox = new Outbox(maxPending);
        final CompletableFuture<JobEnd> stop = new CompletableFuture<>();
        volatile JobEnd end;

        Job(JobSpec spec) {
            this.spec = spec;
        }

        JobEnd run() throws InterruptedException {
            Thread sender = Thread.ofVirtual().name("job-" + spec.id() + "-sender").start(this::send);
            try {
                end = execute();
            } catch (InterruptedException e) {
                outbox.abandon();
                sender.interrupt();
                throw e;
            }
            log.log(System.Logger.Level.INFO, "job " + spec.id() + " ended: " + end.word());
            outbox.close();
            sender.join();
            return end;
        }

        private JobEnd execute() throws InterruptedException {
            Path dir = null;
            try {
                dir = Files.createTempDirectory(tmp, "netrescue-job-" + spec.id() + "-",
                        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
                Path file = Files.createFile(dir.resolve("job.sh"), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
                Files.write(file, spec.script());
                return supervise(file);
            } catch (IOException e) {
                log.log(System.Logger.Level.WARNING, "job " + spec.id() + " cannot run: " + e);
                return JobEnd.Failed.of("cannot run the job: " + e.getMessage());
            } finally {
                if (dir != null) delete(dir);
            }
        }

        private JobEnd supervise(Path file) throws IOException, InterruptedException {
            ProcessBuilder pb = new ProcessBuilder(setsid(), "/bin/sh", "-c", ORDINARY + "exec /bin/sh \"$0\"", file.toString()).directory(new File("/"))
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
            Map<String, String> env = pb.environment();
            env.clear();
            env.putAll(BASE_ENV);
            for (JobSpec.Env e : spec.env()) env.put(e.name(), e.value());
            Process p = pb.start();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(spec.timeoutSeconds());
            long sid = p.pid();
            Pump out = new Pump(OutputStream.OUT, p.getInputStream()), err = new Pump(OutputStream.ERR, p.getErrorStream());
            Thread ticker = Thread.ofVirtual().name("job-" + spec.id() + "-flush").start(() -> tick(out, err));
            try {
                if (!ownSession(p)) {
                    kill(p, sid, Duration.ZERO);
                    return new JobEnd.Failed("the job did not get its own session (setsid)");
                }
                journalSession(spec.id(), sid);
                JobEnd end;
                try {
                    CompletableFuture.anyOf(p.onExit(), stop).get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                    end = stop.isDone() ? stop.join() : exitEnd(p.exitValue());
                } catch (TimeoutException e) {
                    end = new JobEnd.Timeout();
                } catch (ExecutionException e) {
                    end = JobEnd.Failed.of("waiting for the job: " + e.getCause());
                }
                // the shell has ended, or is to be killed: nothing of the job outlives it in its session
                kill(p, sid, killGrace);
                if (!out.awaitEnd(2000) | !err.awaitEnd(2000)) {
                    // something outside the session holds the pipes: stop reading; the threads end with the pipes
                    log.log(System.Logger.Level.WARNING, "job " + spec.id() + ": a process outside its session keeps its output open; not reading further");
                    out.abandon();
                    err.abandon();
                }
                return end;
            } catch (InterruptedException e) {
                outbox.abandon(); // first: unblocks a reader held by backpressure
                kill(p, sid, Duration.ZERO);
                out.abandon();
                err.abandon();
                throw e;
            } finally {
                ticker.interrupt();
            }
        }

        /** Waits (a little) for setsid to have made the shell a session leader: sid == pid. */
        private boolean ownSession(Process p) throws InterruptedException {
            for (int i = 0; i < 200; i++) {
                long[] gs = ProcessGroups.groupAndSession(p.pid());
                if (gs == null || !p.isAlive()) return true; // already gone: nothing to check, nothing to kill
                if (gs[0] == p.pid() && gs[1] == p.pid()) return true;
                Thread.sleep(5);
            }
            return false;
        }

        private void tick(Pump... pumps) {
            try {
                while (true) {
                    Thread.sleep(50);
                    boolean live = false;
                    for (Pump pu : pumps) live |= pu.tick(System.nanoTime());
                    if (!live) return;
                }
            } catch (InterruptedException e) {
                // the job is over
            }
        }

        /** The sender: every chunk in order until acknowledged, then done until acknowledged. */
        private void send() {
            try {
                while (true) {
                    OutputChunk c = outbox.oldest(PROBE_AFTER.toNanos());
                    if (c == null) break;
                    Ack a = deliver(() -> client.output(spec.id(), c), "output " + c.seq() + " of job " + spec.id());
                    if (a.cancel() && stop.complete(new JobEnd.Cancelled()))
                        log.log(System.Logger.Level.INFO, "job " + spec.id() + " cancelled by the server");
                    if (!outbox.acked(a.acked())) {
                        log.log(System.Logger.Level.ERROR, "job " + spec.id() + ": the server acknowledges " + a.acked()
                                + " after acknowledging more; the output it lost is gone, giving up delivery");
                        giveUp();
                        return;
                    }
                }
                if (end == null) return; // abandoned
                deliverDone(spec.id(), new Done(outbox.lastSeq(), end));
            } catch (JobRejected e) {
                log.log(System.Logger.Level.ERROR, "job " + spec.id() + ": " + e.getMessage() + "; giving up delivery");
                giveUp();
            } catch (InterruptedException e) {
                // the agent stops
            }
        }

        private void giveUp() {
            stop.complete(JobEnd.Failed.of("delivery given up"));
            outbox.abandon();
        }

        private void kill(Process p, long sid, Duration grace) throws InterruptedException {
            Set<ProcessHandle> seen = new HashSet<>();
            p.descendants().forEach(seen::add);
            if (p.isAlive() || !ProcessGroups.sessionMembers(sid).isEmpty()) {
                ProcessGroups.signalGroup(sid, ProcessGroups.SIGTERM);
                for (ProcessHandle h : seen) ProcessGroups.signal(h.pid(), ProcessGroups.SIGTERM);
            }
            long until = System.nanoTime() + grace.toNanos();
            while (true) {
                if (p.isAlive()) p.descendants().forEach(seen::add);
                for (ProcessHandle h : List.copyOf(seen)) if (h.isAlive()) h.descendants().forEach(seen::add);
                List<Long> members = ProcessGroups.sessionMembers(sid);
                boolean alive = p.isAlive() || !members.isEmpty() || seen.stream().anyMatch(h -> h.isAlive() && ProcessGroups.running(h.pid()));
                if (!alive) return;
                if (System.nanoTime() >= until) {
                    ProcessGroups.signalGroup(sid, ProcessGroups.SIGKILL);
                    for (long m : members) ProcessGroups.signal(m, ProcessGroups.SIGKILL);
                    p.destroyForcibly();
                    for (ProcessHandle h : seen) h.destroyForcibly();
                    log.log(System.Logger.Level.INFO, "job " + spec.id() + ": killed what was left with SIGKILL");
                    return;
                }
                Thread.sleep(50);
            }
        }

        /** Reads one of the job's streams into chunks. */
        private final class Pump {
            private final OutputStream stream;
            private final InputStream in;
            private final byte[] buf = new byte[JobCodec.MAX_CHUNK];
            private int fill;
            private long firstAt, lastAt;
            private boolean ended;
            private volatile boolean abandoned;

            Pump(OutputStream stream, InputStream in) {
                this.stream = stream;
                this.in = in;
                Thread.ofPlatform().daemon(true).name("job-" + spec.id() + "-" + stream.word()).start(this::read);
            }

            private void read() {
                byte[] b = new byte[8192];
                try (in) {
                    int n;
                    while ((n = in.read(b)) >= 0) {
                        synchronized (this) {
                            if (abandoned) {
                                fill = 0;
                                continue;
                            }
                            long now = System.nanoTime();
                            for (int off = 0; off < n; ) {
                                if (fill == 0) firstAt = now;
                                int k = Math.min(n - off, buf.length - fill);
                                System.arraycopy(b, off, buf, fill, k);
                                fill += k;
                                off += k;
                                if (fill == buf.length) flush();
                            }
                            lastAt = now;
                        }
                    }
                } catch (IOException e) {
                    // the pipe was closed under us: the job is over
                } catch (InterruptedException e) {
                    // abandoned while blocked on backpressure
                } finally {
                    synchronized (this) {
                        try {
                            if (!abandoned) flush();
                        } catch (InterruptedException ignored) {
                            // abandoned
                        }
                        ended = true;
                        notifyAll();
                    }
                }
            }

            /** Flushes a quiet or old partial chunk; false once the stream has ended. */
            synchronized boolean tick(long now) {
                if (ended || abandoned) return false;
                if (fill > 0 && (now - lastAt >= QUIET_MILLIS * 1_000_000 || now - firstAt >= MAX_AGE_MILLIS * 1_000_000)) {
                    try {
                        flush();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                return true;
            }

            private void flush() throws InterruptedException {
                if (fill == 0 || abandoned) return;
                byte[] data = Arrays.copyOf(buf, fill);
                fill = 0;
                outbox.add(stream, data);
            }

            synchronized boolean awaitEnd(long millis) throws InterruptedException {
                long until = System.nanoTime() + millis * 1_000_000;
                while (!ended) {
                    long left = until - System.nanoTime();
                    if (left <= 0) return false;
                    wait(Math.max(1, left / 1_000_000));
                }
                return true;
            }

            /** Stops emitting chunks (not synchronized: the reader may be blocked in the outbox holding the lock). */
            void abandon() {
                abandoned = true;
            }
        }
    }

    static JobEnd exitEnd(int v) {
        if (v > 128 && v <= 128 + JobEnd.MAX_SIGNAL) return new JobEnd.Signal(v - 128);
        if (v >= 0 && v <= 255) return new JobEnd.Exit(v);
        return JobEnd.Failed.of("the shell's exit value " + v + " is out of range");
    }

    private void deliverDone(long id, Done d) throws InterruptedException {
        try {
            Ack a = deliver(() -> client.done(id, d), "the end of job " + id);
            if (a.acked() < d.seq())
                log.log(System.Logger.Level.ERROR, "job " + id + ": the server holds output up to " + a.acked() + " only, not " + d.seq()
                        + ", and this agent no longer has the rest; giving up");
        } catch (JobRejected e) {
            log.log(System.Logger.Level.ERROR, "job " + id + ": " + e.getMessage() + "; giving up delivery");
        }
    }

    private interface Call {
        Ack call() throws IOException, InterruptedException;
    }

    /** Sends until the server answers; retries everything but {@link JobRejected}, with backoff. */
    private Ack deliver(Call call, String what) throws InterruptedException, JobRejected {
        long wait = backoffMin.toMillis();
        while (true) {
            try {
                return call.call();
            } catch (JobRejected e) {
                throw e;
            } catch (IOException e) {
                if (e instanceof JobRefused) refused = true;
                log.log(System.Logger.Level.DEBUG, "cannot deliver " + what + ", again in " + wait + " ms: " + e.getMessage());
                Thread.sleep(wait);
                wait = Math.min(wait * 2, backoffMax.toMillis());
            }
        }
    }

    /**
     * Run first, in the job's own session, before its script: a job is an ordinary process. The agent's
     * unit gives the agent real-time scheduling, nice -10 and an OOM score of -1000 so that it survives a
     * dying system; a job would inherit all three and could starve or exhaust that system unkillably.
     * Each step only lowers the job's standing, which needs no privilege; each is best effort (where a
     * tool is missing the job runs as the agent does, and the rescue system has them all).
     */
    static final String ORDINARY = "echo 0 > /proc/self/oom_score_adj 2>/dev/null; chrt -o -p 0 $$ >/dev/null 2>&1;"
            + " renice -n 0 -p $$ >/dev/null 2>&1; ";

    private static String setsid() throws IOException {
        for (String s : new String[] {"/usr/bin/setsid", "/bin/setsid"}) if (Files.isExecutable(Path.of(s))) return s;
        throw new IOException("setsid (util-linux) not found");
    }

    private static void delete(Path dir) {
        try (var s = Files.list(dir)) {
            for (Path p : s.toList()) Files.deleteIfExists(p);
            Files.deleteIfExists(dir);
        } catch (IOException e) {
            log.log(System.Logger.Level.WARNING, "cannot remove " + dir + ": " + e);
        }
    }
}
