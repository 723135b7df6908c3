package io.netrescue.http;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/** Small helpers shared by our Jetty handlers. */
public final class Http {
    private static final Pattern HOST_HEADER = Pattern.compile("[A-Za-z0-9.:\\[\\]-]{1,255}");

    private Http() {}

    /** The token of {@code Authorization: Bearer TOKEN} (the scheme is case-insensitive, RFC 9110 11.1), or null. */
    public static String bearer(Request req) {
        String auth = req.getHeaders().get(org.eclipse.jetty.http.HttpHeader.AUTHORIZATION);
        return auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7) ? auth.substring(7).strip() : null;
    }

    public static InetAddress remoteAddress(Request r) {
        SocketAddress a = r.getConnectionMetaData().getRemoteSocketAddress();
        return ((InetSocketAddress) a).getAddress();
    }

    /**
     * The URL machines use to reach us: the configured public URL, else the scheme and Host header of
     * this request (iPXE sends the host it connected to). A Host header with odd characters is not
     * trusted; the local address of the connection is used instead.
     */
    public static String baseUrl(Request r, String configured) {
        if (!configured.isEmpty()) return configured.endsWith("/") ? configured.substring(0, configured.length() - 1) : configured;
        String scheme = r.getHttpURI().getScheme() == null ? "http" : r.getHttpURI().getScheme();
        String host = r.getHeaders().get(HttpHeader.HOST);
        if (host == null || !HOST_HEADER.matcher(host).matches()) {
            InetSocketAddress local = (InetSocketAddress) r.getConnectionMetaData().getLocalSocketAddress();
            String h = local.getAddress().getHostAddress();
            host = (h.contains(":") ? "[" + h + "]" : h) + ":" + local.getPort();
        }
        return scheme + "://" + host;
    }

    public static void send(Response resp, Callback cb, int status, String contentType, String body) {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        resp.setStatus(status);
        resp.getHeaders().put(HttpHeader.CONTENT_TYPE, contentType);
        resp.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
        resp.getHeaders().put(HttpHeader.CONTENT_LENGTH, b.length);
        resp.write(true, ByteBuffer.wrap(b), cb);
    }
}
