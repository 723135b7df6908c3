package io.netrescue.api;

import io.netrescue.api.Json.ErrorJson;
import io.netrescue.boot.Durations;
import io.netrescue.inventory.InvalidInputException;
import io.netrescue.job.Job;
import io.netrescue.job.server.Builtins;
import io.netrescue.job.server.JobService;
import io.netrescue.job.server.JobStore;
import io.netrescue.store.NotFoundException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.eclipse.jetty.util.Fields;

/**
 * Jobs for operators: {@code POST/GET /api/v1/hosts/NAME/jobs} (queue one, list the host's),
 * {@code GET /api/v1/jobs[?host=&limit=]}, {@code GET /api/v1/jobs/ID}, {@code GET /api/v1/jobs/ID/output?after=SEQ&wait=S}
 * (chunks in order, base64, stream marked; {@code wait} follows a running job) and {@code POST /api/v1/jobs/ID/cancel}.
 */
public final class JobApi {
    /**
     * A job to queue: a {@code script} (text) with a name, or a {@code builtin} with its {@code args};
     * its environment and timeout (default 30m, a built-in's own default); {@code endRescue} ends the
     * host's rescue activation once it succeeds; {@code rescue} activates rescue for it and reboots the
     * host into it now (unless an activation is live); {@code installed} runs it on the host's installed
     * system instead, whose agent must allow it ({@code allowed-jobs}).
     */
    public record JobRequestJson(String name, String script, String builtin, Map<String, String> args, Map<String, String> env, String timeout,
                                 Boolean endRescue, Boolean rescue, Boolean installed) {}

    /** What {@code rescue: true} did. */
    public record RescueJson(long activation, String expiresAt, String reboot, Boolean rebooted, String detail) {}

    /** A built-in job and its arguments. */
    public record BuiltinJson(String name, String summary, long timeoutSeconds, List<ArgJson> args) {}

    public record ArgJson(String name, String env, boolean required, String help) {}

    /** The host's kept disk report. */
    public record DisksJson(String host, String collectedAt, long job, tools.jackson.databind.JsonNode report) {}

    /** A job as the API shows it: environment variable names only (their values may be secrets). */
    public record JobJson(long id, String host, String name, String state, long timeoutSeconds, List<String> env, String createdAt, String createdBy,
                          String startedAt, String finishedAt, Double seconds, Long activation, String end, String reason, Boolean cancelRequested,
                          long outputBytes, long chunks, boolean truncated, String builtin, Boolean endRescue, String target, RescueJson rescue) {
        static JobJson of(Job j, Instant now) {
            return of(j, now, null);
        }

        static JobJson of(Job j, Instant now, RescueJson rescue) {
            return new JobJson(j.id(), j.host(), j.name(), j.state().word(), j.timeout().toSeconds(), j.env().stream().map(Job.EnvVar::name).toList(),
                    j.createdAt().toString(), j.createdBy(), j.startedAt().map(Instant::toString).orElse(null), j.finishedAt().map(Instant::toString).orElse(null),
                    j.duration(now).map(d -> d.toMillis() / 1000.0).orElse(null), j.activation().orElse(null), j.end().orElse(null), j.reason().orElse(null),
                    j.cancelRequested() ? Boolean.TRUE : null, j.storedBytes(), j.acked(), j.truncated(), j.builtin().orElse(null),
                    j.endRescue() ? Boolean.TRUE : null, j.installed() ? "installed" : "rescue", rescue);
        }
    }

    public record ChunkJson(long seq, String stream, String at, String data) {}

    public record OutputJson(JobJson job, List<ChunkJson> chunks) {}

    public static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(30);
    private final JobService jobs;
    private final io.netrescue.rescue.server.RescueService rescue;
    private final java.time.Clock clock;

    public JobApi(JobService jobs, io.netrescue.rescue.server.RescueService rescue, java.time.Clock clock) {
        this.jobs = jobs;
        this.rescue = rescue;
        this.clock = clock;
    }

