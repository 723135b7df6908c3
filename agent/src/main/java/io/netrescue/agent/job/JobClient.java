package io.netrescue.agent.job;

import io.netrescue.inventory.InvalidInputException;
import io.netrescue.job.Ack;
import io.netrescue.job.Done;
import io.netrescue.job.JobCodec;
import io.netrescue.job.JobSpec;
import io.netrescue.job.OutputChunk;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Optional;

/**
 * The agent's side of the job channel ({@code docs/protocols/jobs.md}): HTTP/1.1 to the server's URL
 * with the per-boot token as a Bearer token, bodies by {@link JobCodec}. One call, one request: the
 * caller retries. 403 is {@link JobRefused}, 400/404/413 {@link JobRejected}, anything else that is
 * not the expected answer (no connection, 429, 5xx, a body that does not decode) a plain IOException.
 * Answers are read up to a bound, never whole whatever their size.
 * <p>{@link HttpURLConnection}, not {@code java.net.http.HttpClient}: the agent's jlinked runtime
 * holds {@code java.base} alone (as {@code KexecRunner}'s fetches); it speaks HTTP/1.1 and keeps
 * connections alive by itself.
 */
public final class JobClient {
    /** The largest answer: a spec with a 1 MiB script and 64 env lines of 1 KiB, with room. */
    static final int MAX_ANSWER = JobCodec.MAX_SCRIPT + 128 * 1024;
    private static final int CONNECT_MILLIS = 10_000, SEND_MILLIS = 30_000;

    private final String base;
    private final String auth;

    public JobClient(URI url, String token) {
        String b = url.toString();
        while (b.endsWith("/")) b = b.substring(0, b.length() - 1);
        this.base = b;
        this.auth = "Bearer " + token;
    }

    /** Long-polls for the next job; empty when the server had none within {@code wait} (204). */
    public Optional<JobSpec> next(Duration wait) throws IOException, InterruptedException {
        long s = Math.max(0, Math.min(30, wait.toSeconds()));
        HttpURLConnection c = open("/rescue/jobs/next?wait=" + s, (int) (s + 20) * 1000);
        try {
            c.setRequestMethod("GET");
            int st = c.getResponseCode();
            byte[] body = read(c, st);
            if (st == 204) return Optional.empty();
            check(st, body, "fetch the next job");
            try {
                return Optional.of(JobCodec.decodeSpec(body));
            } catch (InvalidInputException e) {
                throw new IOException("the server's job does not decode: " + e.getMessage(), e);
            }
        } finally {
            if (Thread.interrupted()) throw new InterruptedException();
        }
    }

    /** Sends one chunk; 200 and 409 (a gap: send from {@code acked + 1}) both answer with an Ack. */
    public Ack output(long id, OutputChunk c) throws IOException, InterruptedException {
        return post("/rescue/jobs/" + id + "/output", JobCodec.encode(c), "send output " + c.seq() + " of job " + id);
    }

    /** Reports the end; 200 (acked is at least d.seq) or 409 (acked below d.seq: send the rest first). */
    public Ack done(long id, Done d) throws IOException, InterruptedException {
        return post("/rescue/jobs/" + id + "/done", JobCodec.encode(d), "report the end of job " + id);
    }

    private Ack post(String path, byte[] body, String what) throws IOException, InterruptedException {
        if (Thread.interrupted()) throw new InterruptedException();
        HttpURLConnection c = open(path, SEND_MILLIS);
        c.setRequestMethod("POST");
        c.setDoOutput(true);
        c.setFixedLengthStreamingMode(body.length);
        c.setRequestProperty("Content-Type", "application/octet-stream");
        try (OutputStream o = c.getOutputStream()) {
            o.write(body);
        }
        int st = c.getResponseCode();
        byte[] answer = read(c, st);
        if (st != 409) check(st, answer, what);
        try {
            return JobCodec.decodeAck(answer);
        } catch (InvalidInputException e) {
            throw new IOException("cannot " + what + ": HTTP " + st + " with an answer that does not decode: " + e.getMessage(), e);
        }
    }

    private HttpURLConnection open(String path, int readMillis) throws IOException {
        HttpURLConnection c = (HttpURLConnection) URI.create(base + path).toURL().openConnection();
        c.setConnectTimeout(CONNECT_MILLIS);
        c.setReadTimeout(readMillis);
        c.setInstanceFollowRedirects(false);
        c.setUseCaches(false);
        c.setRequestProperty("Authorization", auth);
        return c;
    }

    private static void check(int st, byte[] body, String what) throws IOException {
        if (st == 200) return;
        String msg = "cannot " + what + ": HTTP " + st + message(body);
        if (st == 403) throw new JobRefused(msg);
        if (st == 400 || st == 404 || st == 413) throw new JobRejected(st, msg);
        throw new IOException(msg);
    }

    private static String message(byte[] body) {
        String s = new String(body, 0, Math.min(body.length, 200), StandardCharsets.US_ASCII).strip().replaceAll("[^\\x20-\\x7e]", "?");
        return s.isEmpty() ? "" : ": " + s;
    }

    private static byte[] read(HttpURLConnection c, int status) throws IOException {
        InputStream stream = status >= 400 ? c.getErrorStream() : c.getInputStream();
        if (stream == null) return new byte[0];
        try (InputStream in = stream) {
            byte[] b = new byte[8192];
            int n = 0;
            while (true) {
                if (n == b.length) {
                    if (b.length > MAX_ANSWER) throw new IOException("the server's answer is larger than " + MAX_ANSWER + " bytes");
                    b = Arrays.copyOf(b, Math.min(b.length * 2, MAX_ANSWER + 1));
                }
                int r = in.read(b, n, b.length - n);
                if (r < 0) return Arrays.copyOf(b, n);
                n += r;
            }
        }
    }
}
