package io.netrescue.rescue.server;

import io.netrescue.http.Http;
import io.netrescue.inventory.InvalidInputException;
import io.netrescue.inventory.IpAddresses;
import io.netrescue.rescue.RescueConflict;
import io.netrescue.rescue.SshPublicKey;
import java.nio.charset.StandardCharsets;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The rescue system's side, authenticated by its per-boot token in {@code Authorization: Bearer}
 * (a header, so the token stays out of URLs and logs): {@code GET /rescue/settings} (who may log
 * in: one {@code key value} line each, every value validated, so a shell reads them with
 * {@code read -r}), {@code POST /rescue/ready} (its SSH host keys, one per line), {@code GET
 * /rescue/alive} (asked every few seconds: a 403 makes the running system drop its credentials) and
 * {@code GET /rescue/agent.conf} (the agent's configuration with the host's key).
 */
public final class RescueHandler extends Handler.Abstract {
    private static final Logger log = LoggerFactory.getLogger(RescueHandler.class);
    private static final String TEXT = "text/plain; charset=us-ascii";
    private static final java.util.Set<String> PATHS = java.util.Set.of("/rescue/settings", "/rescue/ready", "/rescue/alive", "/rescue/agent.conf");
    /** Refused requests (bad tokens) heard per source and minute; beyond, 429 without a database read. */
    static final int REFUSALS_PER_MINUTE = 30;
    private final RescueService service;
    private final java.time.Clock clock;
    private final RefusalLimiter refusals;

    public RescueHandler(RescueService service) {
        this(service, java.time.Clock.systemUTC(), refusalLimiter());
    }

    /** @param refusals shared with the job channel's handler: a source's refusals count once, wherever they happen */
    public RescueHandler(RescueService service, java.time.Clock clock, RefusalLimiter refusals) {
        this.service = service;
        this.clock = clock;
        this.refusals = refusals;
    }

    /** The limit on refused requests of the rescue system's channels: {@link #REFUSALS_PER_MINUTE} per source. */
    public static RefusalLimiter refusalLimiter() {
        return new RefusalLimiter(REFUSALS_PER_MINUTE, java.time.Duration.ofMinutes(1));
    }

    @Override
    public boolean handle(Request req, Response resp, Callback cb) {
        String path = Request.getPathInContext(req);
        if (!PATHS.contains(path)) return false;
        boolean ready = path.equals("/rescue/ready");
        String method = req.getMethod();
        if (!(ready ? "POST".equals(method) : "GET".equals(method))) {
            resp.getHeaders().put(HttpHeader.ALLOW, ready ? "POST" : "GET");
            Http.send(resp, cb, 405, TEXT, "method not allowed\n");
            return true;
        }
        String from = IpAddresses.format(Http.remoteAddress(req));
        String token = Http.bearer(req);
        if (!refusals.allowed(from, clock.instant())) {
            Http.send(resp, cb, 429, TEXT, "too many refused requests from " + from + "; try again in a minute\n");
            return true;
        }
        try {
            if (token == null || token.isEmpty()) throw new RescueTokenRefused("no per-boot token (Authorization: Bearer TOKEN)");
            if (path.equals("/rescue/settings")) {
                Http.send(resp, cb, 200, TEXT, text(service.settings(token, from)));
            } else if (path.equals("/rescue/alive")) {
                var a = service.alive(token);
                Http.send(resp, cb, 200, TEXT, "live: activation " + a.id() + " until " + a.expiresAt() + "\n");
            } else if (path.equals("/rescue/agent.conf")) {
                Http.send(resp, cb, 200, TEXT, service.agentConfig(token));
            } else {
                if (req.getLength() > io.netrescue.rescue.HostKeyReport.MAX_BYTES) throw new InvalidInputException("the report is longer than " + io.netrescue.rescue.HostKeyReport.MAX_BYTES + " bytes");
                // bounded read: a chunked body has no length to check first
                byte[] raw = Content.Source.asInputStream(req).readNBytes(io.netrescue.rescue.HostKeyReport.MAX_BYTES + 1);
                if (raw.length > io.netrescue.rescue.HostKeyReport.MAX_BYTES) throw new InvalidInputException("the report is longer than " + io.netrescue.rescue.HostKeyReport.MAX_BYTES + " bytes");
                String body = new String(raw, StandardCharsets.US_ASCII);
                var r = service.ready(token, body, from);
                Http.send(resp, cb, 200, TEXT, "ready: activation " + r.id() + " of " + r.host() + "\n");
            }
        } catch (RescueTokenRefused e) {
            boolean last = refusals.refused(from, clock.instant());
            log.atWarn().addKeyValue("path", path).addKeyValue("source", from).addKeyValue("reason", e.getMessage())
                    .log(last ? "rescue request refused; further refusals from this source get 429 for the rest of the minute" : "rescue request refused");
            Http.send(resp, cb, 403, TEXT, e.getMessage() + "\n");
        } catch (java.io.IOException e) {
            // the client went away mid-upload: its problem, not the server's (no stack trace to fill the log)
            log.atDebug().addKeyValue("path", path).addKeyValue("source", from).addKeyValue("reason", e.toString()).log("rescue request aborted");
            Http.send(resp, cb, 400, TEXT, "the request body could not be read\n");
        } catch (InvalidInputException e) {
            Http.send(resp, cb, 400, TEXT, e.getMessage() + "\n");
        } catch (RescueConflict e) {
            Http.send(resp, cb, 409, TEXT, e.getMessage() + "\n");
        } catch (Exception e) {
            log.atError().setCause(e).addKeyValue("path", path).log("rescue request failed");
            Http.send(resp, cb, 500, TEXT, "internal error\n");
        }
        return true;
    }

    static String text(RescueService.Settings s) {
        StringBuilder b = new StringBuilder();
        b.append("host ").append(s.host()).append('\n');
        b.append("activation ").append(s.activation()).append('\n');
        b.append("expires ").append(s.expiresAt()).append('\n');
        s.passwordHash().ifPresent(h -> b.append("password-hash ").append(h).append('\n'));
        s.heartbeatPort().ifPresent(p -> b.append("heartbeat-port ").append(p).append('\n'));
        for (SshPublicKey k : s.sshKeys()) b.append("ssh-key ").append(k.line()).append('\n');
        return b.toString();
    }
}
