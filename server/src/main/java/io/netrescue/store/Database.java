package io.netrescue.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import org.flywaydb.core.Flyway;
import org.jdbi.v3.core.HandleCallback;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteDataSource;

/**
 * The embedded store: one SQLite file, {@code DATA/netrescue.db}, in WAL mode with
 * {@code synchronous=FULL}, so every commit is fsynced (the WAL, and the directory when the WAL is
 * created) before it returns; schema by Flyway ({@code db/sqlite}). Writes go through one writer
 * connection owned by one platform thread ({@link StoreWriter}), which also groups concurrent
 * transactions into one commit; reads use a small pool of query-only connections, which WAL lets
 * run beside the writer. Why SQLite and not H2: docs/architecture.md, "The store".
 */
public final class Database implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Database.class);
    public static final String FILE = "netrescue.db";
    /** Readers: enough for the API, the watchdog and the boot path's misses; JNI calls pin their carrier. */
    private static final int READERS = 4;

    private final Path file;
    private final HikariDataSource readers;
    private final Jdbi readJdbi;
    private final StoreWriter writer;

    private Database(Path file, HikariDataSource readers, StoreWriter writer) {
        this.file = file;
        this.readers = readers;
        this.readJdbi = Jdbi.create(readers);
        this.writer = writer;
    }

    public static Database openEmbedded(Path dataDir) {
        try {
            io.netrescue.secrets.OwnerOnly.createDirectories(dataDir);
        } catch (java.io.IOException e) {
            throw new IllegalStateException("cannot create data directory " + dataDir + ": " + e.getMessage(), e);
        }
        LegacyH2Migration.migrateIfPresent(dataDir);
        return open(dataDir.resolve(FILE));
    }

    /** Opens (creating and migrating as needed) the SQLite store at {@code file}. */
    static Database open(Path file) {
        ownerOnly(file, true);
        SQLiteDataSource migrations = dataSource(file, false);
        try {
            Flyway.configure().dataSource(migrations).locations("classpath:db/sqlite").load().migrate();
        } catch (RuntimeException e) {
            throw new IllegalStateException("cannot migrate the store " + file + ": " + e.getMessage(), e);
        }
        StoreWriter writer;
        try {
            writer = new StoreWriter(dataSource(file, false).getConnection());
        } catch (SQLException e) {
            throw new IllegalStateException("cannot open the store " + file + ": " + e.getMessage(), e);
        }
        HikariConfig hc = new HikariConfig();
        hc.setDataSource(dataSource(file, true));
        hc.setMaximumPoolSize(READERS);
        hc.setPoolName("store-readers");
        hc.setConnectionInitSql("PRAGMA query_only = 1");
        HikariDataSource readers;
        try {
            readers = new HikariDataSource(hc);
        } catch (RuntimeException e) {
            writer.close();
            throw new IllegalStateException("cannot open the store " + file + ": " + e.getMessage(), e);
        }
        ownerOnly(file, false); // the -wal and -shm SQLite just made take the file's mode; an older version's 0644 files are narrowed
        log.atInfo().addKeyValue("file", file).addKeyValue("journal", "wal").addKeyValue("synchronous", "full").log("store open");
        return new Database(file, readers, writer);
    }

    /**
     * The connection settings every connection shares. synchronous=FULL: in WAL mode, NORMAL would
     * lose the last commits on a power cut; FULL fsyncs the WAL at every commit. foreign_keys is per
     * connection in SQLite and off by default: the schema's ON DELETE CASCADE needs it.
     */
    static SQLiteDataSource dataSource(Path file, boolean reader) {
        SQLiteConfig c = new SQLiteConfig();
        c.setJournalMode(SQLiteConfig.JournalMode.WAL);
        c.setSynchronous(SQLiteConfig.SynchronousMode.FULL);
        c.enforceForeignKeys(true);
        c.setBusyTimeout(10_000);
        if (!reader) c.setTransactionMode(SQLiteConfig.TransactionMode.IMMEDIATE);
        SQLiteDataSource ds = new SQLiteDataSource(c);
        ds.setUrl("jdbc:sqlite:" + file.toAbsolutePath());
        return ds;
    }

    /**
     * The store holds password hashes, token hashes and sealed secrets: the file is created 0600 before
     * SQLite opens it (SQLite gives its -wal and -shm the database file's mode), and existing files are narrowed to 0600.
     */
    private static void ownerOnly(Path file, boolean create) {
        try {
            if (create) io.netrescue.secrets.OwnerOnly.createFile(file);
            io.netrescue.secrets.OwnerOnly.restrict(file, Path.of(file + "-wal"), Path.of(file + "-shm"), Path.of(file + "-journal"));
        } catch (java.io.IOException e) {
            throw new IllegalStateException("cannot make the store " + file + " private (0600): " + e.getMessage(), e);
        }
    }

    public Path file() {
        return file;
    }

    /** Runs a read-only unit of work on a reader connection: it sees every commit acknowledged before it started. */
    public <R> R read(HandleCallback<R, RuntimeException> work) {
        return readJdbi.withHandle(work);
    }

    /**
     * Runs {@code work} in a write transaction on the writer and returns once the commit is durable
     * (fsynced). Concurrent callers may share one commit, each in its own savepoint: a callback that
     * throws rolls back only its own changes, and its exception is rethrown here. Called from inside
     * another write callback, it joins that transaction.
     */
    public <R> R inWriteTransaction(HandleCallback<R, RuntimeException> work) {
        return writer.run(work);
    }

    /** Checks the file's integrity (PRAGMA quick_check): "ok" or SQLite's description of the damage. */
    public String quickCheck() {
        return read(h -> String.join("; ", h.createQuery("PRAGMA quick_check").mapTo(String.class).list()));
    }

    @Override
    public void close() {
        readers.close();
        writer.close();
    }

    /** Runs one statement on a connection (for the migration and tests). */
    static void exec(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute(sql);
        }
    }
}
