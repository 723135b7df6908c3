package io.netrescue.job.server;

import io.netrescue.job.Job;
import io.netrescue.job.JobState;
import io.netrescue.store.SqlTime;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Handle;

/** {@code jobs} and {@code job_output}: each job, its script, and its output chunks in order. */
public final class JobStore {
    /** The {@code disks} built-in's report kept for a host: its JSON, when and by which job. */
    public record DiskReport(String json, Instant collectedAt, long job) {}

    /** One stored chunk of output. */
    public record Chunk(long seq, String stream, Instant at, byte[] data) {}

    private static final String COLUMNS = "id, host, name, env, timeout_s, state, cancel, created_at, created_by, started_at, finished_at,"
            + " activation, end_word, reason, acked, stored_bytes, truncated, builtin, end_rescue, target";

    public Job insert(Handle h, String host, JobService.Submission s, Instant now, String actor) {
        long id = h.createUpdate("INSERT INTO jobs (host, name, script, env, timeout_s, state, created_at, created_by, builtin, end_rescue, target)"
                        + " VALUES (?, ?, ?, ?, ?, 'queued', ?, ?, ?, ?, ?)")
                .bind(0, host).bind(1, s.name()).bind(2, s.script()).bind(3, envText(s.env())).bind(4, (int) s.timeout().toSeconds())
                .bind(5, SqlTime.of(now)).bind(6, actor).bind(7, s.builtin().orElse(null)).bind(8, s.endRescue() ? 1 : 0)
                .bind(9, s.installed() ? "installed" : "rescue")
                .executeAndReturnGeneratedKeys("id").mapTo(Long.class).one();
        return get(h, id).orElseThrow();
    }

    public Optional<Job> get(Handle h, long id) {
        return h.createQuery("SELECT " + COLUMNS + " FROM jobs WHERE id = ?").bind(0, id).map((rs, ctx) -> job(rs)).findOne();
    }

    public byte[] script(Handle h, long id) {
        return h.createQuery("SELECT script FROM jobs WHERE id = ?").bind(0, id).mapTo(byte[].class).one();
    }

    /** The boot token hash of the rescue system running the job, if it runs. */
    public Optional<String> bootToken(Handle h, long id) {
        return h.createQuery("SELECT boot_token FROM jobs WHERE id = ?").bind(0, id).mapTo(String.class).findOne();
    }

    /** Newest first; {@code host} empty for every host. */
    public List<Job> list(Handle h, Optional<String> host, int limit) {
        return host.map(x -> h.createQuery("SELECT " + COLUMNS + " FROM jobs WHERE host = ? ORDER BY id DESC LIMIT ?").bind(0, x).bind(1, limit))
                .orElseGet(() -> h.createQuery("SELECT " + COLUMNS + " FROM jobs ORDER BY id DESC LIMIT ?").bind(0, limit))
                .map((rs, ctx) -> job(rs)).list();
    }

    /** The host's running job, if any (at most one runs per host). */
    public Optional<Job> running(Handle h, String host) {
        return h.createQuery("SELECT " + COLUMNS + " FROM jobs WHERE host = ? AND state = 'running' ORDER BY id LIMIT 1").bind(0, host)
                .map((rs, ctx) -> job(rs)).findOne();
    }

    /** The host's oldest queued job for its rescue system, or for its installed system. */
    public Optional<Job> nextQueued(Handle h, String host, boolean installed) {
        return h.createQuery("SELECT " + COLUMNS + " FROM jobs WHERE host = ? AND state = 'queued' AND target = ? ORDER BY id LIMIT 1").bind(0, host)
                .bind(1, installed ? "installed" : "rescue").map((rs, ctx) -> job(rs)).findOne();
    }

    /** Every running job (the lost-job sweep). */
    public List<Job> allRunning(Handle h) {
        return h.createQuery("SELECT " + COLUMNS + " FROM jobs WHERE state = 'running' ORDER BY id").map((rs, ctx) -> job(rs)).list();
    }

    /** Starts the job on a rescue system's boot ({@code activation}), or on the installed system (no activation). */
    public void start(Handle h, long id, Optional<Long> activation, String bootToken, Instant now) {
        h.createUpdate("UPDATE jobs SET state = 'running', started_at = ?, activation = ?, boot_token = ? WHERE id = ? AND state = 'queued'")
                .bind(0, SqlTime.of(now)).bind(1, activation.orElse(null)).bind(2, bootToken).bind(3, id).execute();
    }

    public void requestCancel(Handle h, long id, String reason) {
        h.createUpdate("UPDATE jobs SET cancel = 1, reason = ? WHERE id = ?").bind(0, reason).bind(1, id).execute();
    }

    public void finish(Handle h, long id, JobState state, Optional<String> end, Optional<String> reason, Instant now) {
        h.createUpdate("UPDATE jobs SET state = ?, end_word = ?, reason = COALESCE(?, reason), finished_at = ? WHERE id = ?")
                .bind(0, state.word()).bind(1, end.orElse(null)).bind(2, reason.orElse(null)).bind(3, SqlTime.of(now)).bind(4, id).execute();
    }

