package io.netrescue.boot;

import static org.assertj.core.api.Assertions.assertThat;

import io.netrescue.testing.MutableClock;
import io.netrescue.testing.TestServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The iPXE endpoints over real HTTP, with the store behind them. */
class BootEndpointTest {
    MutableClock clock = new MutableClock(Instant.parse("2026-11-23T12:00:00Z"));
    TestServer s;

    @BeforeEach
    void start() {
        s = TestServer.start(List.of(), "local", clock);
        ok(s.api("POST", "profiles", "{\"name\":\"rescue\",\"kernel\":\"vmlinuz\",\"initrds\":[\"initrd.gz\"],\"cmdline\":\"console=ttyS0 host={host} token={token}\"}"));
        ok(s.api("POST", "hosts", "{\"name\":\"web1\",\"macs\":[\"52:54:00:12:34:56\"]}"));
    }

    @AfterEach
    void stop() {
        s.close();
    }

    static void ok(TestServer.Reply r) {
        assertThat(r.status()).as(r.body()).isBetween(200, 299);
    }

    String boot(String mac, String ip) {
        return s.get("/boot.ipxe?mac=" + mac + "&ip=" + ip + "&uuid=&arch=x86_64&platform=pcbios");
    }

    @Test
    void bootstrapChainsToTheDecisionWithTheMachinesIdentity() {
        String b = s.get("/ipxe");
        assertThat(b).startsWith("#!ipxe\n").contains("chain --autofree " + s.url() + "/boot.ipxe?mac=${mac:hexhyp}&ip=${ip}&uuid=${uuid}&arch=${buildarch}");
    }

    @Test
    void localByDefaultRescueWhenAskedWithTokenAndHostInCommandLine() {
        assertThat(boot("52-54-00-12-34-56", "127.0.0.1")).contains("boots its local disk").endsWith("exit\n");
        ok(s.api("PUT", "hosts/web1/boot", "{\"mode\":\"rescue\"}"));
        String r = boot("52-54-00-12-34-56", "127.0.0.1");
        assertThat(r).contains("kernel " + s.url() + "/assets/vmlinuz console=ttyS0 host=web1 token=")
                .contains("initrd --name initrd0 " + s.url() + "/assets/initrd.gz");
        String token = r.replaceAll("(?s).*token=([0-9a-f]+).*", "$1");
        assertThat(token).hasSize(48);
        // the booted system checks in with its token; a made-up token is refused
        assertThat(s.request("POST", "/boot/report?token=" + token + "&status=up", null, null).status()).isEqualTo(200);
        assertThat(s.request("POST", "/boot/report?token=" + "0".repeat(48), null, null).status()).isEqualTo(403);
        assertThat(s.api("GET", "events?host=web1", null).body()).contains("boot.report", "profile rescue reported up");
    }

    @Test
    void refusedWhenTheSourceDoesNotMatchTheReportedIpAndTheRefusalIsAudited() {
        ok(s.api("PUT", "hosts/web1/boot", "{\"mode\":\"rescue\"}"));
        String r = boot("52-54-00-12-34-56", "10.9.9.9");
        assertThat(r).contains("boots its local disk").doesNotContain("kernel");
        String ev = s.api("GET", "events?host=web1", null).body();
        assertThat(ev).contains("\"kind\":\"boot.refused\"", "\"reportedIp\":\"10.9.9.9\"", "\"sourceIp\":\"127.0.0.1\"",
                "does not match reported ip 10.9.9.9");
    }

    @Test
    void expectedIpsRefuseOtherSources() {
        ok(s.api("POST", "hosts", "{\"name\":\"pinned\",\"macs\":[\"52:54:00:00:00:77\"],\"ips\":[\"10.0.0.7\"]}"));
        ok(s.api("PUT", "hosts/pinned/boot", "{\"mode\":\"rescue\"}"));
        assertThat(boot("52:54:00:00:00:77", "127.0.0.1")).contains("is not an expected address of pinned").doesNotContain("kernel");
    }

    @Test
    void unknownMachinesBootLocallyAndAreRecordedForAdoption() {
        assertThat(boot("52-54-00-99-99-01", "127.0.0.1")).contains("machine not in inventory").endsWith("exit\n");
        boot("52-54-00-99-99-01", "127.0.0.1");
        String d = s.api("GET", "discovered", null).body();
        assertThat(d).contains("\"mac\":\"52:54:00:99:99:01\"", "\"requests\":2", "\"lastIp\":\"127.0.0.1\"", "\"arch\":\"x86_64\"");
        assertThat(s.api("GET", "events", null).body()).contains("boot.unknown");
        // adopting it removes it from the discovered list
        ok(s.api("POST", "hosts", "{\"name\":\"adopted\",\"macs\":[\"52:54:00:99:99:01\"]}"));
        assertThat(s.api("GET", "discovered", null).body()).doesNotContain("52:54:00:99:99:01");
    }

