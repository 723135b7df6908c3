package io.netrescue.power.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import io.netrescue.inventory.InvalidInputException;
import java.io.FileInputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** HandsOnRequester against the JDK's own HTTP(S) server on loopback; signatures checked with openssl. */
class HandsOnRequesterTest {
    private static final String SECRET = "webhook-signing-key-1";
    private static final HandsOnRequest REQUEST = new HandsOnRequest("node1", "dead", "no heartbeat for 10m after power cycle",
            List.of("sysrq b via agent: no answer", "ipmi 10.0.0.5:623 cycle: accepted, host still silent"),
            List.of("12:00:01 watchdog.dead", "12:03:10 power.cycle"), List.of("Kernel panic - not syncing: VFS", "---[ end Kernel panic"),
            Instant.parse("2025-01-02T03:04:05Z"));

    @TempDir
    Path dir;
    private HttpServer server;
    private final List<Received> received = new CopyOnWriteArrayList<>();
    private final Deque<Integer> statuses = new ArrayDeque<>();
    private volatile long delayMs;

    record Received(String method, String path, Map<String, String> headers, byte[] body) {}

    @AfterEach
    void stop() {
        if (server != null) server.stop(0);
    }

    private String start(HttpServer s) {
        server = s;
        s.createContext("/", this::handle);
        s.start();
        return (s instanceof HttpsServer ? "https" : "http") + "://127.0.0.1:" + s.getAddress().getPort();
    }

    private void handle(HttpExchange ex) throws java.io.IOException {
        Map<String, String> h = new HashMap<>();
        ex.getRequestHeaders().forEach((k, v) -> h.put(k.toLowerCase(java.util.Locale.ROOT), v.getFirst()));
        received.add(new Received(ex.getRequestMethod(), ex.getRequestURI().toString(), h, ex.getRequestBody().readAllBytes()));
        try {
            Thread.sleep(delayMs);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        int status;
        synchronized (statuses) {
            status = statuses.isEmpty() ? 201 : statuses.poll();
        }
        byte[] answer = (status == 400 ? "payload rejected: missing field\nmore" : "ok").getBytes(StandardCharsets.UTF_8);
        ex.sendResponseHeaders(status, answer.length);
        ex.getResponseBody().write(answer);
        ex.close();
    }

    private static HandsOnRequester requester(String url, Map<String, String> extra, Optional<String> secret, Duration timeout) {
        Map<String, String> m = new HashMap<>(Map.of("url", url));
        m.putAll(extra);
        return HandsOnRequester.from(new PowerSettings("node1", "hands-on", m, secret, timeout));
    }

    @Test
    void postsSignedJsonWithAnIdempotencyKey() throws Exception {
        String base = start(HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0));
        HandsOnRequester r = requester(base + "/hooks/T0K3N?x=1", Map.of(), Optional.of(SECRET), Duration.ofSeconds(5));
        assertThat(r.describe()).isEqualTo("webhook " + base).doesNotContain("T0K3N");
        String detail = r.request(REQUEST);
        assertThat(received).hasSize(1);
        Received got = received.getFirst();
        String key = got.headers().get("idempotency-key");
        assertThat(detail).isEqualTo("hands-on request " + key + " accepted by webhook " + base + " (HTTP 201)");
        assertThat(got.method()).isEqualTo("POST");
        assertThat(got.path()).isEqualTo("/hooks/T0K3N?x=1");
        assertThat(got.headers()).containsEntry("content-type", "application/json");
        assertThat(key).matches("[0-9a-f]{8}-[0-9a-f]{4}-3[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}");

        JsonNode json = JsonMapper.builder().build().readTree(got.body());
        assertThat(json.get("id").asString()).isEqualTo(key);
        assertThat(json.get("host").asString()).isEqualTo("node1");
        assertThat(json.get("state").asString()).isEqualTo("dead");
        assertThat(json.get("reason").asString()).isEqualTo("no heartbeat for 10m after power cycle");
        assertThat(json.get("stepsTried").get(1).asString()).isEqualTo("ipmi 10.0.0.5:623 cycle: accepted, host still silent");
        assertThat(json.get("recentEvents").size()).isEqualTo(2);
        assertThat(json.get("consoleTail").get(0).asString()).isEqualTo("Kernel panic - not syncing: VFS");
        assertThat(json.get("at").asString()).isEqualTo("2025-01-02T03:04:05Z");

        assertThat(got.headers().get("x-netrescue-signature")).isEqualTo("sha256=" + opensslHmac(SECRET, got.body()));
        assertThat(new String(got.body(), StandardCharsets.UTF_8)).doesNotContain(SECRET);

        // without a secret: no signature header at all
        requester(base + "/h", Map.of(), Optional.empty(), Duration.ofSeconds(5)).request(REQUEST);
        assertThat(received.get(1).headers()).doesNotContainKey("x-netrescue-signature");
    }

