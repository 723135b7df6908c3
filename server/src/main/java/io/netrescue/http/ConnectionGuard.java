package io.netrescue.http;

import io.netrescue.http.ConnectionLimits.Admission;
import io.netrescue.http.ConnectionLimits.Phase;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.eclipse.jetty.http.HttpParser;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.SelectorManager;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.internal.HttpConnection;
import org.eclipse.jetty.util.component.AbstractLifeCycle;
import org.eclipse.jetty.util.thread.Scheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps one address, or many slow ones, from taking every connection (and file descriptor) the
 * server has: applies {@link ConnectionLimits} to a connector's connections as they open, and closes
 * those whose request headers are late on a periodic sweep.
 *
 * <p>Jetty's own {@code ConnectionLimit} stops accepting at its limit, which would starve new boot
 * clients exactly when a flood holds the connections; here the oldest connection that is not in the
 * middle of a request makes room instead (a flood's connections are that, a boot client's last
 * milliseconds). The phase of a connection is read from its HTTP/1.1 parser, Jetty's
 * {@code internal.HttpConnection}: there is no public API for "headers still pending".
 */
public final class ConnectionGuard extends AbstractLifeCycle implements Connection.Listener, SelectorManager.AcceptListener {
    private static final Logger log = LoggerFactory.getLogger(ConnectionGuard.class);
    private static final long REPORT_EVERY = TimeUnit.SECONDS.toNanos(10);

    private final ConnectionLimits limits;
    private final Scheduler scheduler;
    private final long sweepMillis;
    private final Object lock = new Object();
    /** Oldest first, for eviction; guarded by {@link #lock}, as is {@link #perSource}. */
    private final LinkedHashMap<Connection, Tracked> open = new LinkedHashMap<>();
    private final Map<InetAddress, Integer> perSource = new HashMap<>();
    private final LongAdder refused = new LongAdder();
    private final LongAdder late = new LongAdder();
    private final LongAdder evicted = new LongAdder();
    private long reported;
    private long lastReport = System.nanoTime();
    private volatile Scheduler.Task sweep;

    /** @param source null for a connection without an IP address (not counted per source) */
    private record Tracked(InetAddress source, long[] since) {}

    private ConnectionGuard(ConnectionLimits limits, Scheduler scheduler) {
        this.limits = limits;
        this.scheduler = scheduler;
        this.sweepMillis = Math.clamp(limits.headerTimeout().toMillis() / 4, 50, 1000);
    }

    /** Guards every connection {@code connector} opens from now on, started and stopped with it. */
    public static ConnectionGuard install(ServerConnector connector, ConnectionLimits limits) {
        ConnectionGuard g = new ConnectionGuard(limits, connector.getScheduler());
        connector.addEventListener(g); // connection factories add the connector's Connection.Listeners to each connection
        connector.getSelectorManager().addEventListener(g);
        connector.addBean(g);
        return g;
    }

    @Override
    protected void doStart() {
        schedule();
    }

    @Override
    protected void doStop() {
        Scheduler.Task t = sweep;
        if (t != null) t.cancel();
    }

    private void schedule() {
        if (isRunning()) sweep = scheduler.schedule(this::sweep, sweepMillis, TimeUnit.MILLISECONDS);
    }

    /**
     * On the acceptor thread, before the channel is registered with a selector: a source already at
     * its limit loses the connection here, and its descriptor is free at once (a registered channel's
     * close waits for the selector). {@link #onOpened} still counts exactly.
     */
    @Override
    public void onAccepting(SelectableChannel channel) {
        InetAddress source;
        try {
            source = channel instanceof SocketChannel sc && sc.getRemoteAddress() instanceof InetSocketAddress a ? a.getAddress() : null;
        } catch (IOException e) {
            return;
        }
        if (source == null) return;
        boolean full;
        synchronized (lock) {
            full = perSource.getOrDefault(source, 0) >= limits.perSource();
        }
        if (full) {
            refused.increment();
            try {
                channel.close(); // Jetty's registration then fails, and it closes and forgets the channel
            } catch (IOException ignored) {
                // closed either way
            }
        }
    }

    @Override
    public void onOpened(Connection c) {
        InetAddress source = c.getEndPoint().getRemoteSocketAddress() instanceof InetSocketAddress a ? a.getAddress() : null;
        Admission admission;
        Connection victim = null;
        synchronized (lock) {
            int fromSource = source == null ? 1 : perSource.merge(source, 1, Integer::sum);
            open.put(c, new Tracked(source, new long[] {System.nanoTime()}));
            admission = limits.admit(fromSource, open.size());
            victim = switch (admission) {
                case ADMIT -> null;
                case REFUSE -> c;
                case MAKE_ROOM -> {
                    Connection v = oldestEvictable();
                    yield v == null ? c : v;
                }
            };
            // forgotten now: Jetty reports the close later (from the selector), and until then this
            // connection must neither count nor be picked again to make room
            if (victim != null) forget(victim);
        }
        if (victim == null) return;
        (admission == Admission.REFUSE ? refused : evicted).increment();
        victim.getEndPoint().close(); // outside the lock: the close may call onClosed on this thread
    }

    @Override
    public void onClosed(Connection c) {
        synchronized (lock) {
            forget(c);
        }
    }

    /** Under {@link #lock}; a connection already forgotten is left alone. */
    private void forget(Connection c) {
        Tracked t = open.remove(c);
        if (t != null && t.source() != null) perSource.computeIfPresent(t.source(), (k, n) -> n == 1 ? null : n - 1);
    }

    /** The oldest connection not in the middle of a request (may be the one just opened), or null. */
    private Connection oldestEvictable() {
        for (Connection c : open.keySet()) {
            if (ConnectionLimits.evictable(phase(c))) return c;
        }
        return null;
    }

    private void sweep() {
        try {
            long now = System.nanoTime();
            List<Connection> overdue = new ArrayList<>();
            synchronized (lock) {
                for (Map.Entry<Connection, Tracked> e : open.entrySet()) {
                    long[] since = e.getValue().since();
                    Phase seen = phase(e.getKey());
                    since[0] = ConnectionLimits.headersSince(since[0], seen, now);
                    if (limits.late(since[0], seen, now)) overdue.add(e.getKey());
                }
                overdue.forEach(this::forget);
            }
            for (Connection c : overdue) {
                late.increment();
                c.getEndPoint().close();
            }
            report(now);
        } catch (RuntimeException e) {
            log.atWarn().setCause(e).log("connection sweep failed");
        } finally {
            schedule();
        }
    }

    /** At most one line per 10 s, and only when connections were closed by these limits. */
    private void report(long now) {
        long total = refused.sum() + late.sum() + evicted.sum();
        if (total == reported || now - lastReport < REPORT_EVERY) return;
        reported = total;
        lastReport = now;
        int n;
        synchronized (lock) {
            n = open.size();
        }
        log.atWarn().addKeyValue("refused_per_source", refused.sum()).addKeyValue("headers_late", late.sum())
                .addKeyValue("evicted_at_total", evicted.sum()).addKeyValue("open", n)
                .addKeyValue("per_source", limits.perSource()).addKeyValue("total", limits.total())
                .log("HTTP connections closed by the connection limits (totals since start)");
    }

    static Phase phase(Connection c) {
        if (!(c instanceof HttpConnection h)) return Phase.BUSY; // not ours to judge
        HttpParser p = h.getParser();
        if (p.isStart()) return h.getMessagesIn() == 0 ? Phase.SILENT : Phase.IDLE;
        if (p.inHeaderState()) return Phase.HEADERS;
        return p.inContentState() ? Phase.BODY : Phase.BUSY;
    }
}
