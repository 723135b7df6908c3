package io.netrescue.agent.job;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.netrescue.inventory.InvalidInputException;
import io.netrescue.job.Ack;
import io.netrescue.job.Done;
import io.netrescue.job.JobCodec;
import io.netrescue.job.JobSpec;
import io.netrescue.job.OutputChunk;
import io.netrescue.job.OutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The server's side of docs/protocols/jobs.md, faithfully and in memory, for the agent's tests: one
 * job at a time per host, the running job answered again to next, duplicates answered as stored,
 * gaps 409, done refused (409) until every chunk is held, a second done changes nothing; plus faults
 * (every 3rd request failed: alternately 503 before it is handled, or handled and its answer dropped),
 * being down (the port closed) and refusing the token.
 */
final class FakeJobServer implements AutoCloseable {
    static final String TOKEN = "test-token-0123456789";

    static final class Job {
        final JobSpec spec;
        final List<OutputChunk> chunks = new ArrayList<>();
        long acked;
        boolean started, cancel, cancelOnFirstOutput;
        Done done;
        int duplicates, gaps, doneRefused, probes;

        Job(JobSpec spec) {
            this.spec = spec;
            this.acked = spec.acked();
        }

        synchronized byte[] bytes(OutputStream s) {
            ByteArrayOutputStream o = new ByteArrayOutputStream();
            for (OutputChunk c : chunks) if (c.stream() == s) o.writeBytes(c.data());
            return o.toByteArray();
        }

        synchronized String text(OutputStream s) {
            return new String(bytes(s), java.nio.charset.StandardCharsets.UTF_8);
        }
    }

    private final Map<Long, Job> jobs = new LinkedHashMap<>();
    private final ArrayDeque<Job> queue = new ArrayDeque<>();
    private Job running;
    private final int port;
    private HttpServer server;
    volatile boolean faults, refuse;
    final AtomicInteger requests = new AtomicInteger(), nextRequests = new AtomicInteger(), dropped = new AtomicInteger();

    FakeJobServer() throws IOException {
        server = start(0);
        port = server.getAddress().getPort();
    }

    private HttpServer start(int p) throws IOException {
        HttpServer s = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), p), 0);
        s.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        s.createContext("/rescue/jobs/", this::handle);
        s.start();
        return s;
    }

    URI url() {
        return URI.create("http://127.0.0.1:" + port + "/");
    }

    synchronized Job queue(JobSpec spec) {
        Job j = new Job(spec);
        jobs.put(spec.id(), j);
        queue.add(j);
        notifyAll();
        return j;
    }

    /** Closes the port for a while (connections refused), then listens again on it. */
    void down(long millis) throws Exception {
        server.stop(0);
        Thread.sleep(millis);
        server = start(port);
    }

    private void handle(HttpExchange x) throws IOException {
        try (x) {
            int n = requests.incrementAndGet();
            if (refuse || !("Bearer " + TOKEN).equals(x.getRequestHeaders().getFirst("Authorization"))) {
                answer(x, 403, "token refused\n".getBytes());
                return;
            }
            boolean fail = faults && n % 3 == 0, dropAnswer = fail && (n / 3) % 2 == 0;
            if (fail && !dropAnswer) {
                answer(x, 503, "try later\n".getBytes());
                return;
            }
            String path = x.getRequestURI().getPath();
            byte[] body = x.getRequestBody().readAllBytes();
            int[] status = new int[1];
            byte[] out;
            try {
                if (path.equals("/rescue/jobs/next") && x.getRequestMethod().equals("GET")) {
                    nextRequests.incrementAndGet();
                    out = next(x.getRequestURI().getQuery(), status);
                } else if (path.matches("/rescue/jobs/[0-9]+/(output|done)") && x.getRequestMethod().equals("POST")) {
                    long id = Long.parseLong(path.split("/")[3]);
                    out = path.endsWith("output") ? output(id, body, status) : done(id, body, status);
                } else {
                    status[0] = 404;
                    out = "no such resource\n".getBytes();
                }
            } catch (InvalidInputException e) {
                status[0] = 400;
                out = (e.getMessage() + "\n").getBytes();
            }
            if (dropAnswer) {
                dropped.incrementAndGet();
                // handled, but the answer is cut short: the client sees the connection close mid-answer
                x.sendResponseHeaders(200, out.length + 100);
                x.getResponseBody().write(out, 0, out.length / 2);
                x.getResponseBody().flush();
                return;
            }
            answer(x, status[0], out);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private synchronized byte[] next(String query, int[] status) throws InterruptedException {
        long wait = query != null && query.startsWith("wait=") ? Math.min(30, Long.parseLong(query.substring(5))) : 0;
        long until = System.nanoTime() + Math.min(wait * 1000, 300) * 1_000_000L; // tests need no long waits
        while (running == null && queue.isEmpty()) {
            long left = until - System.nanoTime();
            if (left <= 0) {
                status[0] = 204;
                return new byte[0];
            }
            wait(Math.max(1, left / 1_000_000));
        }
        if (running == null) {
            running = queue.poll();
            running.started = true;
        }
        status[0] = 200;
        JobSpec s = running.spec;
        return JobCodec.encode(new JobSpec(s.id(), s.timeoutSeconds(), running.acked, s.env(), s.script()));
    }

    private synchronized byte[] output(long id, byte[] body, int[] status) {
        Job j = jobs.get(id);
        if (j == null || !j.started) {
            status[0] = 404;
            return "no such job\n".getBytes();
        }
        OutputChunk c = JobCodec.decodeChunk(body);
        if (j.cancelOnFirstOutput) j.cancel = true;
        if (c.seq() <= j.acked && c.data().length == 0) {
            j.probes++; // a quiet job's agent asking whether to go on
            status[0] = 200;
        } else if (c.seq() <= j.acked) {
            OutputChunk stored = j.chunks.get((int) (c.seq() - 1 - j.spec.acked()));
            if (stored.stream() != c.stream() || !Arrays.equals(stored.data(), c.data())) throw new AssertionError("seq " + c.seq() + " resent with other bytes");
            j.duplicates++;
            status[0] = 200;
        } else if (c.seq() == j.acked + 1) {
            if (j.done != null) throw new AssertionError("output after done");
            j.chunks.add(c);
            j.acked = c.seq();
            status[0] = 200;
        } else {
            j.gaps++;
            status[0] = 409;
        }
        return JobCodec.encode(new Ack(j.acked, j.cancel));
    }

    private synchronized byte[] done(long id, byte[] body, int[] status) {
        Job j = jobs.get(id);
        if (j == null || !j.started) {
            status[0] = 404;
            return "no such job\n".getBytes();
        }
        Done d = JobCodec.decodeDone(body);
        if (j.done != null) {
            status[0] = 200;
        } else if (d.seq() > j.acked) {
            j.doneRefused++;
            status[0] = 409;
        } else {
            j.done = d;
            if (running == j) running = null;
            status[0] = 200;
            notifyAll();
        }
        return JobCodec.encode(new Ack(j.acked, false));
    }

    synchronized Done awaitDone(Job j, long millis) throws InterruptedException {
        long until = System.currentTimeMillis() + millis;
        while (j.done == null && System.currentTimeMillis() < until) wait(50);
        return j.done;
    }

    private static void answer(HttpExchange x, int status, byte[] body) throws IOException {
        x.getResponseHeaders().set("Content-Type", "application/octet-stream");
        x.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        if (body.length > 0) x.getResponseBody().write(body);
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
