package io.netrescue.store;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.Optional;
import org.jdbi.v3.core.Handle;

/**
 * The audit log: append-only, read newest-last per host or for everything. Events live in the
 * database, except routine boot decisions, which go to the {@link AuditJournal} (the one write on
 * every boot request). Both share one id sequence, assigned here, so reads merge them by id.
 */
public final class EventStore {
    private final AtomicLong ids;
    private final Optional<AuditJournal> journal;

    public EventStore(Database db, Optional<AuditJournal> journal) {
        this.journal = journal;
        long dbMax = db.read(h -> h.createQuery("SELECT COALESCE(MAX(id), 0) FROM events").mapTo(Long.class).one());
        this.ids = new AtomicLong(Math.max(dbMax, journal.map(AuditJournal::maxId).orElse(0L)));
    }

    /** The highest id handed out so far: events after it are news. */
    public long lastId() {
        return ids.get();
    }

    /** Appends routine events to the journal (or the database when there is none); durable after {@link #syncJournal}. */
    public void journal(Handle h, List<Event> es) {
        if (es.isEmpty()) return;
        if (journal.isEmpty()) {
            appendAll(h, es);
            return;
        }
        List<Event> withIds = new ArrayList<>(es.size());
        for (Event e : es) withIds.add(withId(e));
        journal.get().append(withIds);
    }

    public void syncJournal() {
        journal.ifPresent(AuditJournal::sync);
    }

    private Event withId(Event e) {
        return new Event(ids.incrementAndGet(), e.at(), e.host(), e.kind(), e.actor(), e.mac(), e.reportedIp(), e.sourceIp(),
                e.decision(), e.reason());
    }

    private static final String INSERT = """
            INSERT INTO events (at, host, kind, actor, mac, reported_ip, source_ip, decision, reason, id)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""";

    public void append(Handle h, Event e) {
        bind(h.createUpdate(INSERT), withId(e)).execute();
    }

    /** Many events in one JDBC batch: one round of statement handling for a whole group commit. */
    public void appendAll(Handle h, List<Event> es) {
        if (es.isEmpty()) return;
        var batch = h.prepareBatch(INSERT);
        for (Event e : es) bind(batch, withId(e)).add();
        batch.execute();
    }

    private static <S extends org.jdbi.v3.core.statement.SqlStatement<S>> S bind(S st, Event e) {
        return st.bind(0, SqlTime.of(e.at())).bind(1, e.host().orElse(null)).bind(2, e.kind()).bind(3, clip(e.actor(), 128))
                .bind(4, e.mac().map(s -> clip(s, 64)).orElse(null)).bind(5, e.reportedIp().map(s -> clip(s, 64)).orElse(null))
                .bind(6, e.sourceIp().orElse(null)).bind(7, e.decision().map(s -> clip(s, 160)).orElse(null))
                .bind(8, e.reason().map(s -> clip(s, 1024)).orElse(null)).bind(9, e.id());
    }

    /** The last {@code limit} events, oldest first, for one host or all; {@code afterId} for following. */
    public List<Event> recent(Handle h, Optional<String> host, int limit, long afterId) {
        List<Event> db = recentInDatabase(h, host, limit, afterId);
        if (journal.isEmpty()) return db;
        List<Event> all = new ArrayList<>(db);
        all.addAll(journal.get().recent(host, limit, afterId));
        all.sort(java.util.Comparator.comparingLong(Event::id));
        return all.size() <= limit ? all : new ArrayList<>(all.subList(all.size() - limit, all.size()));
    }

    private List<Event> recentInDatabase(Handle h, Optional<String> host, int limit, long afterId) {
        String where = host.isPresent() ? "WHERE host = :host AND id > :after" : "WHERE id > :after";
        var q = h.createQuery("SELECT * FROM (SELECT * FROM events " + where + " ORDER BY id DESC LIMIT :limit) t ORDER BY id")
                .bind("after", afterId).bind("limit", limit);
        host.ifPresent(x -> q.bind("host", x));
        return q.map((rs, ctx) -> new Event(rs.getLong("id"), SqlTime.require(rs, "at"),
                Optional.ofNullable(rs.getString("host")), rs.getString("kind"), rs.getString("actor"),
                Optional.ofNullable(rs.getString("mac")), Optional.ofNullable(rs.getString("reported_ip")),
                Optional.ofNullable(rs.getString("source_ip")), Optional.ofNullable(rs.getString("decision")),
                Optional.ofNullable(rs.getString("reason")))).list();
    }

    private static String clip(String s, int n) {
        return s.length() <= n ? s : s.substring(0, n);
    }

    /** Discovered machines: unknown MACs that asked to boot. */
    public record Discovered(String mac, Optional<String> uuid, Optional<String> lastIp, Optional<String> arch,
                             Instant firstSeen, Instant lastSeen, long requests) {}

    public void sawUnknown(Handle h, String mac, String uuid, String ip, String arch, Instant now) {
        int n = h.createUpdate("UPDATE discovered SET uuid = ?, last_ip = ?, arch = ?, last_seen = ?, requests = requests + 1 WHERE mac = ?")
                .bind(0, uuid).bind(1, ip).bind(2, arch).bind(3, SqlTime.of(now)).bind(4, mac).execute();
        if (n == 0) {
            h.createUpdate("INSERT INTO discovered (mac, uuid, last_ip, arch, first_seen, last_seen, requests) VALUES (?, ?, ?, ?, ?, ?, 1)")
                    .bind(0, mac).bind(1, uuid).bind(2, ip).bind(3, arch).bind(4, SqlTime.of(now)).bind(5, SqlTime.of(now)).execute();
            // anyone can make up MACs: keep the most recently seen, so the list (and the store) stays bounded
            h.createUpdate("DELETE FROM discovered WHERE mac IN (SELECT mac FROM discovered ORDER BY last_seen DESC, mac LIMIT -1 OFFSET ?)")
                    .bind(0, MAX_DISCOVERED).execute();
        }
    }

    /** How many machines not in the inventory are remembered (least recently seen go first). */
    public static final int MAX_DISCOVERED = 1000;

    public List<Discovered> discovered(Handle h) {
        return h.createQuery("SELECT * FROM discovered ORDER BY last_seen DESC").map((rs, ctx) -> new Discovered(
                rs.getString("mac").strip(), Optional.ofNullable(rs.getString("uuid")), Optional.ofNullable(rs.getString("last_ip")),
                Optional.ofNullable(rs.getString("arch")), SqlTime.require(rs, "first_seen"),
                SqlTime.require(rs, "last_seen"), rs.getLong("requests"))).list();
    }
}
