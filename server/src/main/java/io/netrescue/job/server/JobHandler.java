package io.netrescue.job.server;

import io.netrescue.http.Http;
import io.netrescue.inventory.InvalidInputException;
import io.netrescue.inventory.IpAddresses;
import io.netrescue.job.Ack;
import io.netrescue.job.JobCodec;
import io.netrescue.job.JobSpec;
import io.netrescue.rescue.RescueConflict;
import io.netrescue.rescue.server.RefusalLimiter;
import io.netrescue.rescue.server.RescueTokenRefused;
import io.netrescue.store.NotFoundException;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's side of the job channel ({@code docs/protocols/jobs.md}): {@code GET /rescue/jobs/next},
 * {@code POST /rescue/jobs/ID/output}, {@code POST /rescue/jobs/ID/done}, authenticated by the rescue
 * system's per-boot token as {@code Authorization: Bearer}; the same under {@code /agent/jobs/} for an
 * installed system's agent, each request signed with the host's agent key ({@link AgentAuth}). Bodies go through {@link JobCodec}; this
 * class only moves bytes and maps refusals to status codes.
 */
public final class JobHandler extends Handler.Abstract {
    private static final Logger log = LoggerFactory.getLogger(JobHandler.class);
    private static final String TEXT = "text/plain; charset=us-ascii";
    private static final Pattern PATH = Pattern.compile("/(rescue|agent)/jobs/(?:(next)|([1-9][0-9]{0,17})/(output|done))");
    /** The largest body: a full chunk and its header lines. */
    private static final int MAX_BODY = JobCodec.MAX_CHUNK + 256;
    private static final Duration MAX_WAIT = Duration.ofSeconds(30);
    private final JobService jobs;
    private final Clock clock;
    private final RefusalLimiter refusals;
    private final AgentAuth agents;

    /**
     * @param refusals the rescue channel's limiter ({@code RescueHandler.refusalLimiter()}), shared
     * @param agents   checks installed hosts' signed requests ({@code /agent/jobs/*})
     */
    public JobHandler(JobService jobs, Clock clock, RefusalLimiter refusals, AgentAuth agents) {
        this.jobs = jobs;
        this.clock = clock;
        this.refusals = refusals;
        this.agents = agents;
    }

    @Override
    public boolean handle(Request req, Response resp, Callback cb) throws Exception {
        String path = Request.getPathInContext(req);
        if (!path.startsWith("/rescue/jobs/") && !path.startsWith("/agent/jobs/")) return false;
        Matcher m = PATH.matcher(path);
        if (!m.matches()) {
            Http.send(resp, cb, 404, TEXT, "no such job path\n");
            return true;
        }
        boolean installed = m.group(1).equals("agent");
        boolean next = m.group(2) != null;
        String method = req.getMethod();
        if (!(next ? "GET" : "POST").equals(method)) {
            resp.getHeaders().put(HttpHeader.ALLOW, next ? "GET" : "POST");
            Http.send(resp, cb, 405, TEXT, "method not allowed\n");
            return true;
        }
        String from = IpAddresses.format(Http.remoteAddress(req));
        if (!refusals.allowed(from, clock.instant())) {
            Http.send(resp, cb, 429, TEXT, "too many refused requests from " + from + "; try again in a minute\n");
            return true;
        }
        try {
            byte[] body = next ? new byte[0] : body(req);
            JobService.Runner runner;
            if (installed) {
                String pq = path + (req.getHttpURI().getQuery() == null ? "" : "?" + req.getHttpURI().getQuery());
                runner = agents.check(req.getHeaders().get(HttpHeader.AUTHORIZATION), method, pq, body);
            } else {
                String token = io.netrescue.http.Http.bearer(req);
                if (token == null || token.isEmpty()) throw new RescueTokenRefused("no per-boot token (Authorization: Bearer TOKEN)");
                runner = jobs.rescueRunner(token);
            }
            if (next) {
                Duration wait = wait(Request.extractQueryParameters(req).getValue("wait"));
                Optional<JobSpec> spec = jobs.next(runner, wait);
                if (spec.isEmpty()) {
                    resp.setStatus(204);
                    resp.write(true, ByteBuffer.allocate(0), cb);
                } else {
                    send(resp, cb, 200, JobCodec.encode(spec.get()));
                }
                return true;
            }
            long id = Long.parseLong(m.group(3));
            Ack ack = m.group(4).equals("output") ? jobs.output(runner, id, JobCodec.decodeChunk(body)) : jobs.done(runner, id, JobCodec.decodeDone(body));
            send(resp, cb, 200, JobCodec.encode(ack));
        } catch (JobService.OutOfOrder e) {
            send(resp, cb, 409, JobCodec.encode(e.ack()));
        } catch (RescueTokenRefused e) {
            boolean last = refusals.refused(from, clock.instant());
            log.atWarn().addKeyValue("path", path).addKeyValue("source", from).addKeyValue("reason", e.getMessage())
                    .log(last ? "job request refused; further refusals from this source get 429 for the rest of the minute" : "job request refused");
            Http.send(resp, cb, 403, TEXT, e.getMessage() + "\n");
        } catch (BodyTooLarge e) {
            Http.send(resp, cb, 413, TEXT, e.getMessage() + "\n");
        } catch (InvalidInputException e) {
            Http.send(resp, cb, 400, TEXT, e.getMessage() + "\n");
        } catch (NotFoundException e) {
            Http.send(resp, cb, 404, TEXT, e.getMessage() + "\n");
        } catch (RescueConflict e) {
            Http.send(resp, cb, 409, TEXT, e.getMessage() + "\n");
        } catch (java.io.IOException e) {
            log.atDebug().addKeyValue("path", path).addKeyValue("source", from).addKeyValue("reason", e.toString()).log("job request aborted");
            Http.send(resp, cb, 400, TEXT, "the request body could not be read\n");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            Http.send(resp, cb, 503, TEXT, "shutting down\n");
        } catch (Exception e) {
            log.atError().setCause(e).addKeyValue("path", path).log("job request failed");
            Http.send(resp, cb, 500, TEXT, "internal error\n");
        }
        return true;
    }

    private static final class BodyTooLarge extends RuntimeException {
        BodyTooLarge() {
            super("the body is larger than " + MAX_BODY + " bytes");
        }
    }

    private static byte[] body(Request req) throws java.io.IOException {
        if (req.getLength() > MAX_BODY) throw new BodyTooLarge();
        byte[] raw = Content.Source.asInputStream(req).readNBytes(MAX_BODY + 1); // bounded: a chunked body has no length to check first
        if (raw.length > MAX_BODY) throw new BodyTooLarge();
        return raw;
    }

    static Duration wait(String value) {
        if (value == null || value.isEmpty()) return Duration.ZERO;
        if (!value.matches("[0-9]{1,3}")) throw new InvalidInputException("wait is whole seconds, 0 to " + MAX_WAIT.toSeconds());
        return Duration.ofSeconds(Math.min(Integer.parseInt(value), MAX_WAIT.toSeconds()));
    }

    private static void send(Response resp, Callback cb, int status, byte[] body) {
        resp.setStatus(status);
        resp.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/octet-stream");
        resp.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
        resp.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
        resp.write(true, ByteBuffer.wrap(body), cb);
    }
}
