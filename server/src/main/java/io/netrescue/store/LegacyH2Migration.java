package io.netrescue.store;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Types;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.flywaydb.core.Flyway;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Moves a store written by earlier netrescue 0.1 snapshots (H2, {@code DATA/netrescue.mv.db}) into SQLite on
 * the first start, row for row, and verifies it row for row before the new file appears. Crash safe:
 * the H2 file is read from a copy (H2 rewrites files it opens), the SQLite file is built under
 * {@code DATA/migration-h2/} and renamed into place only when complete and verified, and only then
 * is the H2 file renamed to {@code netrescue.mv.db.pre-sqlite} (kept, never deleted). A crash at any
 * point leaves either the old store untouched (the next start migrates again) or the new one whole.
 * An H2 file that no longer opens ("File corrupted in chunk ...") is salvaged with H2's own Recover
 * tool first; the log says so.
 */
final class LegacyH2Migration {
    private static final Logger log = LoggerFactory.getLogger(LegacyH2Migration.class);
    static final String H2_FILE = "netrescue.mv.db";
    static final String KEPT_SUFFIX = ".pre-sqlite";
    static final String WORK_DIR = "migration-h2";
    /** The last schema version netrescue wrote with H2 (db/h2). */
    static final int H2_SCHEMA = 6;

    /** Tables in foreign-key order, each with the columns that order its rows. */
    static final Map<String, String> TABLES = tables();

    private static Map<String, String> tables() {
        Map<String, String> t = new LinkedHashMap<>();
        t.put("hosts", "id");
        t.put("host_macs", "mac");
        t.put("host_ips", "host_id, ip");
        t.put("host_labels", "host_id, k");
        t.put("profiles", "name");
        t.put("profile_initrds", "profile, pos");
        t.put("events", "id");
        t.put("discovered", "mac");
        t.put("boot_tokens", "token_hash");
        t.put("host_sysrq", "host_id");
        t.put("dhcp_leases", "ip");
        t.put("host_health", "host_id");
        t.put("host_power", "host_id, kind");
        t.put("kernel_trials", "id");
        return t;
    }

    private LegacyH2Migration() {}

    /** What a migration copied: rows per table, and whether the H2 file had to be recovered first. */
    record Result(Map<String, Integer> rows, boolean recovered) {}

