package io.netrescue.job.server;

import io.netrescue.inventory.InvalidInputException;
import io.netrescue.job.Ack;
import io.netrescue.job.Done;
import io.netrescue.job.Job;
import io.netrescue.job.JobCodec;
import io.netrescue.job.JobSpec;
import io.netrescue.job.JobState;
import io.netrescue.job.OutputChunk;
import io.netrescue.rescue.server.RescueService;
import io.netrescue.store.ConflictException;
import io.netrescue.store.Database;
import io.netrescue.store.Event;
import io.netrescue.store.EventStore;
import io.netrescue.store.HostStore;
import io.netrescue.store.NotFoundException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import org.jdbi.v3.core.Handle;

/**
 * Jobs: the operator's side (submit, list, follow the output, cancel) and the agent's side (fetch
 * the next job, send output chunks, report the end), each step one durable transaction with its
 * {@code job.*} event. At most one job runs per host, in order; the agent in the host's rescue system
 * runs it, authenticated by its boot's per-boot token ({@link RescueService#speaker}). Output is kept
 * chunk by chunk in order (sequence numbers: a resent chunk is stored once), up to a limit per job.
 */
public final class JobService implements AutoCloseable {
    public static final long DEFAULT_MAX_OUTPUT = 16L << 20;
    public static final Duration MAX_TIMEOUT = Duration.ofSeconds(JobCodec.MAX_TIMEOUT);
    /** A running job whose agent reported nothing this long past its timeout is lost (the agent kills it at the timeout). */
    static final Duration LOST_GRACE = Duration.ofMinutes(2);
    private static final Pattern ENV_NAME = Pattern.compile("[A-Z_][A-Z0-9_]{0,63}");

    /** A chunk out of order (a gap), or an end reported before all its chunks: the agent resends from {@code ack.acked() + 1}. */
    public static final class OutOfOrder extends RuntimeException {
        private final transient Ack ack;

        OutOfOrder(String message, Ack ack) {
            super(message);
            this.ack = ack;
        }

        public Ack ack() {
            return ack;
        }
    }

    /** A job's output after some chunk, and whether more can come. */
    public record Output(Job job, List<JobStore.Chunk> chunks) {}

    private final Database db;
    private final HostStore hosts;
    private final JobStore store;
    private final EventStore events;
    private final RescueService rescue;
    private final Clock clock;
    private final long maxOutput;
    private final Object signal = new Object();
    private final Thread sweeper;

    public JobService(Database db, HostStore hosts, JobStore store, EventStore events, RescueService rescue, Clock clock, long maxOutput) {
        this.db = db;
        this.hosts = hosts;
        this.store = store;
        this.events = events;
        this.rescue = rescue;
        this.clock = clock;
        this.maxOutput = maxOutput;
        this.sweeper = Thread.ofVirtual().name("job-sweeper").unstarted(this::sweepLoop);
    }

    public JobService start() {
        sweeper.start();
        return this;
    }

    @Override
    public void close() {
        sweeper.interrupt();
    }

