package io.netrescue.bench;

import io.netrescue.agent.AgentConfig;
import io.netrescue.agent.AgentMain;
import io.netrescue.server.NetrescueServer;
import io.netrescue.server.ServerConfig;
import java.io.StringReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Arrays;
import java.util.Properties;

/**
 * End-to-end latency of one SysRq request on loopback: the API call `netrescue sysrq` makes, through
 * the server (events written durably before and after), the UDP request, the agent's checks, the
 * write to the trigger file, and the ack back. Prints p50/p90/p99/max over N requests.
 * Usage: SysrqLatency [N]   (default 500)
 */
public final class SysrqLatency {
    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 500;
        Path dir = Files.createTempDirectory("netrescue-sysrq-latency");
        ServerConfig c = new ServerConfig(new ServerConfig.Http("127.0.0.1:0", "", dir.resolve("assets").toString()),
                new ServerConfig.Store(dir.resolve("data").toString()), null, null,
                new ServerConfig.Sysrq(1_000_000, "1m", "6s"), null, null, null,
                io.netrescue.watchdog.server.WatchdogSettings.defaults().withListen(""), null);
        Files.createDirectories(dir.resolve("assets"));
        try (NetrescueServer s = new NetrescueServer(c, Clock.systemUTC()).start()) {
            String token = Files.readString(dir.resolve("data/api-token")).strip();
            HttpClient http = HttpClient.newHttpClient();
            URI base = s.url();
            call(http, base, token, "POST", "hosts", "{\"name\":\"web1\",\"macs\":[\"02:00:00:00:00:01\"]}");
            call(http, base, token, "PUT", "hosts/web1/sysrq", "{\"dialect\":\"agent\",\"address\":\"127.0.0.1\",\"agentPort\":1,\"allowedKeys\":\"s\"}");
            String conf = call(http, base, token, "GET", "hosts/web1/sysrq/agent-config?listen=127.0.0.1:0", null);
            Properties p = new Properties();
            p.load(new StringReader(conf.replaceAll("(?s).*\"config\":\"", "").replaceAll("\"}\\s*$", "").replace("\\n", "\n")));
            Path trigger = Files.createFile(dir.resolve("trigger"));
            p.setProperty("trigger", trigger.toString());
            p.setProperty("state", dir.resolve("agent-seq").toString());
            try (AgentMain.Agent a = AgentMain.Agent.start(AgentConfig.of(p, "bench"))) {
                call(http, base, token, "PUT", "hosts/web1/sysrq", "{\"agentPort\":" + a.port() + "}");
                for (int i = 0; i < 50; i++) call(http, base, token, "POST", "hosts/web1/sysrq", "{\"keys\":\"s\",\"pause\":0}"); // warm-up
                long[] t = new long[n];
                for (int i = 0; i < n; i++) {
                    long t0 = System.nanoTime();
                    String r = call(http, base, token, "POST", "hosts/web1/sysrq", "{\"keys\":\"s\",\"pause\":0}");
                    t[i] = System.nanoTime() - t0;
                    if (!r.contains("\"acknowledged\"")) throw new IllegalStateException(r);
                }
                if (Files.size(trigger) != n + 50) throw new IllegalStateException("trigger saw " + Files.size(trigger) + " writes");
                Arrays.sort(t);
                System.out.printf("sysrq end-to-end (API call -> agent -> trigger write -> ack -> API answer), n=%d:%n", n);
                System.out.printf("  p50 %.2f ms  p90 %.2f ms  p99 %.2f ms  max %.2f ms%n", t[n / 2] / 1e6, t[n * 9 / 10] / 1e6,
                        t[n * 99 / 100] / 1e6, t[n - 1] / 1e6);
            }
        }
    }

    static String call(HttpClient http, URI base, String token, String method, String path, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve("/api/v1/" + path)).header("Authorization", "Bearer " + token);
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() / 100 != 2) throw new IllegalStateException(method + " " + path + ": " + r.body());
        return r.body();
    }
}
