package io.netrescue.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netrescue.boot.BootMode;
import io.netrescue.boot.Host;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.zip.GZIPInputStream;
import org.flywaydb.core.Flyway;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Stores written by netrescue before SQLite (H2) move to SQLite on the first start: every row, verified, the old file kept. */
class LegacyH2MigrationTest {
    @TempDir Path dir;

    static String url(Path data) {
        return "jdbc:h2:file:" + data.resolve("netrescue").toAbsolutePath() + ";MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;DEFAULT_NULL_ORDERING=HIGH";
    }

    /** An H2 store as netrescue 0.1 left it, at schema version {@code target}, with a row in every table that version has. */
    static void oldStore(Path data, String target) throws Exception {
        Files.createDirectories(data);
        JdbcDataSource ds = new JdbcDataSource();
        ds.setURL(url(data));
        ds.setUser("netrescue");
        Flyway.configure().dataSource(ds).locations("classpath:db/h2").target(target).load().migrate();
        String t = "TIMESTAMP WITH TIME ZONE '2026-12-01 10:00:00.123456+00'";
        try (Connection c = ds.getConnection(); Statement st = c.createStatement()) {
            st.execute("INSERT INTO hosts (id, name, uuid, boot_mode, boot_profile, boot_expires_at, prev_mode, version, created_at, updated_at) "
                    + "VALUES (7, 'web1', '8c5b0b4e-2f6a-4d1e-9a61-0123456789ab', 'once', 'rescue', " + t + ", 'local', 3, " + t + ", " + t + ")");
            st.execute("INSERT INTO hosts (id, name, boot_mode, version, created_at, updated_at) VALUES (9, 'db1', 'local', 0, " + t + ", " + t + ")");
            st.execute("INSERT INTO host_macs VALUES ('52:54:00:12:34:56', 7, 0), ('52:54:00:12:34:57', 7, 1), ('02:00:00:00:00:09', 9, 0)");
            st.execute("INSERT INTO host_ips VALUES (7, '10.0.0.5', 0), (7, 'fd00::5', 1)");
            st.execute("INSERT INTO host_labels VALUES (7, 'rack', 'r1'), (9, 'role', 'db')");
            st.execute("INSERT INTO profiles VALUES ('rescue', 'vmlinuz', 'console=ttyS0 host={host} é', " + t + ", " + t + ")");
            st.execute("INSERT INTO profile_initrds VALUES ('rescue', 0, 'initrd.gz'), ('rescue', 1, 'extra.cpio')");
            st.execute("INSERT INTO events (id, at, host, kind, actor, mac, reported_ip, source_ip, decision, reason) VALUES "
                    + "(41, " + t + ", 'web1', 'boot.mode', 'cli', NULL, NULL, NULL, NULL, 'mode set'), "
                    + "(42, " + t + ", NULL, 'boot.unknown', 'boot', '02:aa:bb:cc:dd:ee', '10.0.0.9', '10.0.0.9', 'local', NULL)");
            st.execute("INSERT INTO discovered VALUES ('02:aa:bb:cc:dd:ee', NULL, '10.0.0.9', 'x86_64', " + t + ", " + t + ", 5)");
            st.execute("INSERT INTO boot_tokens VALUES ('" + "ab".repeat(32) + "', 'web1', 'rescue', " + t + ", " + t + ", NULL)");
            if (target.compareTo("2") >= 0) {
                st.execute("INSERT INTO host_sysrq VALUES (7, 'xt', '10.0.0.5', 9, 9, NULL, 'sha256', 'sealed-blob', 'sub', 1796232065920, " + t + ")");
            }
            if (target.compareTo("3") >= 0) st.execute("INSERT INTO dhcp_leases VALUES ('10.0.0.50', '02:aa:bb:cc:dd:ee', 'bound', " + t + ", " + t + ")");
            if (target.compareTo("4") >= 0) {
                st.execute("INSERT INTO host_health VALUES (7, 'down', " + t + ", 'silent 12 s', " + t + ", 'heartbeat', NULL, '6.1.0', TRUE, NULL, NULL, '{}', " + t + ")");
                st.execute("INSERT INTO host_power VALUES (7, 'ipmi', 1, '{\"address\":\"10.0.1.5\"}', 'sealed', 10000, " + t + ")");
            }
            if (target.compareTo("5") >= 0) {
                st.execute("INSERT INTO kernel_trials (id, host, profile, started_at, deadline, state, detail, actor) VALUES (3, 'web1', 'rescue', " + t + ", " + t + ", 'failed', 'deadline', 'cli')");
            }
        }
    }

    static long num(Database db, String sql) {
        Long n = db.read(h -> h.createQuery(sql).mapTo(Long.class).one());
        return n;
    }

    static String text(Database db, String sql) {
        return db.<String>read(h -> h.createQuery(sql).mapTo(String.class).one());
    }

    static List<String> names(Database db) {
        List<Host> all = db.read(h -> new HostStore(db).list(h));
        return all.stream().map(Host::name).toList();
    }