    /** {@code /api/v1/hosts/NAME/jobs}. */
    SysrqApi.Reply host(String method, String host, SysrqApi.Body body, String actor) {
        return switch (method) {
            case "GET" -> new SysrqApi.Reply(200, jobs.list(Optional.of(host), 1000).stream().map(this::json).toList());
            case "POST" -> {
                JobRequestJson r = ApiHandler.parseBody(body.text(), JobRequestJson.class);
                JobService.Submission sub = submission(r);
                Job j = jobs.submit(host, sub, actor);
                RescueJson rj = Boolean.TRUE.equals(r.rescue()) ? rescueFor(host, actor) : null;
                yield new SysrqApi.Reply(201, JobJson.of(j, clock.instant(), rj));
            }
            default -> new SysrqApi.Reply(405, new ErrorJson("method not allowed"));
        };
    }

    /** {@code /api/v1/jobs[/ID[/output|/cancel]]}. */
    SysrqApi.Reply jobs(String method, String[] s, Fields q, String actor) throws InterruptedException {
        if (s.length == 1) {
            if (!"GET".equals(method)) return new SysrqApi.Reply(405, new ErrorJson("method not allowed"));
            Optional<String> host = Optional.ofNullable(q.getValue("host")).filter(x -> !x.isEmpty()).map(io.netrescue.inventory.HostName::check);
            return new SysrqApi.Reply(200, jobs.list(host, ApiHandler.intParam(q, "limit", 100, 1, 10_000)).stream().map(this::json).toList());
        }
        if (s.length == 2 && s[1].equals("builtins")) {
            if (!"GET".equals(method)) return new SysrqApi.Reply(405, new ErrorJson("method not allowed"));
            return new SysrqApi.Reply(200, builtins());
        }
        long id = id(s[1]);
        if (s.length == 2) {
            if (!"GET".equals(method)) return new SysrqApi.Reply(405, new ErrorJson("method not allowed"));
            return new SysrqApi.Reply(200, json(jobs.get(id)));
        }
        if (s.length == 3 && s[2].equals("output")) {
            if (!"GET".equals(method)) return new SysrqApi.Reply(405, new ErrorJson("method not allowed"));
            long after = ApiHandler.intParam(q, "after", 0, 0, Integer.MAX_VALUE);
            Duration wait = Duration.ofSeconds(ApiHandler.intParam(q, "wait", 0, 0, 30));
            JobService.Output o = jobs.output(id, after, wait);
            List<ChunkJson> chunks = o.chunks().stream().map(JobApi::chunk).toList();
            return new SysrqApi.Reply(200, new OutputJson(json(o.job()), chunks));
        }
        if (s.length == 3 && s[2].equals("cancel")) {
            if (!"POST".equals(method)) return new SysrqApi.Reply(405, new ErrorJson("method not allowed"));
            return new SysrqApi.Reply(200, json(jobs.cancel(id, actor)));
        }
        throw new NotFoundException("no such API path");
    }

