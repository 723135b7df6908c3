package io.netrescue.job.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.netrescue.agent.AgentConfig;
import io.netrescue.agent.AgentMain;
import io.netrescue.api.Json;
import io.netrescue.store.ServerProcess;
import java.io.StringReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The job channel end to end, between real processes: {@code netrescue serve} and the real agent with
 * the configuration a rescue system gets. The server is killed with SIGKILL in the middle of a job and
 * started again; the agent keeps the job running, resends what was not acknowledged, and the output
 * arrives complete, in order, every line exactly once. Cancel kills the job's process tree.
 */
class JobChannelTest {
    static final String MAC = "52:54:00:00:00:a1";
    @TempDir Path dir;
    final HttpClient http = HttpClient.newHttpClient();

    /** An activated host whose rescue system fetched its settings: the agent's configuration, with the job channel. */
    Properties rescueAgent(ServerProcess s) throws Exception {
        ok(s.call("POST", "hosts", "{\"name\":\"web1\",\"macs\":[\"" + MAC + "\"]}"));
        ok(s.call("POST", "profiles", "{\"name\":\"rescue\",\"kernel\":\"rescue/vmlinuz\",\"cmdline\":\"rescue.url={server} rescue.token={token}\"}"));
        ok(s.call("POST", "hosts/web1/rescue", "{\"password\":true,\"for\":\"1h\"}"));
        String script = get(s, "/boot.ipxe?mac=" + MAC.replace(':', '-') + "&ip=127.0.0.1&uuid=&arch=x86_64&platform=pcbios", null).body();
        Matcher m = Pattern.compile("rescue\\.token=(\\S+)").matcher(script);
        assertThat(m.find()).as(script).isTrue();
        String token = m.group(1);
        assertThat(get(s, "/rescue/settings", token).statusCode()).isEqualTo(200);
        HttpResponse<String> conf = get(s, "/rescue/agent.conf", token);
        assertThat(conf.statusCode()).as(conf.body()).isEqualTo(200);
        Properties p = new Properties();
        p.load(new StringReader(conf.body()));
        // what the rescue system's /init appends
        p.setProperty("jobs-url", "http://127.0.0.1:" + s.port);
        p.setProperty("jobs-token", token);
        p.setProperty("listen", "127.0.0.1:0");
        p.setProperty("trigger", Files.createFile(dir.resolve("trigger")).toString());
        p.setProperty("state", dir.resolve("agent-state").toString());
        return p;
    }

    HttpResponse<String> get(ServerProcess s, String path, String bearer) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + s.port + path)).timeout(Duration.ofSeconds(30));
        if (bearer != null) b.header("Authorization", "Bearer " + bearer);
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    static HttpResponse<String> ok(HttpResponse<String> r) {
        assertThat(r.statusCode()).as(r.body()).isBetween(200, 299);
        return r;
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> json(HttpResponse<String> r) {
        return Json.MAPPER.readValue(r.body(), Map.class);
    }

    long submit(ServerProcess s, String script, String timeout) throws Exception {
        String body = Json.MAPPER.writeValueAsString(Map.of("name", "t.sh", "script", script, "timeout", timeout));
        return ((Number) json(ok(s.call("POST", "hosts/web1/jobs", body))).get("id")).longValue();
    }

    Map<String, Object> awaitEnd(ServerProcess s, long id, Duration max) throws Exception {
        long end = System.nanoTime() + max.toNanos();
        while (true) {
            Map<String, Object> j = json(ok(s.call("GET", "jobs/" + id, null)));
            if (!List.of("queued", "running").contains(j.get("state"))) return j;
            if (System.nanoTime() > end) throw new AssertionError("job " + id + " still " + j.get("state") + " after " + max);
            Thread.sleep(200);
        }
    }

    /** The job's output, stream by stream, as text. */
    @SuppressWarnings("unchecked")
    String output(ServerProcess s, long id, String stream) throws Exception {
        StringBuilder b = new StringBuilder();
        long after = 0;
        while (true) {
            List<Map<String, Object>> chunks = (List<Map<String, Object>>) json(ok(s.call("GET", "jobs/" + id + "/output?after=" + after, null))).get("chunks");
            if (chunks.isEmpty()) return b.toString();
            for (Map<String, Object> c : chunks) {
                if (c.get("stream").equals(stream)) b.append(new String(Base64.getDecoder().decode((String) c.get("data")), StandardCharsets.UTF_8));
                after = ((Number) c.get("seq")).longValue();
            }
        }
    }

    @Test
    void aServerKilledMidJobLosesNoLineAndStoresNoneTwice() throws Exception {
        Path data = dir.resolve("data"), logs = dir.resolve("logs");
        int port = ServerProcess.freePort();
        ServerProcess s = ServerProcess.start(logs, data, port);
        try (AgentMain.Agent agent = AgentMain.Agent.start(AgentConfig.of(rescueAgent(s), "test"))) {
            long id = submit(s, "for i in $(seq 1 60); do echo \"line $i\"; echo \"warn $i\" >&2; sleep 0.05; done; exit 3", "2m");
            // kill it once output flows
            long end = System.nanoTime() + 30_000_000_000L;
            while (output(s, id, "out").lines().count() < 10) {
                assertThat(System.nanoTime()).as("no output within 30 s").isLessThan(end);
                Thread.sleep(50);
            }
            s.kill();
            Thread.sleep(2000); // the agent keeps running the job, and retries
            s = ServerProcess.start(logs, data, port);
            Map<String, Object> job = awaitEnd(s, id, Duration.ofSeconds(60));
            assertThat(job).containsEntry("state", "failed").containsEntry("end", "exit 3");
            List<String> expected = new ArrayList<>();
            IntStream.rangeClosed(1, 60).forEach(i -> expected.add("line " + i));
            assertThat(output(s, id, "out").lines().toList()).isEqualTo(expected);
            assertThat(output(s, id, "err").lines().toList()).isEqualTo(expected.stream().map(l -> l.replace("line", "warn")).toList());
            String events = ok(s.call("GET", "events?host=web1&limit=1000", null)).body();
            assertThat(events).contains("job.queued", "job.started", "job.finished");
        } finally {
            s.close();
        }
    }

    @Test
    void cancelKillsTheJobsWholeProcessTree() throws Exception {
        ServerProcess s = ServerProcess.start(dir.resolve("logs"), dir.resolve("data"));
        try (AgentMain.Agent agent = AgentMain.Agent.start(AgentConfig.of(rescueAgent(s), "test"))) {
            Path pids = dir.resolve("pids");
            long id = submit(s, "sh -c 'sleep 300' & echo $! > " + pids + "; echo started; sleep 300", "10m");
            long end = System.nanoTime() + 30_000_000_000L;
            while (!output(s, id, "out").contains("started")) {
                assertThat(System.nanoTime()).as("the job never started").isLessThan(end);
                Thread.sleep(50);
            }
            assertThat(json(ok(s.call("POST", "jobs/" + id + "/cancel", null)))).containsEntry("cancelRequested", true);
            Map<String, Object> job = awaitEnd(s, id, Duration.ofSeconds(30));
            assertThat(job).containsEntry("state", "cancelled");
            long grandchild = Long.parseLong(Files.readString(pids).strip());
            long gone = System.nanoTime() + 10_000_000_000L;
            while (ProcessHandle.of(grandchild).map(ProcessHandle::isAlive).orElse(false) && System.nanoTime() < gone) Thread.sleep(100);
            assertThat(ProcessHandle.of(grandchild).map(ProcessHandle::isAlive).orElse(false)).as("the job's background child").isFalse();
        } finally {
            s.close();
        }
    }
}
