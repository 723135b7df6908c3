package io.netrescue.agent.job;

import io.netrescue.inventory.InvalidInputException;
import io.netrescue.job.AgentSignature;
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
 * The agent's side of the job channel ({@code docs/protocols/jobs.md}): HTTP/1.1 to the server's URL,
 * {@code /rescue/jobs/*} with the per-boot token as a Bearer token (a rescue system) or
 * {@code /agent/jobs/*} signed with the host's key (an installed system), bodies by {@link JobCodec}. One call, one request: the
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

    /** The Authorization header of one request. */
    interface Auth {
        String header(String method, String pathAndQuery, byte[] body);
    }

    private final String base;
    private final String prefix;
    private final Auth auth;

    /** A rescue system's client: {@code /rescue/jobs/*} with its boot's per-boot token. */
    public JobClient(URI url, String token) {
        this(url, "/rescue/jobs", (m, p, b) -> "Bearer " + token);
    }

    /**
     * An installed system's client: {@code /agent/jobs/*}, each request signed with the host's agent key
     * ({@link AgentSignature}; a fresh random nonce and the wall clock, which the server checks within a minute).
     */
    public static JobClient installed(URI url, String host, byte[] key) {
        byte[] k = key.clone();
        java.security.SecureRandom random = new java.security.SecureRandom();
        return new JobClient(url, "/agent/jobs", (m, p, b) -> {
            byte[] n = new byte[16];
            random.nextBytes(n);
            return AgentSignature.header(k, host, m, p, System.currentTimeMillis() / 1000, java.util.HexFormat.of().formatHex(n), b);
        });
    }

    private JobClient(URI url, String prefix, Auth auth) {
        String b = url.toString();
        while (b.endsWith("/")) b = b.substring(0, b.length() - 1);
        this.base = b;
        this.prefix = prefix;
        this.auth = auth;
    }

    /** Long-polls for the next job; empty when the server had none within {@code wait} (204). */
    public Optional<JobSpec> next(Duration wait) throws IOException, InterruptedException {
        long s = Math.max(0, Math.min(30, wait.toSeconds()));
        HttpURLConnection c = open("GET", "/next?wait=" + s, new byte[0], (int) (s + 20) * 1000);
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
        return post("/" + id + "/output", JobCodec.encode(c), "send output " + c.seq() + " of job " + id);
    }

    /** Reports the end; 200 (acked is at least d.seq) or 409 (acked below d.seq: send the rest first). */
    public Ack done(long id, Done d) throws IOException, InterruptedException {
        return post("/" + id + "/done", JobCodec.encode(d), "report the end of job " + id);
    }

    private Ack post(String path, byte[] body, String what) throws IOException, InterruptedException {
        if (Thread.interrupted()) throw new InterruptedException();
        HttpURLConnection c = open("POST", path, body, SEND_MILLIS);
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

    private HttpURLConnection open(String method, String path, byte[] body, int readMillis) throws IOException {
        URI u = URI.create(base + prefix + path);
        HttpURLConnection c = (HttpURLConnection) u.toURL().openConnection();
        c.setRequestMethod(method);
        c.setConnectTimeout(CONNECT_MILLIS);
        c.setReadTimeout(readMillis);
        c.setInstanceFollowRedirects(false);
        c.setUseCaches(false);
        c.setRequestProperty("Authorization", auth.header(method, u.getRawPath() + (u.getRawQuery() == null ? "" : "?" + u.getRawQuery()), body));
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
