package io.netrescue.watchdog.server;

import io.netrescue.store.SqlTime;
import io.netrescue.watchdog.HealthState;
import io.netrescue.watchdog.Ladder;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jdbi.v3.core.Handle;
import tools.jackson.databind.ObjectMapper;

/** Each host's liveness state and ladder run, in {@code host_health}; written on changes only. */
public final class HealthStore {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One host's persisted view. */
    public record Row(String host, HealthState state, Instant since, String reason, Optional<Instant> lastSeen, Optional<String> seenVia,
                      Optional<String> bootId, Optional<String> kernel, boolean maintenance, Optional<Instant> silencedUntil,
                      Optional<String> silenceReason, Ladder.State ladder) {}

    public Map<String, Row> all(Handle h) {
        Map<String, Row> out = new java.util.HashMap<>();
        h.createQuery("SELECT x.*, h.name FROM host_health x JOIN hosts h ON h.id = x.host_id").map((rs, ctx) -> new Row(
                rs.getString("name"), HealthState.parse(rs.getString("state")), SqlTime.require(rs, "since"),
                rs.getString("reason"), SqlTime.get(rs, "last_seen"),
                Optional.ofNullable(rs.getString("seen_via")), Optional.ofNullable(rs.getString("boot_id")),
                Optional.ofNullable(rs.getString("kernel")), rs.getBoolean("maintenance"),
                SqlTime.get(rs, "silenced_until"),
                Optional.ofNullable(rs.getString("silence_reason")), ladder(rs.getString("ladder")))).forEach(r -> out.put(r.host(), r));
        return out;
    }

    /** Writes the rows of hosts still in the inventory (a host removed meanwhile is skipped). */
    public void put(Handle h, List<Row> rows, Instant now) {
        if (rows.isEmpty()) return;
        var del = h.prepareBatch("DELETE FROM host_health WHERE host_id = (SELECT id FROM hosts WHERE name = ?)");
        for (Row r : rows) del.bind(0, r.host()).add();
        del.execute();
        var ins = h.prepareBatch("""
                INSERT INTO host_health (host_id, state, since, reason, last_seen, seen_via, boot_id, kernel, maintenance,
                                         silenced_until, silence_reason, ladder, updated_at)
                SELECT id, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ? FROM hosts WHERE name = ?""");
        for (Row r : rows) {
            ins.bind(0, r.state().word()).bind(1, SqlTime.of(r.since())).bind(2, clip(r.reason(), 256))
                    .bind(3, r.lastSeen().map(SqlTime::of).orElse(null)).bind(4, r.seenVia().map(s -> clip(s, 64)).orElse(null))
                    .bind(5, r.bootId().orElse(null)).bind(6, r.kernel().map(s -> clip(s, 64)).orElse(null)).bind(7, r.maintenance())
                    .bind(8, r.silencedUntil().map(SqlTime::of).orElse(null)).bind(9, r.silenceReason().map(s -> clip(s, 256)).orElse(null))
                    .bind(10, json(r.ladder())).bind(11, SqlTime.of(now)).bind(12, r.host()).add();
        }
        ins.execute();
    }

    private static String clip(String s, int n) {
        return s.length() <= n ? s : s.substring(0, n);
    }

    /** The ladder state as JSON with plain fields (instants as epoch milliseconds). */
    record RunJson(String policy, int attempt, long startedAt, int step, long stepStartedAt, boolean acting, Long pausedAt) {}

    record LadderJson(RunJson run, List<Long> starts, Long lastRecovery, boolean aborted, boolean gaveUp, String held) {}

    static String json(Ladder.State s) {
        RunJson run = s.run().map(r -> new RunJson(r.policy(), r.attempt(), r.startedAt().toEpochMilli(), r.step(),
                r.stepStartedAt().toEpochMilli(), r.acting(), r.pausedAt().map(Instant::toEpochMilli).orElse(null))).orElse(null);
        String out = JSON.writeValueAsString(new LadderJson(run, s.starts().stream().map(Instant::toEpochMilli).toList(),
                s.lastRecovery().map(Instant::toEpochMilli).orElse(null), s.aborted(), s.gaveUp(), s.held()));
        return out.length() <= 4000 ? out : JSON.writeValueAsString(new LadderJson(run, List.of(), null, s.aborted(), s.gaveUp(), ""));
    }

    static Ladder.State ladder(String json) {
        if (json == null || json.isEmpty()) return Ladder.State.initial();
        LadderJson j = JSON.readValue(json, LadderJson.class);
        Optional<Ladder.Run> run = Optional.ofNullable(j.run()).map(r -> new Ladder.Run(r.policy(), r.attempt(),
                Instant.ofEpochMilli(r.startedAt()), r.step(), Instant.ofEpochMilli(r.stepStartedAt()), r.acting(),
                Optional.ofNullable(r.pausedAt()).map(Instant::ofEpochMilli)));
        List<Instant> starts = new ArrayList<>();
        if (j.starts() != null) j.starts().forEach(x -> starts.add(Instant.ofEpochMilli(x)));
        return new Ladder.State(run, starts, Optional.ofNullable(j.lastRecovery()).map(Instant::ofEpochMilli), j.aborted(), j.gaveUp(),
                j.held() == null ? "" : j.held());
    }
}
