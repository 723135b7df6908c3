package io.netrescue.http;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

/**
 * Every error Jetty answers by itself (no handler took the path: 404; a request it refuses before any
 * handler sees it: 400 for an ambiguous or NUL path, 414, 431; an exception a handler let through: 500)
 * is {@code {"error": "..."}} as {@code application/json}, like the API's own errors, never an HTML page.
 * A 5xx says no more than its status: its details are in the log, not for the client.
 */
public final class JsonErrorHandler extends ErrorHandler {
    private static final HttpField NO_STORE = new HttpField(HttpHeader.CACHE_CONTROL, "no-store");

    @Override
    public boolean errorPageForMethod(String method) {
        return true; // a DELETE to a wrong path gets the JSON too
    }

    @Override
    protected void generateResponse(Request request, Response response, int code, String message, Throwable cause, Callback callback) {
        byte[] body = body(code, message);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
        response.getHeaders().put(NO_STORE);
        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
        response.write(true, ByteBuffer.wrap(body), callback);
    }

    /** A request the HTTP parser refused (414, 431, a malformed request line): there is no request to hand to a handler. */
    @Override
    public ByteBuffer badMessageError(int status, String reason, HttpFields.Mutable fields) {
        fields.put(HttpHeader.CONTENT_TYPE, "application/json");
        fields.put(NO_STORE);
        return ByteBuffer.wrap(body(status, reason));
    }

    static byte[] body(int code, String message) {
        String text = code >= 500 || message == null || message.isBlank() ? phrase(code) : message;
        return ("{\"error\":\"" + escape(text) + "\"}\n").getBytes(StandardCharsets.UTF_8);
    }

    private static String phrase(int code) {
        String p = HttpStatus.getMessage(code);
        return p == null ? "HTTP error " + code : p.toLowerCase(Locale.ROOT);
    }

    private static String escape(String s) {
        StringBuilder b = new StringBuilder(s.length() + 8);
        for (int i = 0; i < s.length() && i < 500; i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                default -> {
                    if (c < 0x20 || c == 0x7f) b.append(String.format("\\u%04x", (int) c));
                    else b.append(c);
                }
            }
        }
        return b.toString();
    }
}
