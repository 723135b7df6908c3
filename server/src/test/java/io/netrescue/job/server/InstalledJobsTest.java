package io.netrescue.job.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.netrescue.agent.AgentConfig;
import io.netrescue.agent.AgentMain;
import io.netrescue.api.Json;
import io.netrescue.store.ServerProcess;
import java.io.StringReader;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Jobs on an installed, running system, between real processes: {@code netrescue serve} and the real
 * agent with the configuration {@code netrescue agent-config --jobs-url --allowed-jobs} prints. The agent
 * runs only what its host allows, signs every request with the host's key, never takes a job meant for
 * the rescue system; forged, replayed and other hosts' requests are refused.
 */
class InstalledJobsTest {
    @TempDir Path dir;
    final HttpClient http = HttpClient.newHttpClient();
    final JobChannelTest channel = new JobChannelTest();

    Properties installedAgent(ServerProcess s, String allowed) throws Exception {
        JobChannelTest.ok(s.call("POST", "hosts", "{\"name\":\"web1\",\"macs\":[\"52:54:00:00:00:b1\"]}"));
        JobChannelTest.ok(s.call("PUT", "hosts/web1/sysrq", "{\"dialect\":\"agent\",\"address\":\"127.0.0.1\"}"));
        String q = "jobs-url=" + URLEncoder.encode("http://127.0.0.1:" + s.port, StandardCharsets.UTF_8) + "&allowed-jobs=" + allowed;
        String conf = (String) JobChannelTest.json(JobChannelTest.ok(s.call("GET", "hosts/web1/sysrq/agent-config?" + q, null))).get("config");
        assertThat(conf).contains("jobs-url = http://127.0.0.1:" + s.port, "allowed-jobs = " + allowed);
        Properties p = new Properties();
        p.load(new StringReader(conf));
        p.setProperty("listen", "127.0.0.1:0");
        p.setProperty("trigger", Files.createFile(dir.resolve("trigger")).toString());
        p.setProperty("state", dir.resolve("agent-state").toString());
        return p;
    }

    long submit(ServerProcess s, Map<String, Object> req) throws Exception {
        return ((Number) JobChannelTest.json(JobChannelTest.ok(s.call("POST", "hosts/web1/jobs", Json.MAPPER.writeValueAsString(req)))).get("id")).longValue();
    }

    @Test
    void theAgentRunsOnlyWhatItsHostAllowsAndNeverARescueJob() throws Exception {
        ServerProcess s = ServerProcess.start(dir.resolve("logs"), dir.resolve("data"));
        try {
            Properties conf = installedAgent(s, "script");
            long rescueJob = submit(s, Map.of("script", "echo for the rescue system"));
            try (AgentMain.Agent agent = AgentMain.Agent.start(AgentConfig.of(conf, "test"))) {
                long script = submit(s, Map.of("script", "echo on $(hostname -s 2>/dev/null || echo host); echo warn >&2; exit 0", "installed", true));
                Map<String, Object> done = channel.awaitEnd(s, script, Duration.ofSeconds(60));
                assertThat(done).containsEntry("state", "succeeded").containsEntry("target", "installed");
                assertThat(channel.output(s, script, "out")).startsWith("on ");
                assertThat(channel.output(s, script, "err")).isEqualTo("warn\n");
                long disks = submit(s, Map.of("builtin", "disks", "installed", true));
                Map<String, Object> refused = channel.awaitEnd(s, disks, Duration.ofSeconds(60));
                assertThat(refused).containsEntry("state", "failed");
                assertThat((String) refused.get("end")).contains("not allowed on this host: built-in disks is not in its allowed-jobs (script)");
                Thread.sleep(1000);
                assertThat(JobChannelTest.json(JobChannelTest.ok(s.call("GET", "jobs/" + rescueJob, null)))).as("a rescue job stays for the rescue system")
                        .containsEntry("state", "queued");
                String events = JobChannelTest.ok(s.call("GET", "events?host=web1&limit=100", null)).body();
                assertThat(events).contains("on the installed system").contains("\"actor\":\"agent\"");
            }
        } finally {
            s.close();
        }
    }

