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
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An acknowledged change survives the server being killed with SIGKILL right after the
 * acknowledgement (no shutdown hook, no chance to flush): the ack came after the commit and sync.
 */
class DurabilityTest {
    @TempDir Path dir;
    final HttpClient http = HttpClient.newHttpClient();

    Process serve(int port) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of(java, "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                "io.netrescue.cli.Main", "serve", "--data", dir.resolve("data").toString(), "--listen", "127.0.0.1:" + port));
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve("serve-" + System.nanoTime() + ".log").toFile()).start();
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    HttpResponse<String> call(int port, String method, String path, String body, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/v1/" + path));
        if (token != null) b.header("Authorization", "Bearer " + token);
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    void awaitHealthy(int port, Process p) throws Exception {
        for (int i = 0; i < 300; i++) {
            assertThat(p.isAlive()).as("server exited early").isTrue();
            try {
                if (call(port, "GET", "health", null, null).statusCode() == 200) return;
            } catch (IOException notYet) {
                // not listening yet
            }
            Thread.sleep(100);
        }
        throw new AssertionError("server did not become healthy");
    }

    @Test
    void acknowledgedChangesSurviveSigkill() throws Exception {
        int port = freePort();
        Process p = serve(port);
        try {
            awaitHealthy(port, p);
            String token = Files.readString(dir.resolve("data/api-token")).strip();
            for (int i = 0; i < 20; i++) {
                var r = call(port, "POST", "hosts", "{\"name\":\"h" + i + "\",\"macs\":[\"02:00:00:00:00:" + String.format("%02x", i) + "\"]}", token);
                assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
            }
            assertThat(call(port, "POST", "profiles", "{\"name\":\"rescue\",\"kernel\":\"k\"}", token).statusCode()).isEqualTo(201);
            assertThat(call(port, "PUT", "hosts/h19/boot", "{\"mode\":\"rescue\"}", token).statusCode()).isEqualTo(200);
        } finally {
            p.destroyForcibly().waitFor(); // SIGKILL, immediately after the last acknowledgement
        }
        int port2 = freePort();
        Process q = serve(port2);
        try {
            awaitHealthy(port2, q);
            String token = Files.readString(dir.resolve("data/api-token")).strip();
            String hosts = call(port2, "GET", "hosts", null, token).body();
            for (int i = 0; i < 20; i++) assertThat(hosts).contains("\"name\":\"h" + i + "\"");
            assertThat(call(port2, "GET", "hosts/h19/boot", null, token).body()).contains("\"mode\":\"rescue\"");
            assertThat(call(port2, "GET", "events?host=h19", null, token).body()).contains("boot.mode");
        } finally {
            q.destroy();
            q.waitFor();
        }
    }
}
