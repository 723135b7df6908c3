package io.netrescue.api;

import io.netrescue.api.Json.ErrorJson;
import io.netrescue.boot.Durations;
import io.netrescue.inventory.InvalidInputException;
import io.netrescue.job.Job;
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
    /** A job to queue: a script (text) with a name, its environment and timeout (default 30m). */
    public record JobRequestJson(String name, String script, Map<String, String> env, String timeout) {}

    /** A job as the API shows it: environment variable names only (their values may be secrets). */
    public record JobJson(long id, String host, String name, String state, long timeoutSeconds, List<String> env, String createdAt, String createdBy,
                          String startedAt, String finishedAt, Double seconds, Long activation, String end, String reason, Boolean cancelRequested,
                          long outputBytes, long chunks, boolean truncated) {
        static JobJson of(Job j, Instant now) {
            return new JobJson(j.id(), j.host(), j.name(), j.state().word(), j.timeout().toSeconds(), j.env().stream().map(Job.EnvVar::name).toList(),
                    j.createdAt().toString(), j.createdBy(), j.startedAt().map(Instant::toString).orElse(null), j.finishedAt().map(Instant::toString).orElse(null),
                    j.duration(now).map(d -> d.toMillis() / 1000.0).orElse(null), j.activation().orElse(null), j.end().orElse(null), j.reason().orElse(null),
                    j.cancelRequested() ? Boolean.TRUE : null, j.storedBytes(), j.acked(), j.truncated());
        }
    }

    public record ChunkJson(long seq, String stream, String at, String data) {}

    public record OutputJson(JobJson job, List<ChunkJson> chunks) {}

    public static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(30);
    private final JobService jobs;
    private final java.time.Clock clock;

    public JobApi(JobService jobs, java.time.Clock clock) {
        this.jobs = jobs;
        this.clock = clock;
    }

    /** {@code /api/v1/hosts/NAME/jobs}. */
    SysrqApi.Reply host(String method, String host, SysrqApi.Body body, String actor) {
        return switch (method) {
            case "GET" -> new SysrqApi.Reply(200, jobs.list(Optional.of(host), 1000).stream().map(this::json).toList());
            case "POST" -> {
                JobRequestJson r = ApiHandler.parseBody(body.text(), JobRequestJson.class);
                if (r.script() == null) throw new InvalidInputException("\"script\" is required: the job's script, as text");
                String name = r.name() == null || r.name().isEmpty() ? "script" : r.name();
                List<Job.EnvVar> env = new ArrayList<>();
                if (r.env() != null) r.env().forEach((k, v) -> env.add(new Job.EnvVar(k, v)));
                Duration timeout = Optional.ofNullable(Json.optional(r.timeout(), "timeout")).map(Durations::parse).orElse(DEFAULT_TIMEOUT);
                yield new SysrqApi.Reply(201, json(jobs.submit(host, name, r.script().getBytes(StandardCharsets.UTF_8), env, timeout, actor)));
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