    static void migrateIfPresent(Path dataDir) {
        Path h2 = dataDir.resolve(H2_FILE);
        if (!Files.exists(h2)) return;
        Path target = dataDir.resolve(Database.FILE);
        try {
            if (Files.exists(target)) {
                // a crash after the new store was renamed into place and before the old one was set aside
                keepOld(dataDir);
                return;
            }
            Result r = migrate(dataDir);
            log.atWarn().addKeyValue("from", h2).addKeyValue("to", target).addKeyValue("rows", r.rows())
                    .addKeyValue("recovered", r.recovered()).addKeyValue("kept", h2 + KEPT_SUFFIX)
                    .log("migrated the H2 store to SQLite, verified row for row");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot migrate the H2 store " + h2 + ": " + e.getMessage(), e);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot migrate the H2 store " + h2 + ": " + e.getMessage()
                    + " (the H2 file is unchanged; the next start tries again)", e);
        }
    }

    static Result migrate(Path dataDir) throws IOException, SQLException {
        Path work = dataDir.resolve(WORK_DIR);
        deleteTree(work);
        Files.createDirectories(work);
        Path built = work.resolve(Database.FILE);
        boolean recovered = false;
        Map<String, Integer> rows;
        try {
            rows = build(readable(dataDir, work), built);
        } catch (SQLException | org.flywaydb.core.api.FlywayException e) {
            log.atWarn().addKeyValue("error", e.getMessage()).log("the H2 store cannot be read as it is; salvaging it with H2's Recover tool");
            for (String suffix : new String[] {"", "-wal", "-shm", "-journal"}) Files.deleteIfExists(work.resolve(Database.FILE + suffix));
            rows = build(recovered(dataDir, work), built);
            recovered = true;
        }
        fsync(built);
        Files.move(built, dataDir.resolve(Database.FILE), StandardCopyOption.ATOMIC_MOVE);
        fsync(dataDir);
        keepOld(dataDir);
        deleteTree(work);
        return new Result(rows, recovered);
    }

    /** Copies every row from the H2 store into a new SQLite file at {@code built} and verifies it. */
    private static Map<String, Integer> build(org.h2.jdbcx.JdbcDataSource h2, Path built) throws SQLException {
        Flyway.configure().dataSource(Database.dataSource(built, false)).locations("classpath:db/sqlite").load().migrate();
        try (Connection from = h2.getConnection(); Connection to = Database.dataSource(built, false).getConnection()) {
            to.setAutoCommit(false);
            Map<String, Integer> rows = copy(from, to);
            verify(from, to);
            to.commit();
            to.setAutoCommit(true);
            Database.exec(to, "PRAGMA journal_mode = DELETE"); // one self-contained file to rename
            return rows;
        }
    }

    /**
     * The H2 store from a copy, opened read-only when its schema is current: a read-write open of a
     * damaged MVStore can rewrite it into one that no longer opens (seen with the red team's store).
     * An older schema first gets the H2 migrations it missed (on the copy), so both sides have one schema.
     */
    private static org.h2.jdbcx.JdbcDataSource readable(Path dataDir, Path work) throws IOException, SQLException {
        Files.copy(dataDir.resolve(H2_FILE), work.resolve("legacy.mv.db"), StandardCopyOption.REPLACE_EXISTING);
        String base = h2Url(work.resolve("legacy")) + ";IFEXISTS=TRUE"; // never create an empty database where the copy should be
        int version;
        try (Connection c = DriverManager.getConnection(base + ";ACCESS_MODE_DATA=r", "netrescue", "");
             var st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT version FROM flyway_schema_history WHERE success")) {
            version = 0;
            while (rs.next()) {
                String v = rs.getString(1);
                if (v != null && v.matches("\\d+")) version = Math.max(version, Integer.parseInt(v));
            }
        }
        if (version >= H2_SCHEMA) return h2(base + ";ACCESS_MODE_DATA=r");
        Flyway.configure().dataSource(h2(base)).locations("classpath:db/h2").load().migrate();
        return h2(base);
    }

    /** H2's Recover tool reads every readable page into a SQL script; the script is replayed into a fresh H2 file. */
    private static org.h2.jdbcx.JdbcDataSource recovered(Path dataDir, Path work) throws SQLException, IOException {
        Files.copy(dataDir.resolve(H2_FILE), work.resolve("salvage.mv.db"), StandardCopyOption.REPLACE_EXISTING);
        org.h2.tools.Recover.execute(work.toString(), "salvage");
        Path script = work.resolve("salvage.h2.sql");
        if (!Files.exists(script)) throw new SQLException("H2's Recover tool produced no script");
        String url = h2Url(work.resolve("recovered"));
        try (Connection c = DriverManager.getConnection(url, "netrescue", "");
             var in = Files.newBufferedReader(script, StandardCharsets.UTF_8)) {
            org.h2.tools.RunScript.execute(c, in);
            // an unreadable file recovers to an empty script: that is not an empty store, and must not become one
            try (ResultSet rs = c.getMetaData().getTables(null, null, "flyway_schema_history", null)) {
                if (!rs.next()) throw new SQLException("neither H2 nor its Recover tool can read a netrescue store in it; "
                        + "move the file aside to start with an empty store");
            }
        }
        org.h2.jdbcx.JdbcDataSource ds = h2(url);
        Flyway.configure().dataSource(ds).locations("classpath:db/h2").load().migrate();
        return ds;
    }

    private static org.h2.jdbcx.JdbcDataSource h2(String url) {
        org.h2.jdbcx.JdbcDataSource ds = new org.h2.jdbcx.JdbcDataSource();
        ds.setURL(url);
        ds.setUser("netrescue");
        return ds;
    }

    private static String h2Url(Path base) {
        return "jdbc:h2:file:" + base.toAbsolutePath() + ";MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;DEFAULT_NULL_ORDERING=HIGH";
    }

    private static Map<String, Integer> copy(Connection from, Connection to) throws SQLException {
        Map<String, Integer> counts = new LinkedHashMap<>();
        for (var t : TABLES.entrySet()) {
            List<String> cols = columns(from, to, t.getKey());
            String insert = "INSERT INTO " + t.getKey() + " (" + String.join(", ", cols) + ") VALUES ("
                    + String.join(", ", cols.stream().map(c -> "?").toList()) + ")";
            int n = 0;
            try (PreparedStatement ins = to.prepareStatement(insert)) {
                for (Object[] row : rows(from, t.getKey(), cols, t.getValue())) {
                    for (int i = 0; i < row.length; i++) ins.setObject(i + 1, row[i]);
                    ins.addBatch();
                    if (++n % 1000 == 0) ins.executeBatch();
                }
                ins.executeBatch();
            }
            counts.put(t.getKey(), n);
        }
        return counts;
    }

    /** Every row of both stores, in key order, compared value by value after the one conversion the copy made. */
    private static void verify(Connection from, Connection to) throws SQLException {
        for (var t : TABLES.entrySet()) {
            List<String> cols = columns(from, to, t.getKey());
            List<Object[]> a = rows(from, t.getKey(), cols, t.getValue());
            List<Object[]> b = rows(to, t.getKey(), cols, t.getValue());
            if (a.size() != b.size()) throw new SQLException("verification: " + t.getKey() + " has " + a.size() + " rows in H2, " + b.size() + " in SQLite");
            for (int i = 0; i < a.size(); i++) {
                if (!Arrays.equals(a.get(i), b.get(i))) {
                    throw new SQLException("verification: " + t.getKey() + " row " + i + " differs: " + Arrays.toString(a.get(i))
                            + " in H2, " + Arrays.toString(b.get(i)) + " in SQLite");
                }
            }
        }
    }

    /**
     * The new store's columns of {@code table} that the H2 store has too: a column added since H2 was left
     * behind (the hosts' key salt) keeps its default, which is what every host from before has.
     */
    private static List<String> columns(Connection h2, Connection sqlite, String table) throws SQLException {
        List<String> cols = new ArrayList<>();
        try (var st = sqlite.createStatement(); ResultSet rs = st.executeQuery("PRAGMA table_info(" + table + ")")) {
            while (rs.next()) cols.add(rs.getString("name"));
        }
        if (cols.isEmpty()) throw new SQLException("no table " + table + " in the new store");
        java.util.Set<String> old = new java.util.HashSet<>();
        try (var st = h2.createStatement(); ResultSet rs = st.executeQuery("SELECT * FROM " + table + " WHERE 1 = 0")) {
            ResultSetMetaData md = rs.getMetaData();
            for (int i = 1; i <= md.getColumnCount(); i++) old.add(md.getColumnLabel(i).toLowerCase(java.util.Locale.ROOT));
        }
        cols.retainAll(old);
        return cols;
    }

    /** Rows with values in the SQLite representation: timestamps in microseconds, booleans 0/1, whole numbers as Long. */
    private static List<Object[]> rows(Connection c, String table, List<String> cols, String order) throws SQLException {
        List<Object[]> out = new ArrayList<>();
        try (var st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT " + String.join(", ", cols) + " FROM " + table + " ORDER BY " + order)) {
            ResultSetMetaData md = rs.getMetaData();
            while (rs.next()) {
                Object[] row = new Object[cols.size()];
                for (int i = 0; i < row.length; i++) row[i] = normalize(rs, i + 1, md.getColumnType(i + 1));
                out.add(row);
            }
        }
        return out;
    }

    private static Object normalize(ResultSet rs, int i, int type) throws SQLException {
        Object v = switch (type) {
            case Types.TIMESTAMP_WITH_TIMEZONE, Types.TIMESTAMP -> {
                OffsetDateTime t = rs.getObject(i, OffsetDateTime.class);
                yield t == null ? null : SqlTime.of(t.toInstant());
            }
            case Types.BOOLEAN, Types.BIT -> {
                boolean b = rs.getBoolean(i);
                yield rs.wasNull() ? null : (b ? 1L : 0L);
            }
            case Types.CHAR -> {
                String s = rs.getString(i);
                yield s == null ? null : s.stripTrailing(); // H2 pads CHAR(n); SQLite keeps what was written
            }
            default -> rs.getObject(i);
        };
        if (v instanceof Integer || v instanceof Short || v instanceof Byte) return ((Number) v).longValue();
        return v;
    }

    private static void keepOld(Path dataDir) throws IOException {
        Path h2 = dataDir.resolve(H2_FILE);
        Path kept = dataDir.resolve(H2_FILE + KEPT_SUFFIX);
        if (Files.exists(kept)) kept = dataDir.resolve(H2_FILE + KEPT_SUFFIX + "." + System.currentTimeMillis());
        Files.move(h2, kept, StandardCopyOption.ATOMIC_MOVE);
        Path trace = dataDir.resolve("netrescue.trace.db");
        if (Files.exists(trace)) Files.move(trace, dataDir.resolve("netrescue.trace.db" + KEPT_SUFFIX), StandardCopyOption.REPLACE_EXISTING);
        fsync(dataDir);
    }

    static void fsync(Path p) throws IOException {
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) return;
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.delete(p);
        }
    }
}
