package io.netrescue.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** {@code netrescue serve} as its own process on a data directory, as an operator runs it, to be killed for real. */
public final class ServerProcess implements AutoCloseable {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    final Process process;
    public final int port;
    final Path data;

    private ServerProcess(Process process, int port, Path data) {
        this.process = process;
        this.port = port;
        this.data = data;
    }

    /** Starts the server on {@code data} (logs beside it in {@code logs}) and waits until it answers. */
    public static ServerProcess start(Path logs, Path data) throws Exception {
        return start(logs, data, freePort());
    }

    /** The same on a given port (a restart where clients, such as an agent, know the old address). */
    public static ServerProcess start(Path logs, Path data, int port) throws Exception {
        return start(logs, data, port, List.of());
    }

    /** The same with at most {@code fds} file descriptors (soft and hard limit), as a service given {@code LimitNOFILE}. */
    public static ServerProcess startWithFdLimit(Path logs, Path data, int fds) throws Exception {
        return start(logs, data, freePort(), List.of("prlimit", "--nofile=" + fds + ":" + fds, "--"));
    }

    private static ServerProcess start(Path logs, Path data, int port, List<String> wrapper) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(wrapper);
        cmd.addAll(List.of(java, "-XX:+UseSerialGC", "--enable-native-access=ALL-UNNAMED", "-cp",
                System.getProperty("java.class.path"), "io.netrescue.cli.Main", "serve", "--data", data.toString(),
                "--listen", "127.0.0.1:" + port,
                "--heartbeats", "")); // no UDP port of its own: tests (and other engineers' servers) run side by side
        Files.createDirectories(logs);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(logs.resolve("serve-" + System.nanoTime() + ".log").toFile()).start();
        ServerProcess s = new ServerProcess(p, port, data);
        s.awaitHealthy();
        return s;
    }

    public static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    public String token() throws IOException {
        return Files.readString(data.resolve("api-token")).strip();
    }

    public HttpResponse<String> call(String method, String path, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/v1/" + path)).timeout(Duration.ofSeconds(30));
        if (!path.equals("health")) b.header("Authorization", "Bearer " + token());
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private void awaitHealthy() throws Exception {
        for (int i = 0; i < 600; i++) {
            assertThat(process.isAlive()).as("server exited early").isTrue();
            try {
                if (call("GET", "health", null).statusCode() == 200) return;
            } catch (IOException notYet) {
                // not listening yet
            }
            Thread.sleep(100);
        }
        throw new AssertionError("server did not become healthy");
    }

    /** SIGKILL: no shutdown hook, no flush. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        int code = process.waitFor();
        assertThat(code).as("killed by SIGKILL").isEqualTo(137);
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            process.destroy();
            process.waitFor();
        }
    }

    /**
     * The red team's check (add-then-kill.py): per cycle, add a host, SIGKILL the server right after
     * the 201, restart it, and find every host ever acknowledged.
     */
    static void killCycles(Path logs, Path data, int cycles) throws Exception {
        List<String> acked = new ArrayList<>();
        for (int i = 0; i < cycles; i++) {
            ServerProcess s = start(logs, data);
            try {
                String name = "k" + i + "-" + System.nanoTime() % 100_000;
                var r = s.call("POST", "hosts", "{\"name\":\"" + name + "\",\"macs\":[\"02:cc:00:00:" + String.format("%02x:%02x", i, (int) (System.nanoTime() & 0xff)) + "\"]}");
                assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
                acked.add(name);
            } finally {
                s.kill();
            }
            try (ServerProcess t = start(logs, data)) {
                String hosts = t.call("GET", "hosts", null).body();
                for (String a : acked) assertThat(hosts).as("host %s acknowledged before a SIGKILL", a).contains("\"name\":\"" + a + "\"");
            }
        }
    }
}
