package io.netrescue.store;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.jdbi.v3.core.Handle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Batches small writes (audit events, discovered machines) from many request threads into one
 * durable transaction: each caller still waits until its write is on disk, but N concurrent callers
 * share one commit and one fsync. A batch that fails is retried write by write, so one bad row does
 * not lose its neighbours.
 */
public final class GroupCommitWriter implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(GroupCommitWriter.class);
    private static final int MAX_BATCH = 8192;
    /**
     * How long a batch of writes nobody waits for collects company. One commit for many events costs
     * far less than many commits: each commit rewrites the index pages it touched.
     */
    private static final long LINGER_NANOS = 25_000_000;

    /** @param urgent someone waits for this write: do not hold the batch back for company */
    private record Pending(List<Event> events, Consumer<Handle> write, CompletableFuture<Void> done, boolean urgent, boolean routine) {}

    private static final Consumer<Handle> NOTHING = h -> {};
    private final Database db;
    private final EventStore events;
    private final LinkedBlockingQueue<Pending> queue = new LinkedBlockingQueue<>(100_000);
    private final Thread thread;
    private volatile boolean running = true;

    public GroupCommitWriter(Database db, EventStore events) {
        this.db = db;
        this.events = events;
        this.thread = Thread.ofVirtual().name("group-commit").start(this::loop);
    }

    /**
     * Queues a write; the future completes when it is durable, or exceptionally if it failed. A full
     * queue makes the caller wait (back-pressure) for up to 5 s rather than lose the write.
     */
    public CompletableFuture<Void> submit(Consumer<Handle> write) {
        return submit(List.of(), write, true, false);
    }

    /**
     * Queues audit events (inserted with the batch's other events in one JDBC batch) and an optional
     * write. {@code urgent}: the caller will wait for the future, so the batch commits without lingering.
     * {@code routine}: the events go to the audit journal rather than the database.
     */
    public CompletableFuture<Void> submit(List<Event> evs, Consumer<Handle> write, boolean urgent, boolean routine) {
        CompletableFuture<Void> f = new CompletableFuture<>();
        boolean queued = false;
        try {
            queued = running && queue.offer(new Pending(evs, write == null ? NOTHING : write, f, urgent, routine), 5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (!queued) f.completeExceptionally(new IllegalStateException(running ? "write queue full" : "store is closing"));
        return f;
    }

    private void loop() {
        List<Pending> batch = new ArrayList<>(MAX_BATCH);
        while (running || !queue.isEmpty()) {
            try {
                Pending first = queue.poll(100, TimeUnit.MILLISECONDS);
                if (first == null) continue;
                batch.add(first);
                long until = System.nanoTime() + LINGER_NANOS;
                int checked = 0;
                boolean urgent = false;
                while (batch.size() < MAX_BATCH) {
                    queue.drainTo(batch, MAX_BATCH - batch.size());
                    for (; checked < batch.size(); checked++) urgent |= batch.get(checked).urgent();
                    if (urgent) break;
                    long left = until - System.nanoTime();
                    if (left <= 0 || batch.size() >= MAX_BATCH) break;
                    Pending more = queue.poll(left, TimeUnit.NANOSECONDS);
                    if (more == null) break;
                    batch.add(more);
                }
                commit(batch);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            } finally {
                batch.clear();
            }
        }
    }

    private void commit(List<Pending> batch) {
        try {
            List<Event> routine = new ArrayList<>(batch.size());
            List<Event> other = new ArrayList<>();
            boolean dbWork = false;
            for (Pending p : batch) {
                (p.routine ? routine : other).addAll(p.events);
                dbWork |= !p.routine || p.write != NOTHING;
            }
            if (dbWork) {
                db.inWriteTransaction(h -> {
                    events.appendAll(h, other);
                    events.journal(h, routine);
                    for (Pending p : batch) p.write.accept(h);
                    return null;
                });
            } else {
                events.journal(null, routine);
            }
            events.syncJournal();
            for (Pending p : batch) p.done.complete(null);
        } catch (RuntimeException e) {
            if (batch.size() == 1) {
                log.atWarn().addKeyValue("error", e.toString()).log("write failed");
                batch.getFirst().done.completeExceptionally(e);
                return;
            }
            for (Pending p : batch) commit(new ArrayList<>(List.of(p)));
        }
    }

    @Override
    public void close() {
        running = false;
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