    @Test
    void a500IsRetryableAndTheRetryCarriesTheSameKeyAndBody() throws Exception {
        String base = start(HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0));
        statuses.add(500);
        statuses.add(200);
        HandsOnRequester r = requester(base + "/t", Map.of(), Optional.of(SECRET), Duration.ofSeconds(5));
        PowerException first = catchThrowableOfType(PowerException.class, () -> r.request(REQUEST));
        assertThat(first.retryable()).isTrue();
        assertThat(first.getMessage()).isEqualTo("webhook " + base + ": hands-on request for node1 failed: HTTP 500: ok");
        assertThat(r.request(REQUEST)).endsWith("(HTTP 200)");
        assertThat(received).hasSize(2);
        assertThat(received.get(1).headers().get("idempotency-key")).isEqualTo(received.get(0).headers().get("idempotency-key"));
        assertThat(received.get(1).body()).isEqualTo(received.get(0).body());
        // another incident of the same host is another ticket
        HandsOnRequest later = new HandsOnRequest("node1", "dead", "again", List.of(), List.of(), List.of(), REQUEST.at().plusSeconds(3600));
        assertThat(HandsOnRequester.idempotencyKey(later)).isNotEqualTo(received.get(0).headers().get("idempotency-key"));
    }

    @Test
    void a4xxIsNotRetryableAndSaysWhatTheReceiverSaid() throws Exception {
        String base = start(HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0));
        statuses.add(400);
        PowerException e = catchThrowableOfType(PowerException.class,
                () -> requester(base + "/t", Map.of(), Optional.of(SECRET), Duration.ofSeconds(5)).request(REQUEST));
        assertThat(e.retryable()).isFalse();
        assertThat(e.getMessage()).isEqualTo("webhook " + base + ": hands-on request for node1 failed: HTTP 400: payload rejected: missing field")
                .doesNotContain(SECRET);
        statuses.add(429);
        assertThat(catchThrowableOfType(PowerException.class,
                () -> requester(base + "/t", Map.of(), Optional.empty(), Duration.ofSeconds(5)).request(REQUEST)).retryable()).isTrue();
    }

    @Test
    void aSlowOrAbsentReceiverIsRetryable() throws Exception {
        String base = start(HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0));
        delayMs = 1200;
        long t0 = System.nanoTime();
        PowerException slow = catchThrowableOfType(PowerException.class,
                () -> requester(base + "/t", Map.of(), Optional.empty(), Duration.ofMillis(500)).request(REQUEST));
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofMillis(1500));
        assertThat(slow.retryable()).isTrue();
        assertThat(slow.getMessage()).endsWith("failed: no answer within 500 ms");

        int dead;
        try (var probe = new java.net.ServerSocket(0)) {
            dead = probe.getLocalPort();
        }
        int port = dead;
        PowerException refused = catchThrowableOfType(PowerException.class,
                () -> requester("http://127.0.0.1:" + port + "/t", Map.of(), Optional.empty(), Duration.ofSeconds(2)).request(REQUEST));
        assertThat(refused.retryable()).isTrue();
        assertThat(refused.getMessage()).startsWith("webhook http://127.0.0.1:" + port + ": hands-on request for node1 failed: cannot connect");
    }

    @Test
    void tlsIsVerifiedLikeCurl() throws Exception {
        Assumptions.assumeTrue(IpmiSim.onPath("keytool"), "keytool (JDK) on PATH makes the test certificate");
        Path ks = dir.resolve("server.p12");
        Path pem = dir.resolve("ca.pem");
        run("keytool", "-genkeypair", "-alias", "srv", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=127.0.0.1",
                "-ext", "san=ip:127.0.0.1", "-validity", "2", "-keystore", ks.toString(), "-storetype", "PKCS12", "-storepass", "changeit");
        run("keytool", "-exportcert", "-rfc", "-alias", "srv", "-keystore", ks.toString(), "-storepass", "changeit", "-file", pem.toString());
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (var in = new FileInputStream(ks.toFile())) {
            store.load(in, "changeit".toCharArray());
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(store, "changeit".toCharArray());
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(kmf.getKeyManagers(), null, null);
        HttpsServer https = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        https.setHttpsConfigurator(new HttpsConfigurator(ctx));
        String base = start(https);

        assertThat(requester(base + "/t", Map.of("verify", pem.toString()), Optional.empty(), Duration.ofSeconds(5)).request(REQUEST)).endsWith("(HTTP 201)");
        assertThat(requester(base + "/t", Map.of("verify", "false"), Optional.empty(), Duration.ofSeconds(5)).request(REQUEST)).endsWith("(HTTP 201)");
        PowerException untrusted = catchThrowableOfType(PowerException.class,
                () -> requester(base + "/t", Map.of(), Optional.empty(), Duration.ofSeconds(5)).request(REQUEST));
        assertThat(untrusted.retryable()).isFalse();
        assertThat(untrusted.getMessage()).contains("TLS handshake failed (setting 'verify')");
        // the CA file pins the certificate, but the name must still match: "localhost" is not in its SAN
        PowerException wrongName = catchThrowableOfType(PowerException.class, () -> requester(base.replace("127.0.0.1", "localhost") + "/t",
                Map.of("verify", pem.toString()), Optional.empty(), Duration.ofSeconds(5)).request(REQUEST));
        assertThat(wrongName.retryable()).isFalse();
        assertThat(received).hasSize(2);
    }

    @Test
    void settingsAreValidatedWithTheirNames() throws Exception {
        refused(Map.of(), "hands-on power for node1: missing setting 'url'");
        refused(Map.of("url", "ftp://example.com/x"), "'url' must be an http:// or https:// URL with a host");
        refused(Map.of("url", "https://user:pw@example.com/x"), "'url' must not carry a user or password");
        refused(Map.of("url", "https://example.com/ x"), "'url' is not a URL");
        refused(Map.of("url", "https://example.com/", "verify", dir.resolve("none.pem").toString()), "'verify' must be true, false or the path of a PEM CA file");
        Path empty = Files.writeString(dir.resolve("empty.pem"), "");
        refused(Map.of("url", "https://example.com/", "verify", empty.toString()), "'verify': no certificate in");
        refused(Map.of("url", "https://example.com/", "insecure", "1"), "unknown setting 'insecure'");
        assertThat(requester("https://hooks.example.com/services/SECRET", Map.of(), Optional.empty(), Duration.ofSeconds(1)).describe())
                .isEqualTo("webhook https://hooks.example.com");
    }

    private static void refused(Map<String, String> m, String message) {
        assertThatThrownBy(() -> HandsOnRequester.from(new PowerSettings("node1", "hands-on", m, Optional.empty(), Duration.ofSeconds(1))))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining(message);
    }

    /** The signature as an independent implementation computes it. */
    private String opensslHmac(String key, byte[] body) throws Exception {
        Assumptions.assumeTrue(IpmiSim.onPath("openssl"), "openssl checks the signature independently");
        Path f = Files.write(dir.resolve("body.json"), body);
        Process p = new ProcessBuilder("openssl", "dgst", "-sha256", "-hmac", key, "-r", f.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
        return out.split(" ")[0].strip();
    }

    private static void run(String... argv) throws Exception {
        Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(out).isZero();
    }
}
