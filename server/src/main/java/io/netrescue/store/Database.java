package io.netrescue.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.nio.file.Files;
import java.nio.file.Path;
import org.flywaydb.core.Flyway;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.HandleCallback;

/**
 * The embedded database: an H2 file in PostgreSQL mode under the data directory, migrated by Flyway
 * on open. Every write transaction ends with {@link #inWriteTransaction}, which forces the change to
 * stable storage before returning, so an acknowledged change survives a crash or power loss.
 * The SQL is kept to what PostgreSQL also runs, so a shared PostgreSQL store can be added later.
 */
public final class Database implements AutoCloseable {
    private final HikariDataSource pool;
    private final Jdbi jdbi;

    private Database(HikariDataSource pool) {
        this.pool = pool;
        this.jdbi = Jdbi.create(pool);
    }

    public static Database openEmbedded(Path dataDir) {
        try {
            Files.createDirectories(dataDir);
        } catch (java.io.IOException e) {
            throw new IllegalStateException("cannot create data directory " + dataDir + ": " + e.getMessage(), e);
        }
        // DB_CLOSE_ON_EXIT=FALSE: we close it ourselves after the last request, not in a JVM hook that
        // races our own shutdown. WRITE_DELAY=0 writes each commit out at once; fsync is ours (sync()).
        String url = "jdbc:h2:file:" + dataDir.toAbsolutePath().resolve("netrescue")
                + ";MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;DEFAULT_NULL_ORDERING=HIGH;DB_CLOSE_ON_EXIT=FALSE;WRITE_DELAY=0";
        HikariConfig hc = new HikariConfig();
        hc.setJdbcUrl(url);
        hc.setUsername("netrescue");
        hc.setPassword("");
        hc.setMaximumPoolSize(16);
        hc.setPoolName("store");
        HikariDataSource ds = new HikariDataSource(hc);
        try {
            Flyway.configure().dataSource(ds).locations("classpath:db/migration").load().migrate();
        } catch (RuntimeException e) {
            ds.close();
            throw new IllegalStateException("cannot migrate the store in " + dataDir + ": " + e.getMessage(), e);
        }
        return new Database(ds);
    }

    public Jdbi jdbi() {
        return jdbi;
    }

    /** Runs a read-only unit of work. */
    public <R> R read(HandleCallback<R, RuntimeException> work) {
        return jdbi.withHandle(work);
    }

    /** Runs {@code work} in a transaction, commits, and makes the commit durable before returning. */
    public <R> R inWriteTransaction(HandleCallback<R, RuntimeException> work) {
        return jdbi.withHandle(h -> {
            R r = h.inTransaction(work);
            sync(h);
            return r;
        });
    }

    /** H2 writes commits to the file but does not fsync them; CHECKPOINT SYNC does. */
    static void sync(Handle h) {
        h.execute("CHECKPOINT SYNC");
    }

    @Override
    public void close() {
        try (Handle h = jdbi.open()) {
            h.execute("SHUTDOWN");
        } catch (RuntimeException ignored) {
            // already closed or broken: the pool close below releases what is left
        }
        pool.close();
    }
}
