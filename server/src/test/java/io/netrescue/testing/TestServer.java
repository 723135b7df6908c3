package io.netrescue.testing;

import io.netrescue.secrets.ApiToken;
import io.netrescue.server.NetrescueServer;
import io.netrescue.server.ServerConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * A real server on 127.0.0.1 with a random port and a fresh data directory, for integration tests.
 * {@link #api} talks to it with the bearer token like the CLI does.
 */
public final class TestServer implements AutoCloseable {
    private final Path dir;
    private final ServerConfig config;
    private final Clock clock;
    private NetrescueServer server;
    private final String token;
    private final HttpClient http = HttpClient.newHttpClient();

    public record Reply(int status, String body) {}

    /** Asserts a 2xx answer (the body is the failure's description) and returns it. */
    public static Reply ok(Reply r) {
        org.assertj.core.api.Assertions.assertThat(r.status()).as(r.body()).isBetween(200, 299);
        return r;
    }

    private TestServer(Path dir, ServerConfig config, Clock clock, NetrescueServer server) throws IOException {
        this.dir = dir;
        this.config = config;
        this.clock = clock;
        this.server = server;
        this.token = Files.readString(dir.resolve("data").resolve(ApiToken.FILE)).strip();
    }

    public static TestServer start() {
        return start(List.of(), "local", Clock.systemUTC());
    }

    /** @param natSources boot.nat-sources (e.g. "127.0.0.1/32" for QEMU user networking, which NATs) */
    public static TestServer start(List<String> natSources, String unknownMachines, Clock clock) {
        return start(natSources, unknownMachines, clock, c -> c);
    }

    /** @param custom changes the test configuration (e.g. turns on TFTP or DHCP on high ports) */
    public static TestServer start(List<String> natSources, String unknownMachines, Clock clock,
                                   java.util.function.UnaryOperator<ServerConfig> custom) {
        Path dir;
        try {
            dir = Files.createTempDirectory("netrescue-test");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try {
            Files.createDirectories(dir.resolve("assets"));
            ServerConfig c = new ServerConfig(
                    new ServerConfig.Http("127.0.0.1:0", "", dir.resolve("assets").toString()),
                    new ServerConfig.Store(dir.resolve("data").toString()),
                    new ServerConfig.Boot(unknownMachines, null, natSources, null, null, "sync"),
                    null).withWatchdog(io.netrescue.watchdog.server.WatchdogSettings.defaults().withListen("127.0.0.1:0"));
            c = custom.apply(c);
            NetrescueServer s = new NetrescueServer(c, clock).start();
            return new TestServer(dir, c, clock, s);
        } catch (Exception e) {
            deleteTree(dir);
            throw new IllegalStateException("test server did not start", e);
        }
    }

    /** Stops the server and starts it again on the same data (a new port). */
    public void restart() {
        server.close();
        try {
            server = new NetrescueServer(config, clock).start();
        } catch (Exception e) {
            throw new IllegalStateException("test server did not restart", e);
        }
    }

    public URI url() {
        return server.url();
    }

    public NetrescueServer server() {
        return server;
    }

    public int port() {
        return server.url().getPort();
    }

    public String token() {
        return token;
    }

    public Path assets() {
        return dir.resolve("assets");
    }

    public Path dataDir() {
        return dir.resolve("data");
    }

    public Reply api(String method, String path, String json) {
        return request(method, "/api/v1/" + path, json, token);
    }

    public Reply request(String method, String path, String json, String bearer) {
        HttpRequest.Builder b = HttpRequest.newBuilder(url().resolve(path));
        if (bearer != null) b.header("Authorization", "Bearer " + bearer);
        if (json != null) b.header("Content-Type", "application/json");
        b.method(method, json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json));
        try {
            HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
            return new Reply(r.statusCode(), r.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public String get(String pathAndQuery) {
        return request("GET", pathAndQuery, null, null).body();
    }

    @Override
    public void close() {
        server.close();
        deleteTree(dir);
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // temp files: the OS cleans up eventually
        }
    }
}
