package io.netrescue.boot.http;

import io.netrescue.boot.BootRequest;
import io.netrescue.http.Http;
import java.net.InetAddress;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Fields;

/**
 * The endpoints booting machines call: {@code /ipxe} (bootstrap), {@code /boot.ipxe} (this machine's
 * decision) and {@code /boot/report} (a booted system checks in with its per-boot token).
 * Scripts are always 200 with a valid script, even on errors (see {@link BootService}).
 */
public final class BootHandler extends Handler.Abstract {
    private static final String IPXE = "text/plain; charset=utf-8";
    private final BootService service;
    private final String publicUrl;

    public BootHandler(BootService service, String publicUrl) {
        this.service = service;
        this.publicUrl = publicUrl;
    }

    @Override
    public boolean handle(Request req, Response resp, Callback cb) {
        String path = Request.getPathInContext(req);
        String method = req.getMethod();
        boolean get = HttpMethod.GET.is(method) || HttpMethod.HEAD.is(method);
        switch (path) {
            case "/ipxe" -> {
                if (!get) return false;
                Http.send(resp, cb, 200, IPXE, service.bootstrap(Http.baseUrl(req, publicUrl)));
            }
            case "/boot.ipxe" -> {
                if (!get) return false;
                if (HttpMethod.HEAD.is(method)) {
                    // a decision is an act (it spends a once, records the boot): only a GET, which iPXE sends, makes one
                    resp.getHeaders().put(org.eclipse.jetty.http.HttpHeader.ALLOW, "GET");
                    Http.send(resp, cb, 405, "text/plain; charset=utf-8", "");
                    return true;
                }
                Fields q = parameters(req);
                InetAddress src = Http.remoteAddress(req);
                BootRequest.Parse br = BootRequest.parse(q.getValue("mac"), q.getValue("ip"), q.getValue("uuid"),
                        q.getValue("arch"), q.getValue("platform"), src);
                Http.send(resp, cb, 200, IPXE, service.decide(br, Http.baseUrl(req, publicUrl)));
            }
            case "/boot/report" -> {
                if (!HttpMethod.POST.is(method)) return false;
                Fields q = parameters(req);
                var host = service.report(q.getValue("token"), q.getValue("status"), Http.remoteAddress(req).getHostAddress());
                if (host.isPresent()) Http.send(resp, cb, 200, "text/plain; charset=utf-8", "recorded for " + host.get() + "\n");
                else Http.send(resp, cb, 403, "text/plain; charset=utf-8", "unknown or expired token\n");
            }
            default -> {
                return false;
            }
        }
        return true;
    }

    private static Fields parameters(Request req) {
        try {
            return Request.extractQueryParameters(req);
        } catch (RuntimeException e) {
            return new Fields(); // malformed encoding: every value absent, which the decider refuses
        }
    }
}
