package io.netrescue.store;

import java.sql.Connection;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.HandleCallback;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The store's single writer: one SQLite connection, used only by one platform thread. SQLite allows
 * one writer at a time anyway; owning it in one thread means no SQLITE_BUSY, no lock waits, and a
 * natural group commit: the transactions that queued while a commit was being fsynced all run in
 * the next transaction, each in its own savepoint, and share its one fsync. A platform thread,
 * because the JDBC driver is JNI: an fsync inside it would pin a virtual thread's carrier.
 */
final class StoreWriter implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(StoreWriter.class);
    private static final int MAX_GROUP = 256;

    private record Task(HandleCallback<?, RuntimeException> work, CompletableFuture<Object> done) {}

    private final Connection connection;
    private final Handle handle;
    private final LinkedBlockingQueue<Task> queue = new LinkedBlockingQueue<>();
    private final Thread thread;
    private volatile boolean open = true;

    StoreWriter(Connection connection) {
        this.connection = connection;
        this.handle = Jdbi.open(connection);
        this.thread = Thread.ofPlatform().name("store-writer").daemon(true).start(this::loop);
    }

    @SuppressWarnings("unchecked")
    <R> R run(HandleCallback<R, RuntimeException> work) {
        if (Thread.currentThread() == thread) return work.withHandle(handle); // nested: join the transaction
        CompletableFuture<Object> done = new CompletableFuture<>();
        if (!open) throw new IllegalStateException("the store is closed");
        queue.add(new Task(work, done));
        // closed meanwhile and the writer already gone: nobody will take the task, so do not wait for it
        if (!open && !thread.isAlive() && queue.remove(new Task(work, done))) throw new IllegalStateException("the store is closed");
        try {
            return (R) done.get();
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof RuntimeException r) throw r;
            if (c instanceof Error err) throw err;
            throw new IllegalStateException(c);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the store (the write may or may not be committed)", e);
        }
    }

    private void loop() {
        List<Task> group = new ArrayList<>(MAX_GROUP);
        while (open || !queue.isEmpty()) {
            try {
                Task first = queue.poll(100, TimeUnit.MILLISECONDS);
                if (first == null) continue;
                group.add(first);
                queue.drainTo(group, MAX_GROUP - 1);
                commit(group);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            } finally {
                group.clear();
            }
        }
        for (Task t; (t = queue.poll()) != null; ) t.done.completeExceptionally(new IllegalStateException("the store is closed"));
    }

    /** Runs the group in one transaction, each task in a savepoint; completes the futures only after the commit. */
    private void commit(List<Task> group) {
        Object[] results = new Object[group.size()];
        Throwable[] failures = new Throwable[group.size()];
        int ok = 0;
        try {
            handle.begin();
            for (int i = 0; i < group.size(); i++) {
                // plain SQL savepoints: SQLite keeps one on its stack after ROLLBACK TO, which Jdbi's bookkeeping does not expect
                handle.execute("SAVEPOINT w");
                try {
                    results[i] = group.get(i).work.withHandle(handle);
                    handle.execute("RELEASE w");
                    ok++;
                } catch (RuntimeException | Error e) {
                    failures[i] = e;
                    handle.execute("ROLLBACK TO w");
                    handle.execute("RELEASE w");
                }
            }
            if (ok > 0) handle.commit();
            else handle.rollback();
        } catch (RuntimeException e) {
            // the commit itself (or the transaction around the tasks) failed: nothing of this group is durable
            log.atError().addKeyValue("error", e.toString()).addKeyValue("transactions", group.size()).log("store commit failed");
            try {
                if (handle.isInTransaction()) handle.rollback();
            } catch (RuntimeException again) {
                log.atWarn().addKeyValue("error", again.toString()).log("store rollback failed");
            }
            for (Task t : group) t.done.completeExceptionally(new IllegalStateException("the store could not commit: " + e.getMessage(), e));
            return;
        }
        for (int i = 0; i < group.size(); i++) {
            if (failures[i] != null) group.get(i).done.completeExceptionally(failures[i]);
            else group.get(i).done.complete(results[i]);
        }
    }

    @Override
    public void close() {
        open = false;
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            handle.close();
            connection.close(); // the last connection to close checkpoints the WAL into the file
        } catch (Exception e) {
            log.atWarn().addKeyValue("error", e.toString()).log("closing the store writer");
        }
    }
}