    @Test
    void everyRowMovesAndTheOldFileIsKept() throws Exception {
        Path data = dir.resolve("data");
        oldStore(data, "6");
        byte[] before = Files.readAllBytes(data.resolve("netrescue.mv.db"));
        try (Database db = Database.openEmbedded(data)) {
            HostStore hosts = new HostStore(db);
            Host web1 = db.read(h -> hosts.require(h, "web1"));
            assertThat(web1.macs()).hasSize(2);
            assertThat(web1.labels()).containsEntry("rack", "r1");
            assertThat(web1.expectedIps()).hasSize(2);
            assertThat(web1.boot().mode()).isEqualTo(new BootMode.Once("rescue"));
            assertThat(web1.boot().expiresAt()).contains(Instant.parse("2026-12-01T10:00:00.123456Z"));
            assertThat(web1.version()).isEqualTo(3);
            assertThat(text(db, "SELECT cmdline FROM profiles")).endsWith("é");
            assertThat(num(db, "SELECT maintenance FROM host_health")).isEqualTo(1);
            assertThat(num(db, "SELECT kexec FROM kernel_trials")).isEqualTo(0);
            EventStore events = new EventStore(db, Optional.empty());
            assertThat(events.lastId()).isEqualTo(42);
            List<Event> recent = db.read(h -> events.recent(h, Optional.empty(), 10, 0));
            assertThat(recent).extracting(Event::kind).containsExactly("boot.mode", "boot.unknown");
            List<EventStore.Discovered> discovered = db.read(h -> events.discovered(h));
            assertThat(discovered).singleElement().satisfies(d -> assertThat(d.requests()).isEqualTo(5));
            // new rows get ids after the migrated ones, and the cascade still works
            db.inWriteTransaction(h -> h.createUpdate("DELETE FROM hosts WHERE name = 'web1'").execute());
            assertThat(num(db, "SELECT count(*) FROM host_macs")).isEqualTo(1);
            assertThat(db.quickCheck()).isEqualTo("ok");
        }
        assertThat(data.resolve("netrescue.mv.db")).doesNotExist();
        assertThat(Files.readAllBytes(data.resolve("netrescue.mv.db.pre-sqlite"))).isEqualTo(before);
        assertThat(data.resolve("migration-h2")).doesNotExist();
        // the second start opens the SQLite store and leaves the kept file alone
        try (Database db = Database.openEmbedded(data)) {
            assertThat(names(db)).containsExactly("db1");
        }
        assertThat(data.resolve("netrescue.mv.db.pre-sqlite")).exists();
    }

    @Test
    void anOlderSchemaIsBroughtUpToDateFirst() throws Exception {
        Path data = dir.resolve("data");
        oldStore(data, "3");
        try (Database db = Database.openEmbedded(data)) {
            assertThat(names(db)).containsExactly("db1", "web1");
            assertThat(num(db, "SELECT count(*) FROM dhcp_leases")).isEqualTo(1);
        }
    }

    @Test
    void aCrashMidMigrationIsRedoneAndACrashAfterTheSwapIsFinished() throws Exception {
        Path data = dir.resolve("data");
        oldStore(data, "6");
        // a crash while building: a half-made work directory, no netrescue.db
        Files.createDirectories(data.resolve("migration-h2"));
        Files.writeString(data.resolve("migration-h2/netrescue.db"), "half a file");
        try (Database db = Database.openEmbedded(data)) {
            assertThat(num(db, "SELECT count(*) FROM hosts")).isEqualTo(2);
        }
        // a crash after the new file was renamed into place, before the old one was set aside
        Files.move(data.resolve("netrescue.mv.db.pre-sqlite"), data.resolve("netrescue.mv.db"));
        try (Database db = Database.openEmbedded(data)) {
            assertThat(num(db, "SELECT count(*) FROM hosts")).isEqualTo(2);
        }
        assertThat(data.resolve("netrescue.mv.db")).doesNotExist();
        assertThat(data.resolve("netrescue.mv.db.pre-sqlite")).exists();
    }

    /**
     * The red team's store (../shared/repro/durability): H2 lost every write made to it after a SIGKILL.
     * It migrates, with every host and event it holds, and what is written afterwards survives SIGKILL.
     */
    @Test
    void theStoreThatLostEveryWriteMigratesAndStopsLosingWrites() throws Exception {
        Path data = dir.resolve("data");
        Files.createDirectories(data);
        try (InputStream in = new GZIPInputStream(getClass().getResourceAsStream("/store/h2-store-that-lost-writes.mv.db.gz"))) {
            Files.copy(in, data.resolve("netrescue.mv.db"));
        }
        // what H2 itself reads from a copy of it
        Path probe = dir.resolve("probe");
        Files.createDirectories(probe);
        Files.copy(data.resolve("netrescue.mv.db"), probe.resolve("netrescue.mv.db"));
        long h2Hosts, h2Events;
        try (Connection c = DriverManager.getConnection(url(probe), "netrescue", ""); Statement st = c.createStatement()) {
            var rs = st.executeQuery("SELECT (SELECT count(*) FROM hosts), (SELECT count(*) FROM events)");
            rs.next();
            h2Hosts = rs.getLong(1);
            h2Events = rs.getLong(2);
        }
        assertThat(h2Hosts).isPositive();
        try (Database db = Database.openEmbedded(data)) {
            assertThat(num(db, "SELECT count(*) FROM hosts")).isEqualTo(h2Hosts);
            assertThat(num(db, "SELECT count(*) FROM events")).isEqualTo(h2Events);
        }
        ServerProcess.killCycles(dir, data, 3);
    }

    @Test
    void aDamagedH2FileIsNotMistakenForAnEmptyOne() throws Exception {
        Path data = dir.resolve("data");
        Files.createDirectories(data);
        Files.write(data.resolve("netrescue.mv.db"), new byte[8192]); // zeros: no header, nothing H2 or its Recover tool can read
        assertThatThrownBy(() -> Database.openEmbedded(data).close())
                .hasMessageContaining("netrescue.mv.db").hasMessageContaining("move the file aside");
        assertThat(Files.readAllBytes(data.resolve("netrescue.mv.db"))).isEqualTo(new byte[8192]);
        assertThat(data.resolve("netrescue.db")).doesNotExist();
    }
}