    @Test
    void forgedReplayedAndOtherHostsRequestsAreRefused() throws Exception {
        ServerProcess s = ServerProcess.start(dir.resolve("logs"), dir.resolve("data"));
        try {
            Properties conf = installedAgent(s, "all");
            JobChannelTest.ok(s.call("POST", "hosts", "{\"name\":\"web2\",\"macs\":[\"52:54:00:00:00:b2\"]}"));
            byte[] key = HexFormat.of().parseHex(conf.getProperty("key"));
            String path = "/agent/jobs/next?wait=0";
            long now = System.currentTimeMillis() / 1000;
            String good = io.netrescue.job.AgentSignature.header(key, "web1", "GET", path, now, "0123456789abcdef0123456789abcdef", new byte[0]);
            assertThat(get(s, path, good).statusCode()).isEqualTo(204);
            assertThat(get(s, path, good).statusCode()).as("the same request again").isEqualTo(403);
            assertThat(get(s, path, good.replace("web1", "web2")).statusCode()).as("another host's name on web1's MAC").isEqualTo(403);
            String web2WithWeb1Key = io.netrescue.job.AgentSignature.header(key, "web2", "GET", path, now, "1123456789abcdef0123456789abcdef", new byte[0]);
            assertThat(get(s, path, web2WithWeb1Key).statusCode()).as("web1's key signing for web2").isEqualTo(403);
            String old = io.netrescue.job.AgentSignature.header(key, "web1", "GET", path, now - 600, "2123456789abcdef0123456789abcdef", new byte[0]);
            HttpResponse<String> stale = get(s, path, old);
            assertThat(stale.statusCode()).isEqualTo(403);
            assertThat(stale.body()).contains("clock");
            String otherPath = io.netrescue.job.AgentSignature.header(key, "web1", "GET", "/agent/jobs/next?wait=1", now, "3123456789abcdef0123456789abcdef", new byte[0]);
            assertThat(get(s, path, otherPath).statusCode()).as("signed for another path").isEqualTo(403);
            assertThat(get(s, path, "Bearer abcdefabcdefabcdefabcdef").statusCode()).isEqualTo(403);
            assertThat(get(s, path, null).statusCode()).isEqualTo(403);
            assertThat(get(s, "/agent/jobs/next", "x").statusCode()).isEqualTo(403);
            assertThat(send(s, "HEAD", path, good).statusCode()).isEqualTo(405);

            // found by an attack: web1 removed and added again (another machine) kept the old machine's key, which fetched
            // the new web1's job, secrets in its environment and all. Each incarnation of a host has its own key now.
            JobChannelTest.ok(s.call("DELETE", "hosts/web1", null));
            JobChannelTest.ok(s.call("POST", "hosts", "{\"name\":\"web1\",\"macs\":[\"52:54:00:00:00:c1\"]}"));
            JobChannelTest.ok(s.call("PUT", "hosts/web1/sysrq", "{\"dialect\":\"agent\",\"address\":\"127.0.0.1\"}"));
            JobChannelTest.ok(s.call("POST", "hosts/web1/jobs", "{\"script\":\"echo secret\",\"installed\":true,\"env\":{\"DB_PASSWORD\":\"s3cret\"}}"));
            String oldKey = io.netrescue.job.AgentSignature.header(key, "web1", "GET", path, System.currentTimeMillis() / 1000,
                    "4123456789abcdef0123456789abcdef", new byte[0]);
            assertThat(get(s, path, oldKey).statusCode()).as("the removed machine's key").isEqualTo(403);
            String conf2 = (String) JobChannelTest.json(JobChannelTest.ok(s.call("GET", "hosts/web1/sysrq/agent-config", null))).get("config");
            byte[] newKey = HexFormat.of().parseHex(conf2.lines().filter(l -> l.startsWith("key = ")).findFirst().orElseThrow().substring(6));
            assertThat(newKey).isNotEqualTo(key);
            String fresh = io.netrescue.job.AgentSignature.header(newKey, "web1", "GET", path, System.currentTimeMillis() / 1000,
                    "5123456789abcdef0123456789abcdef", new byte[0]);
            assertThat(get(s, path, fresh).body()).contains("echo secret");
        } finally {
            s.close();
        }
    }

    HttpResponse<String> get(ServerProcess s, String path, String auth) throws Exception {
        return send(s, "GET", path, auth);
    }

    HttpResponse<String> send(ServerProcess s, String method, String path, String auth) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + s.port + path)).timeout(Duration.ofSeconds(30))
                .method(method, HttpRequest.BodyPublishers.noBody());
        if (auth != null) b.header("Authorization", auth);
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }
}