    @Test
    void garbageIdentityGetsAValidLocalScript() {
        for (String q : List.of("", "?mac=", "?mac=%00%ff&ip=127.0.0.1", "?mac=zz&ip=127.0.0.1", "?mac=52:54:00:12:34:56&ip=127.0.0.1&uuid=%0a",
                "?mac=" + "a".repeat(5000) + "&ip=127.0.0.1"
                , "?mac=52:54:00:12:34:56&ip=127.0.0.1&ip=10.0.0.1")) {
            var r = s.request("GET", "/boot.ipxe" + q, null, null);
            assertThat(r.status()).as(q).isEqualTo(200);
            assertThat(r.body()).as(q).startsWith("#!ipxe\n").endsWith("exit\n").doesNotContain("kernel");
        }
    }

    @Test
    void onceIsConsumedExactlyOnceUnder50ConcurrentRequests() throws Exception {
        ok(s.api("PUT", "hosts/web1/boot", "{\"mode\":\"once\",\"profile\":\"rescue\"}"));
        HttpClient c = HttpClient.newBuilder().executor(Executors.newVirtualThreadPerTaskExecutor()).build();
        URI u = s.url().resolve("/boot.ipxe?mac=52:54:00:12:34:56&ip=127.0.0.1");
        CountDownLatch go = new CountDownLatch(1);
        List<Future<String>> fs = new ArrayList<>();
        try (var ex = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < 50; i++) {
                fs.add(ex.submit(() -> {
                    go.await();
                    return c.send(HttpRequest.newBuilder(u).build(), HttpResponse.BodyHandlers.ofString()).body();
                }));
            }
            go.countDown();
            int netboots = 0, locals = 0;
            for (Future<String> f : fs) {
                String body = f.get();
                if (body.contains("\nkernel ")) netboots++;
                else if (body.contains("boots its local disk: mode local")) locals++;
            }
            assertThat(netboots).isEqualTo(1);
            assertThat(locals).isEqualTo(49);
        }
        assertThat(s.api("GET", "hosts/web1/boot", null).body()).contains("\"mode\":\"local\"");
        String ev = s.api("GET", "events?host=web1&limit=1000", null).body();
        assertThat(ev.split("netboot rescue", -1)).hasSize(2);
        assertThat(ev.split("\"kind\":\"boot.served\"", -1)).hasSize(51);
    }

    @Test
    void onceReturnsToThePreviousModeAndExpiryReturnsToLocal() {
        ok(s.api("POST", "profiles", "{\"name\":\"test\",\"kernel\":\"test/vmlinuz\"}"));
        ok(s.api("PUT", "hosts/web1/boot", "{\"mode\":\"rescue\",\"for\":\"1h\"}"));
        ok(s.api("PUT", "hosts/web1/boot", "{\"mode\":\"once\",\"profile\":\"test\"}"));
        assertThat(boot("52:54:00:12:34:56", "127.0.0.1")).contains("boots profile test");
        assertThat(boot("52:54:00:12:34:56", "127.0.0.1")).contains("boots profile rescue");
        clock.advance(Duration.ofMinutes(59));
        assertThat(boot("52:54:00:12:34:56", "127.0.0.1")).contains("boots profile rescue");
        clock.advance(Duration.ofMinutes(1));
        assertThat(boot("52:54:00:12:34:56", "127.0.0.1")).contains("boots its local disk: mode rescue expired");
        assertThat(s.api("GET", "hosts/web1/boot", null).body()).contains("\"mode\":\"local\"");
        assertThat(s.api("GET", "events?host=web1", null).body()).contains("boot.expired");
    }

    /**
     * Issue 15, finding 4: unauthenticated requests grew the store without bound (an event per unknown or
     * refused request, every made-up MAC in the discovered list). Now at most 20 a minute per source are
     * recorded one by one (and a summary says how many were not), and the discovered list keeps the 1000
     * most recently seen.
     */
    @Test
    void aFloodOfUnknownMachinesIsBoundedInTheStoreAndOnTheTimeline() throws Exception {
        int n = EventStore_MAX + 100;
        java.net.http.HttpClient c = java.net.http.HttpClient.newHttpClient();
        java.util.List<java.util.concurrent.CompletableFuture<java.net.http.HttpResponse<String>>> all = new java.util.ArrayList<>();
        for (int i = 0; i < n; i++) {
            String mac = String.format("52-54-01-%02x-%02x-%02x", i >> 16 & 0xff, i >> 8 & 0xff, i & 0xff);
            all.add(c.sendAsync(java.net.http.HttpRequest.newBuilder(s.url().resolve("/boot.ipxe?mac=" + mac + "&ip=127.0.0.1")).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString()));
            if (all.size() == 64) {
                for (var f : all) assertThat(f.get().body()).contains("not in inventory");
                all.clear();
                clock.advance(java.time.Duration.ofMillis(500)); // so that "least recently seen" means something
            }
        }
        for (var f : all) assertThat(f.get().body()).contains("not in inventory");
        String discovered = s.api("GET", "discovered", null).body();
        assertThat(discovered.split("\"mac\"", -1).length - 1).isEqualTo(EventStore_MAX);
        assertThat(discovered).contains(String.format("52:54:01:%02x:%02x:%02x", (n - 1) >> 16 & 0xff, (n - 1) >> 8 & 0xff, (n - 1) & 0xff));
        assertThat(discovered).as("the least recently seen went first").doesNotContain("52:54:01:00:00:00");
        String ev = s.api("GET", "events?limit=5000", null).body();
        assertThat(ev.split("\"kind\":\"boot.unknown\"", -1).length - 1).as("recorded one by one").isEqualTo(20);
        // the next minute: the first request is recorded, after a summary of what was not
        clock.advance(java.time.Duration.ofSeconds(61));
        assertThat(boot("52:54:02:00:00:01", "127.0.0.1")).contains("not in inventory");
        long end = System.nanoTime() + 5_000_000_000L;
        while (!s.api("GET", "events?limit=5000", null).body().contains("boot.suppressed") && System.nanoTime() < end) Thread.sleep(50);
        assertThat(s.api("GET", "events?limit=5000", null).body()).contains("boot.suppressed", (n - 20) + " unknown or refused boot requests from 1 source(s)");
    }

    static final int EventStore_MAX = io.netrescue.store.EventStore.MAX_DISCOVERED;

    /** Issue 15, finding 6: a HEAD of /boot.ipxe spent the host's once and answered an empty body. */
    @Test
    void headOfTheBootScriptDecidesNothing() throws Exception {
        ok(s.api("POST", "profiles", "{\"name\":\"test\",\"kernel\":\"test/vmlinuz\"}"));
        ok(s.api("PUT", "hosts/web1/boot", "{\"mode\":\"once\",\"profile\":\"test\"}"));
        var head = HttpClient.newHttpClient().send(HttpRequest.newBuilder(s.url().resolve("/boot.ipxe?mac=52-54-00-12-34-56&ip=127.0.0.1"))
                .method("HEAD", HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.discarding());
        assertThat(head.statusCode()).isEqualTo(405);
        assertThat(head.headers().firstValue("allow")).contains("GET");
        assertThat(s.api("GET", "hosts/web1/boot", null).body()).contains("\"mode\":\"once\"");
        assertThat(boot("52:54:00:12:34:56", "127.0.0.1")).contains("boots profile test");
    }

    @Test
    void assetsSupportHeadAndRangesAndNeverLeaveTheAssetsDirectory() throws Exception {
        byte[] data = new byte[3 * 1024 * 1024 + 17];
        new java.util.Random(1).nextBytes(data);
        java.nio.file.Files.write(s.assets().resolve("vmlinuz"), data);
        HttpClient c = HttpClient.newHttpClient();
        var head = c.send(HttpRequest.newBuilder(s.url().resolve("/assets/vmlinuz")).method("HEAD", HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.discarding());
        assertThat(head.statusCode()).isEqualTo(200);
        assertThat(head.headers().firstValue("content-length")).contains(String.valueOf(data.length));
        var range = c.send(HttpRequest.newBuilder(s.url().resolve("/assets/vmlinuz")).header("Range", "bytes=1000-1999").build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertThat(range.statusCode()).isEqualTo(206);
        assertThat(range.headers().firstValue("content-range")).contains("bytes 1000-1999/" + data.length);
        assertThat(range.body()).isEqualTo(java.util.Arrays.copyOfRange(data, 1000, 2000));
        var full = c.send(HttpRequest.newBuilder(s.url().resolve("/assets/vmlinuz")).build(), HttpResponse.BodyHandlers.ofByteArray());
        assertThat(full.body()).isEqualTo(data);
        for (String p : List.of("/assets/../data/api-token", "/assets/%2e%2e/data/api-token", "/assets/..%2fdata/api-token", "/assets/")) {
            var r = c.send(HttpRequest.newBuilder(s.url().resolve(p)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).as(p).isGreaterThanOrEqualTo(400);
            assertThat(r.body()).as(p).doesNotContain(s.token());
        }
    }
}