    private Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MICROS);
    }

    // ---- the operator's side ----------------------------------------------------------------

    /**
     * What to queue: a name, the script {@code /bin/sh} runs, its environment and timeout; {@code builtin}
     * when it is a built-in ({@link Builtins}); {@code endRescue} to end the host's rescue activation (and
     * reboot it into its own system) once the job succeeds; {@code installed} for the host's installed
     * system instead of its rescue system (its agent runs it only if its {@code allowed-jobs} allows).
     */
    public record Submission(String name, byte[] script, List<Job.EnvVar> env, Duration timeout, Optional<String> builtin, boolean endRescue,
                             boolean installed) {
        /** A job for the rescue system. */
        public Submission(String name, byte[] script, List<Job.EnvVar> env, Duration timeout, Optional<String> builtin, boolean endRescue) {
            this(name, script, env, timeout, builtin, endRescue, false);
        }

        /** Refuses what a job may not be, before anything is stored. */
        public Submission {
            env = List.copyOf(env);
            if (installed && endRescue) throw new InvalidInputException("a job on the installed system cannot end a rescue activation");
            if (name.isEmpty() || name.length() > 200 || !name.chars().allMatch(c -> c >= 0x20 && c < 0x7f)) {
                throw new InvalidInputException("a job's name is 1 to 200 printable ASCII characters");
            }
            if (script.length == 0) throw new InvalidInputException("the job's script is empty");
            if (script.length > JobCodec.MAX_SCRIPT) throw new InvalidInputException("the job's script is larger than " + (JobCodec.MAX_SCRIPT >> 10) + " KiB");
            if (env.size() > JobCodec.MAX_ENV) throw new InvalidInputException("at most " + JobCodec.MAX_ENV + " environment variables");
            for (Job.EnvVar e : env) {
                if (!ENV_NAME.matcher(e.name()).matches()) throw new InvalidInputException("environment variable name " + e.name() + ": [A-Z_][A-Z0-9_]*, at most 64");
                if (e.value().length() > JobCodec.MAX_ENV_VALUE || !e.value().chars().allMatch(c -> c >= 0x20 && c < 0x7f)) {
                    throw new InvalidInputException("environment variable " + e.name() + ": the value is printable ASCII, at most " + JobCodec.MAX_ENV_VALUE + " characters");
                }
            }
            if (env.stream().map(Job.EnvVar::name).distinct().count() != env.size()) throw new InvalidInputException("an environment variable is given twice");
            if (timeout.compareTo(Duration.ofSeconds(1)) < 0 || timeout.compareTo(MAX_TIMEOUT) > 0) {
                throw new InvalidInputException("a job's timeout is 1 second to 24 hours");
            }
        }

        public static Submission script(String name, byte[] script, List<Job.EnvVar> env, Duration timeout) {
            return new Submission(name, script, env, timeout, Optional.empty(), false);
        }
    }

    /** Queues a plain script (see {@link #submit(String, Submission, String)}). */
    public Job submit(String host, String name, byte[] script, List<Job.EnvVar> env, Duration timeout, String actor) {
        return submit(host, Submission.script(name, script, env, timeout), actor);
    }

    /** Queues {@code s} for {@code host}; it runs when the host's rescue system asks, after the host's earlier jobs. */
    public Job submit(String host, Submission s, String actor) {
        String name = s.name();
        Duration timeout = s.timeout();
        Instant now = now();
        Job j = db.inWriteTransaction(h -> {
            hosts.require(h, host);
            Job job = store.insert(h, host, s, now, actor);
            events.append(h, Event.of(now, host, "job.queued", actor, "job " + job.id() + " " + name + ", timeout " + timeout.toSeconds() + " s"
                    + (s.endRescue() ? "; ends the rescue activation when it succeeds" : "")
                    + (s.installed() ? "; on the installed system" : "")));
            return job;
        });
        wake();
        return j;
    }

    /** How many of the host's jobs are queued or running: the ladder's rescue step has work for a rescue system when there are. */
    public int pending(String host) {
        return db.read(h -> store.pending(h, host));
    }

    /** The host's newest disk report (the {@code disks} built-in's output), if one was kept. */
    public Optional<JobStore.DiskReport> disks(String host) {
        return db.read(h -> {
            hosts.require(h, host);
            return store.disks(h, host);
        });
    }

    public Job get(long id) {
        return db.read(h -> store.get(h, id).orElseThrow(() -> new NotFoundException("no job " + id)));
    }

    public List<Job> list(Optional<String> host, int limit) {
        return db.read(h -> {
            host.ifPresent(x -> hosts.require(h, x));
            return store.list(h, host, limit);
        });
    }

    /**
     * The job's output after chunk {@code afterSeq} (at most about 1 MiB per answer); with a {@code wait},
     * waits that long for more while the job has not finished (how {@code job logs -f} follows it).
     */
    public Output output(long id, long afterSeq, Duration wait) throws InterruptedException {
        long deadline = System.nanoTime() + wait.toNanos();
        while (true) {
            Output o = db.read(h -> {
                Job j = store.get(h, id).orElseThrow(() -> new NotFoundException("no job " + id));
                return new Output(j, store.output(h, id, afterSeq, 1 << 20));
            });
            if (!o.chunks().isEmpty() || o.job().state().finished() || System.nanoTime() >= deadline) return o;
            pause(deadline);
        }
    }

    /** Cancels a queued job at once; a running one is killed by its agent, which learns it with its next chunk's answer. */
    public Job cancel(long id, String actor) {
        Instant now = now();
        Job j = db.inWriteTransaction(h -> {
            Job job = store.get(h, id).orElseThrow(() -> new NotFoundException("no job " + id));
            switch (job.state()) {
                case QUEUED -> {
                    store.finish(h, id, JobState.CANCELLED, Optional.empty(), Optional.of("cancelled by " + actor + " before it started"), now);
                    events.append(h, Event.of(now, job.host(), "job.finished", actor, "job " + id + " " + job.name() + ": cancelled before it started"));
                }
                case RUNNING -> {
                    if (!job.cancelRequested()) {
                        store.requestCancel(h, id, "cancelled by " + actor);
                        events.append(h, Event.of(now, job.host(), "job.cancel", actor, "job " + id + " " + job.name() + ": its agent kills it"));
                    }
                }
                default -> throw new ConflictException("job " + id + " has already ended (" + job.state().word() + ")");
            }
            return store.get(h, id).orElseThrow();
        });
        wake();
        return j;
    }

    // ---- the agent's side -------------------------------------------------------------------

    /**
     * Who runs a host's jobs: its rescue system (an activation and the boot that fetched its settings,
     * from the per-boot token) or its installed system (no activation; its agent signed the request with
     * the host's key). {@code boot} is what a started job is bound to.
     */
    public record Runner(String host, Optional<Long> activation, String boot) {
        /** The boot of an installed system: not a token's hash (those are SHA-256 of random tokens). */
        static final String INSTALLED = "0".repeat(64);

        public boolean installed() {
            return activation.isEmpty();
        }

        /** The actor of the runner's events. */
        String actor() {
            return installed() ? "agent" : "rescue";
        }

        public static Runner installed(String host) {
            return new Runner(host, Optional.empty(), INSTALLED);
        }
    }

    /** The rescue system a per-boot token belongs to ({@link RescueService#speaker}); refused as {@code /rescue/alive} refuses. */
    public Runner rescueRunner(String token) {
        RescueService.Speaker sp = rescue.speaker(token);
        return new Runner(sp.host(), Optional.of(sp.activation()), sp.boot());
    }

    public Optional<JobSpec> next(String token, Duration wait) throws InterruptedException {
        return next(rescueRunner(token), wait);
    }

    public Ack output(String token, long id, OutputChunk c) {
        return output(rescueRunner(token), id, c);
    }

    public Ack done(String token, long id, Done d) {
        return done(rescueRunner(token), id, d);
    }

    /**
     * The job the token's rescue system should run: the one it runs already (its answer may have been
     * lost), else the host's oldest queued one, which starts now. Waits up to {@code wait} for one.
     */
    public Optional<JobSpec> next(Runner sp, Duration wait) throws InterruptedException {
        long deadline = System.nanoTime() + wait.toNanos();
        while (true) {
            Instant now = now();
            // a read first: a long poll asks every second, and a write transaction is only needed when there is work
            boolean work = db.read(h -> store.running(h, sp.host()).isPresent() || store.nextQueued(h, sp.host(), sp.installed()).isPresent());
            Optional<JobSpec> spec = work ? db.inWriteTransaction(h -> claim(h, sp, now)) : Optional.empty();
            if (spec.isPresent() || System.nanoTime() >= deadline) return spec;
            pause(deadline);
        }
    }

    private Optional<JobSpec> claim(Handle h, Runner sp, Instant now) {
        Optional<Job> running = store.running(h, sp.host());
        if (running.isPresent()) {
            Job r = running.get();
            if (runs(h, r, sp)) return Optional.of(spec(h, r));
            // an installed system never ends another runner's job: the sweeper does, when that rescue system is gone
            if (sp.installed()) return Optional.empty();
            lose(h, r, "the rescue system that ran it is gone: the host booted it again", now);
        }
        Optional<Job> queued = store.nextQueued(h, sp.host(), sp.installed());
        if (queued.isEmpty()) return Optional.empty();
        Job q = queued.get();
        store.start(h, q.id(), sp.activation(), sp.boot(), now);
        events.append(h, Event.of(now, q.host(), "job.started", sp.actor(), "job " + q.id() + " " + q.name()
                + sp.activation().map(a -> " in rescue activation " + a).orElse(" on the installed system")));
        return Optional.of(spec(h, store.get(h, q.id()).orElseThrow()));
    }

    /** Whether {@code sp} is what runs {@code j}: the same kind of system, activation and boot. */
    private boolean runs(Handle h, Job j, Runner sp) {
        return j.installed() == sp.installed() && j.activation().equals(sp.activation()) && store.bootToken(h, j.id()).equals(Optional.of(sp.boot()));
    }

    private JobSpec spec(Handle h, Job j) {
        return new JobSpec(j.id(), (int) j.timeout().toSeconds(), j.acked(),
                j.env().stream().map(e -> new JobSpec.Env(e.name(), e.value())).toList(), store.script(h, j.id()), j.builtin());
    }

    /** Stores chunk {@code c} of job {@code id} once, in order; the answer says how far the server got and whether to cancel. */
    public Ack output(Runner sp, long id, OutputChunk c) {
        Instant now = now();
        Ack ack = db.inWriteTransaction(h -> {
            Job j = ownJob(h, sp, id);
            if (c.seq() <= j.acked()) return new Ack(j.acked(), j.cancelRequested()); // a resend: stored already
            if (j.state().finished() || c.seq() != j.acked() + 1) {
                throw new OutOfOrder("job " + id + ": chunk " + c.seq() + " after " + j.acked() + (j.state().finished() ? " (the job has ended)" : ""),
                        new Ack(j.acked(), j.cancelRequested()));
            }
            boolean keep = j.storedBytes() + c.data().length <= maxOutput;
            store.append(h, id, c.seq(), c.stream() == io.netrescue.job.OutputStream.OUT ? "out" : "err", c.data(), keep, now);
            return new Ack(c.seq(), j.cancelRequested());
        });
        wake();
        return ack;
    }

    /** The job's end, once every chunk up to {@code d.seq()} is stored; a repeated report changes nothing. */
    public Ack done(Runner sp, long id, Done d) {
        Instant now = now();
        // what the end leads to is decided in the transaction and acted on only once it committed
        Ended ended = db.inWriteTransaction(h -> {
            Job j = ownJob(h, sp, id);
            if (j.state().finished()) return new Ended(new Ack(j.acked(), false), Optional.empty());
            if (d.seq() != j.acked()) {
                throw new OutOfOrder("job " + id + ": the end follows chunk " + d.seq() + ", the server holds " + j.acked(), new Ack(j.acked(), j.cancelRequested()));
            }
            String end = d.end().word();
            JobState state = JobState.ended(end);
            store.finish(h, id, state, Optional.of(end), Optional.empty(), now);
            String took = j.duration(now).map(x -> String.format(java.util.Locale.ROOT, "%.1f s", x.toMillis() / 1000.0)).orElse("?");
            events.append(h, Event.of(now, j.host(), "job.finished", sp.actor(), "job " + id + " " + j.name() + ": " + state.word() + " (" + end + ") after "
                    + took + ", " + j.storedBytes() + " bytes of output" + (j.truncated() ? " (truncated)" : "")));
            if (state == JobState.SUCCEEDED && j.builtin().equals(Optional.of(Builtins.DISKS))) keepDisks(h, j, now, sp.actor());
            return new Ended(new Ack(j.acked(), false), j.endRescue() ? Optional.of(new Leaving(j, state)) : Optional.empty());
        });
        wake();
        ended.leaving().ifPresent(this::leave);
        return ended.ack();
    }

    private record Ended(Ack ack, Optional<Leaving> leaving) {}

    /** A finished job that ends its host's rescue: handled once its end is committed, outside the agent's request. */
    private record Leaving(Job job, JobState state) {}

    /**
     * Ends the rescue activation of a job that asked for it and succeeded, and reboots the host out of
     * rescue, on a virtual thread: the agent that reported the end gets its answer first (the reboot
     * takes its rescue system away). A job that did not succeed leaves the rescue system running for a
     * person, and says so on the timeline.
     */
    private void leave(Leaving x) {
        if (x.state() != JobState.SUCCEEDED) {
            note(x.job().host(), "job " + x.job().id() + " " + x.job().name() + " did not succeed (" + x.state().word()
                    + "): the rescue activation stays for a person (netrescue rescue end " + x.job().host() + " --reboot ...)");
            return;
        }
        Thread.ofVirtual().name("job-ends-rescue-" + x.job().id()).start(() -> {
            try {
                Thread.sleep(END_RESCUE_DELAY.toMillis());
                if (pending(x.job().host()) > 0) {
                    note(x.job().host(), "job " + x.job().id() + " succeeded; the rescue activation stays while the host's later jobs run:"
                            + " queue the last one with end-rescue");
                    return;
                }
                rescue.endAndLeave(x.job().host(), "job " + x.job().id());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (RuntimeException e) {
                note(x.job().host(), "job " + x.job().id() + " succeeded but its rescue activation could not end: " + e.getMessage());
            }
        });
    }

    /** The agent's answer to its end report leaves before its rescue system is rebooted away. */
    static final Duration END_RESCUE_DELAY = Duration.ofSeconds(2);

    private void note(String host, String text) {
        Instant now = now();
        try {
            db.inWriteTransaction(h -> {
                events.append(h, Event.of(now, host, "job.note", "netrescue", text));
                return null;
            });
        } catch (RuntimeException e) {
            org.slf4j.LoggerFactory.getLogger(JobService.class).warn("{}: {} ({})", host, text, e.toString());
        }
    }

    /** Max size of a kept disk report. */
    static final int MAX_DISK_REPORT = 1 << 20;

    /**
     * Keeps the {@code disks} built-in's standard output as the host's disk report when it is one JSON
     * object with a {@code disks} array (at most 1 MiB); anything else is noted on the timeline and not kept.
     */
    private void keepDisks(Handle h, Job j, Instant now, String actor) {
        String why;
        if (j.truncated()) {
            why = "its output was truncated";
        } else {
            byte[] out = store.stdout(h, j.id(), MAX_DISK_REPORT + 1);
            if (out.length > MAX_DISK_REPORT) {
                why = "the report is larger than " + (MAX_DISK_REPORT >> 10) + " KiB";
            } else {
                try {
                    tools.jackson.databind.JsonNode n = REPORT_MAPPER.readTree(out);
                    if (n == null || !n.isObject() || !n.path("disks").isArray()) {
                        why = "its output is not a JSON object with a \"disks\" array";
                    } else {
                        String report = REPORT_MAPPER.writeValueAsString(n);
                        store.keepDisks(h, j.host(), report, now, j.id());
                        events.append(h, Event.of(now, j.host(), "host.disks", actor, "disk report from job " + j.id() + ": "
                                + n.path("disks").size() + " disk(s)"));
                        return;
                    }
                } catch (tools.jackson.core.JacksonException e) {
                    why = "its output is not JSON (" + e.getClass().getSimpleName() + ")";
                }
            }
        }
        events.append(h, Event.of(now, j.host(), "job.note", "netrescue", "job " + j.id() + " " + j.name() + ": no disk report kept, " + why));
    }

    private static final tools.jackson.databind.json.JsonMapper REPORT_MAPPER = tools.jackson.databind.json.JsonMapper.builder()
            .enable(tools.jackson.core.StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(tools.jackson.databind.DeserializationFeature.FAIL_ON_TRAILING_TOKENS).build();

    /** The job, if it belongs to the speaker's host and, once started, to its running rescue system. */
    private Job ownJob(Handle h, Runner sp, long id) {
        Job j = store.get(h, id).filter(x -> x.host().equals(sp.host())).orElseThrow(() -> new NotFoundException("no job " + id + " for " + sp.host()));
        if (j.state() == JobState.QUEUED || !runs(h, j, sp)) {
            throw new NotFoundException("job " + id + " is not run by this " + (sp.installed() ? "installed system" : "rescue system"));
        }
        return j;
    }

    // ---- lost jobs ----------------------------------------------------------------------------

    /** Ends as lost every running job whose rescue system is gone or whose agent went quiet past its timeout. */
    public int sweep() {
        Instant now = now();
        List<Job> running = db.read(store::allRunning);
        int lost = 0;
        for (Job j : running) {
            String boot = db.read(h -> store.bootToken(h, j.id())).orElse("");
            String why = null;
            if (!j.installed() && !rescue.stillRunning(j.host(), j.activation().orElse(-1L), boot)) {
                why = "its rescue system is gone (the activation ended, or the host booted again)";
            } else if (j.startedAt().map(s -> now.isAfter(s.plus(j.timeout()).plus(LOST_GRACE))).orElse(false)) {
                why = "no end reported within its timeout and " + LOST_GRACE.toMinutes() + " minutes";
            }
            if (why == null) continue;
            String reason = why;
            boolean changed = db.inWriteTransaction(h -> store.get(h, j.id()).filter(x -> x.state() == JobState.RUNNING).map(x -> {
                lose(h, x, reason, now);
                return true;
            }).orElse(false));
            if (changed) lost++;
        }
        if (lost > 0) wake();
        return lost;
    }

    private void lose(Handle h, Job j, String why, Instant now) {
        store.finish(h, j.id(), JobState.LOST, Optional.empty(), Optional.of(why), now);
        events.append(h, Event.of(now, j.host(), "job.finished", "netrescue", "job " + j.id() + " " + j.name() + ": lost, " + why));
    }

    private void sweepLoop() {
        while (!Thread.currentThread().isInterrupted()) {
            try {
                Thread.sleep(30_000);
                sweep();
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                org.slf4j.LoggerFactory.getLogger(JobService.class).warn("job sweep failed: {}", e.toString());
            }
        }
    }

    private void wake() {
        synchronized (signal) {
            signal.notifyAll();
        }
    }

    private void pause(long deadlineNanos) throws InterruptedException {
        long ms = Math.max(1, Math.min(1000, (deadlineNanos - System.nanoTime()) / 1_000_000));
        synchronized (signal) {
            signal.wait(ms);
        }
    }
}
