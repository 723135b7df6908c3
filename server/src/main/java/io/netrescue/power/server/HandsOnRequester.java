package io.netrescue.power.server;

import io.netrescue.http.TlsVerify;
import io.netrescue.inventory.InvalidInputException;
import io.netrescue.inventory.Printable;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import javax.net.ssl.SSLHandshakeException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.json.JsonMapper;

/**
 * Asks a person to go to the rack: POSTs a {@link HandsOnRequest} as JSON to a webhook (a ticket system,
 * chat, an on-call pager). Signed with HMAC-SHA256 over the body when a secret is set (header
 * {@code X-Netrescue-Signature: sha256=HEX}, as GitHub's X-Hub-Signature-256), and with an
 * {@code Idempotency-Key} derived from host and time so a retried request can be recognised and does not
 * open a second ticket. One attempt per call; see docs/power/hands-on.md.
 */
public final class HandsOnRequester {
    private static final Logger log = LoggerFactory.getLogger(HandsOnRequester.class);
    static final Set<String> SETTINGS = Set.of("url", "verify");
    static final String SIGNATURE_HEADER = "X-Netrescue-Signature";
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final URI url;
    private final HttpClient client;
    private final Optional<String> secret;
    private final Duration timeout;

    private HandsOnRequester(URI url, HttpClient client, Optional<String> secret, Duration timeout) {
        this.url = url;
        this.client = client;
        this.secret = secret;
        this.timeout = timeout;
    }

    public static HandsOnRequester from(PowerSettings s) {
        s.onlyKnown(SETTINGS);
        String prefix = "hands-on request for " + s.host() + ": ";
        String raw = s.required("url");
        URI url;
        try {
            url = new URI(raw);
        } catch (URISyntaxException e) {
            throw new InvalidInputException(prefix + "'url' is not a URL");
        }
        // the URL itself may carry a token (chat webhooks do), so error messages name only scheme, host and port
        if (!"http".equalsIgnoreCase(url.getScheme()) && !"https".equalsIgnoreCase(url.getScheme()) || url.getHost() == null) {
            throw new InvalidInputException(prefix + "'url' must be an http:// or https:// URL with a host");
        }
        if (url.getRawUserInfo() != null) {
            throw new InvalidInputException(prefix + "'url' must not carry a user or password; sign requests with the secret instead");
        }
        TlsVerify tls = TlsVerify.parse(s.optional("verify", "true"), prefix);
        HttpClient.Builder b = HttpClient.newBuilder().connectTimeout(s.timeout())
                .followRedirects(HttpClient.Redirect.NEVER).version(HttpClient.Version.HTTP_1_1);
        tls.context().ifPresent(b::sslContext);
        return new HandsOnRequester(url, b.build(), s.secret().filter(x -> !x.isEmpty()), s.timeout());
    }

    /** Where requests go, without path or query (they may hold a token). */
    public String describe() {
        return "webhook " + url.getScheme() + "://" + url.getHost() + (url.getPort() < 0 ? "" : ":" + url.getPort());
    }

    /** Sends one request; the same {@code r} sent again carries the same body and Idempotency-Key. */
    public String request(HandsOnRequest r) throws PowerException {
        String key = idempotencyKey(r);
        byte[] body = body(r, key);
        HttpRequest.Builder b = HttpRequest.newBuilder(url).timeout(timeout)
                .header("Content-Type", "application/json")
                .header("User-Agent", "netrescue")
                .header("Idempotency-Key", key)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        secret.ifPresent(x -> b.header(SIGNATURE_HEADER, "sha256=" + sign(x, body)));
        HttpResponse<InputStream> resp;
        try {
            resp = client.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
        } catch (HttpTimeoutException e) {
            throw fail(r, key, "no answer within " + timeout.toMillis() + " ms", true);
        } catch (SSLHandshakeException e) {
            // a certificate that does not verify will not start verifying on the next attempt
            throw fail(r, key, "TLS handshake failed (setting 'verify'): " + Printable.clip(e.getMessage()), false);
        } catch (ConnectException e) {
            throw fail(r, key, "cannot connect: " + Printable.clip(String.valueOf(e.getMessage())), true);
        } catch (IOException e) {
            throw fail(r, key, "request failed: " + Printable.clip(String.valueOf(e.getMessage())), true);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw fail(r, key, "interrupted", false);
        }
        int status = resp.statusCode();
        String answer = firstLine(resp.body());
        log.atInfo().addKeyValue("host", r.host()).addKeyValue("webhook", describe()).addKeyValue("status", status)
                .addKeyValue("idempotencyKey", key).log("hands-on request");
        if (status >= 200 && status < 300) {
            return "hands-on request " + key + " accepted by " + describe() + " (HTTP " + status + ")";
        }
        // 408 and 429 are the receiver saying "not now"; other 4xx mean the request itself is wrong
        boolean retryable = status >= 500 || status == 408 || status == 429;
        throw fail(r, key, "HTTP " + status + (answer.isEmpty() ? "" : ": " + answer), retryable);
    }

    private PowerException fail(HandsOnRequest r, String key, String why, boolean retryable) {
        log.atWarn().addKeyValue("host", r.host()).addKeyValue("webhook", describe()).addKeyValue("idempotencyKey", key)
                .addKeyValue("retryable", retryable).log("hands-on request failed: " + why);
        return new PowerException(describe() + ": hands-on request for " + r.host() + " failed: " + why, retryable);
    }

    /** Same host and same moment: the same incident, so the same key however often it is sent. */
    static String idempotencyKey(HandsOnRequest r) {
        return UUID.nameUUIDFromBytes(("netrescue hands-on\n" + r.host() + "\n" + r.at()).getBytes(StandardCharsets.UTF_8)).toString();
    }

    static byte[] body(HandsOnRequest r, String key) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", key);
        m.put("host", r.host());
        m.put("state", r.state());
        m.put("reason", r.reason());
        m.put("stepsTried", r.stepsTried());
        m.put("recentEvents", r.recentEvents());
        m.put("consoleTail", r.consoleTail());
        m.put("at", r.at().toString());
        return JSON.writeValueAsBytes(m);
    }

    static String sign(String secret, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return HexFormat.of().formatHex(mac.doFinal(body));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
        }
    }

    private static String firstLine(InputStream in) {
        try (in) {
            String s = new String(in.readNBytes(512), StandardCharsets.UTF_8);
            return Printable.clip(s.lines().map(String::strip).filter(l -> !l.isEmpty()).findFirst().orElse(""));
        } catch (IOException e) {
            return "";
        }
    }
}
