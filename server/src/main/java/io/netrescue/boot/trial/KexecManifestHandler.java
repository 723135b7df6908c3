package io.netrescue.boot.trial;

import io.netrescue.http.Http;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Fields;

/** {@code GET /kexec/manifest?token=T}: the manifest of a kexec trial, for the host's agent. */
public final class KexecManifestHandler extends Handler.Abstract {
    private final KexecManifests manifests;

    public KexecManifestHandler(KexecManifests manifests) {
        this.manifests = manifests;
    }

    @Override
    public boolean handle(Request req, Response resp, Callback cb) {
        if (!Request.getPathInContext(req).equals(KexecManifests.PATH) || !HttpMethod.GET.is(req.getMethod())) return false;
        String token;
        try {
            Fields q = Request.extractQueryParameters(req);
            token = q.getValue("token");
        } catch (RuntimeException e) {
            token = null;
        }
        var m = manifests.serve(token);
        if (m.isPresent()) Http.send(resp, cb, 200, "text/plain; charset=us-ascii", new String(m.get(), java.nio.charset.StandardCharsets.US_ASCII));
        else Http.send(resp, cb, 404, "text/plain; charset=utf-8", "no kexec manifest for this token (unknown, or its trial is over)\n");
        return true;
    }
}