    /** Appends chunk {@code seq} (which must be acked + 1); {@code store} false: counted, not kept (over the limit). */
    public void append(Handle h, long id, long seq, String stream, byte[] data, boolean store, Instant now) {
        if (store) {
            h.createUpdate("INSERT INTO job_output (job_id, seq, stream, at, data) VALUES (?, ?, ?, ?, ?)")
                    .bind(0, id).bind(1, seq).bind(2, stream).bind(3, SqlTime.of(now)).bind(4, data).execute();
        }
        h.createUpdate("UPDATE jobs SET acked = ?, stored_bytes = stored_bytes + ?, truncated = CASE WHEN ? THEN truncated ELSE 1 END WHERE id = ? AND acked = ?")
                .bind(0, seq).bind(1, store ? data.length : 0).bind(2, store).bind(3, id).bind(4, seq - 1).execute();
    }

    /** Chunks after {@code afterSeq}, in order, up to about {@code maxBytes} (at least one). */
    public List<Chunk> output(Handle h, long id, long afterSeq, int maxBytes) {
        List<Chunk> out = new ArrayList<>();
        int[] total = {0};
        h.createQuery("SELECT seq, stream, at, data FROM job_output WHERE job_id = ? AND seq > ? ORDER BY seq").bind(0, id).bind(1, afterSeq)
                .map((rs, ctx) -> new Chunk(rs.getLong("seq"), rs.getString("stream"), SqlTime.require(rs, "at"), rs.getBytes("data")))
                .stream().takeWhile(c -> out.isEmpty() || total[0] + c.data().length <= maxBytes).forEach(c -> {
                    out.add(c);
                    total[0] += c.data().length;
                });
        return out;
    }

    /** Queued and running jobs of {@code host}. */
    public int pending(Handle h, String host) {
        return h.createQuery("SELECT count(*) FROM jobs WHERE host = ? AND state IN ('queued', 'running')").bind(0, host).mapTo(Integer.class).one();
    }

    /** The job's stored standard output, in order, at most {@code max} bytes. */
    public byte[] stdout(Handle h, long id, int max) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        h.createQuery("SELECT data FROM job_output WHERE job_id = ? AND stream = 'out' ORDER BY seq").bind(0, id).mapTo(byte[].class)
                .stream().takeWhile(d -> out.size() <= max).forEach(d -> out.write(d, 0, Math.min(d.length, max + 1 - out.size())));
        return out.toByteArray();
    }

    public void keepDisks(Handle h, String host, String json, Instant at, long job) {
        h.createUpdate("INSERT INTO host_disks (host_id, report, collected_at, job_id) SELECT id, ?, ?, ? FROM hosts WHERE name = ?"
                        + " ON CONFLICT (host_id) DO UPDATE SET report = excluded.report, collected_at = excluded.collected_at, job_id = excluded.job_id")
                .bind(0, json).bind(1, SqlTime.of(at)).bind(2, job).bind(3, host).execute();
    }

    public Optional<DiskReport> disks(Handle h, String host) {
        return h.createQuery("SELECT report, collected_at, job_id FROM host_disks WHERE host_id = (SELECT id FROM hosts WHERE name = ?)").bind(0, host)
                .map((rs, ctx) -> new DiskReport(rs.getString(1), SqlTime.require(rs, "collected_at"), rs.getLong(3))).findOne();
    }

    private static Job job(ResultSet rs) throws SQLException {
        long activation = rs.getLong("activation");
        Optional<Long> act = rs.wasNull() ? Optional.empty() : Optional.of(activation);
        return new Job(rs.getLong("id"), rs.getString("host"), rs.getString("name"), env(rs.getString("env")), Duration.ofSeconds(rs.getInt("timeout_s")),
                JobState.of(rs.getString("state")), rs.getInt("cancel") == 1, SqlTime.require(rs, "created_at"), rs.getString("created_by"),
                SqlTime.get(rs, "started_at"), SqlTime.get(rs, "finished_at"), act, Optional.ofNullable(rs.getString("end_word")),
                Optional.ofNullable(rs.getString("reason")), rs.getLong("acked"), rs.getLong("stored_bytes"), rs.getInt("truncated") == 1,
                Optional.ofNullable(rs.getString("builtin")), rs.getInt("end_rescue") == 1, "installed".equals(rs.getString("target")));
    }

    private static String envText(List<Job.EnvVar> env) {
        StringBuilder b = new StringBuilder();
        for (Job.EnvVar e : env) b.append(e.name()).append('=').append(e.value()).append('\n');
        return b.toString();
    }

    private static List<Job.EnvVar> env(String text) {
        List<Job.EnvVar> out = new ArrayList<>();
        for (String line : text.split("\n")) {
            if (line.isEmpty()) continue;
            int eq = line.indexOf('=');
            out.add(new Job.EnvVar(line.substring(0, eq), line.substring(eq + 1)));
        }
        return out;
    }
}