    /** The job a request asks for, every field checked; {@link InvalidInputException} says what is wrong. */
    static JobService.Submission submission(JobRequestJson r) {
        List<Job.EnvVar> env = new ArrayList<>();
        if (r.env() != null) r.env().forEach((k, v) -> {
            if (v == null) throw new InvalidInputException("environment variable " + io.netrescue.inventory.Printable.clip(k) + ": null is not a value");
            env.add(new Job.EnvVar(k, v));
        });
        Optional<Duration> timeout = Optional.ofNullable(Json.optional(r.timeout(), "timeout")).map(Durations::parse);
        boolean endRescue = Boolean.TRUE.equals(r.endRescue());
        boolean installed = Boolean.TRUE.equals(r.installed());
        if (installed && Boolean.TRUE.equals(r.rescue())) throw new InvalidInputException("\"installed\" and \"rescue\" exclude each other");
        if (r.builtin() != null) {
            if (r.script() != null) throw new InvalidInputException("give \"script\" or \"builtin\", not both");
            Builtins.Builtin b = Builtins.require(r.builtin());
            // a built-in takes its arguments and nothing else: an extra variable (LD_PRELOAD, one of its own
            // settings) would make it another program, which a host allowing only that built-in never agreed to
            if (!env.isEmpty()) throw new InvalidInputException("built-in " + b.name() + " takes its arguments (\"args\"), not \"env\"");
            if (r.name() != null && !r.name().isEmpty()) throw new InvalidInputException("a built-in job is named after the built-in; \"name\" is for scripts");
            Map<String, String> args = r.args() == null ? Map.of() : r.args();
            return new JobService.Submission(Builtins.jobName(b, args), Builtins.script(b), Builtins.env(b, args), timeout.orElse(b.timeout()),
                    Optional.of(b.name()), endRescue, installed);
        }
        if (r.args() != null) throw new InvalidInputException("\"args\" are for a built-in job (\"builtin\")");
        if (r.script() == null) throw new InvalidInputException("\"script\" (the job's script, as text) or \"builtin\" is required");
        String name = r.name() == null || r.name().isEmpty() ? "script" : r.name();
        return new JobService.Submission(name, r.script().getBytes(StandardCharsets.UTF_8), env, timeout.orElse(DEFAULT_TIMEOUT), Optional.empty(), endRescue,
                installed);
    }

    /** Rescue for a job just queued: a live activation is kept (its system takes the job), else one for the host's jobs, rebooted into. */
    private RescueJson rescueFor(String host, String actor) {
        Optional<io.netrescue.rescue.RescueActivation> live = rescue.status(host).filter(a -> a.state() != io.netrescue.rescue.RescueActivation.State.ENDED);
        if (live.isPresent()) {
            return new RescueJson(live.get().id(), live.get().expiresAt().toString(), "none", null,
                    "rescue activation " + live.get().id() + " is live: its rescue system takes the job");
        }
        io.netrescue.rescue.server.RescueService.Activated a = rescue.activateForJobs(host, io.netrescue.rescue.RescueActivation.DEFAULT, actor);
        return new RescueJson(a.activation().id(), a.activation().expiresAt().toString(), a.reboot().word(),
                a.rebooted().map(o -> o.ok()).orElse(null), a.rebooted().map(o -> o.detail()).orElse("no reboot: the host boots rescue at its next network boot"));
    }

    /** {@code /api/v1/hosts/NAME/disks}: the host's kept disk report. */
    SysrqApi.Reply disks(String method, String host) {
        if (!"GET".equals(method)) return new SysrqApi.Reply(405, new ErrorJson("method not allowed"));
        JobStore.DiskReport d = jobs.disks(host).orElseThrow(() -> new NotFoundException("no disk report for " + host
                + ": run the disks built-in in its rescue system (netrescue job run " + host + " --builtin disks)"));
        return new SysrqApi.Reply(200, new DisksJson(host, d.collectedAt().toString(), d.job(), Json.MAPPER.readTree(d.json())));
    }

    /** {@code /api/v1/jobs/builtins}. */
    private static List<BuiltinJson> builtins() {
        return Builtins.all().stream().map(b -> new BuiltinJson(b.name(), b.summary(), b.timeout().toSeconds(),
                b.args().stream().map(a -> new ArgJson(a.name(), a.env(), a.required(), a.help())).toList())).toList();
    }

    private JobJson json(Job j) {
        return JobJson.of(j, clock.instant());
    }

    private static ChunkJson chunk(JobStore.Chunk c) {
        return new ChunkJson(c.seq(), c.stream(), c.at().toString(), Base64.getEncoder().encodeToString(c.data()));
    }

    private static long id(String s) {
        if (!s.matches("[1-9][0-9]{0,17}")) throw new NotFoundException("no job " + s);
        return Long.parseLong(s);
    }
}
