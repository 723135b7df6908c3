package io.netrescue.sysrq;

import static io.netrescue.testing.TestServer.ok;
import static org.assertj.core.api.Assertions.assertThat;

import io.netrescue.agent.AgentConfig;
import io.netrescue.agent.AgentMain;
import io.netrescue.api.Json;
import io.netrescue.testing.MutableClock;
import io.netrescue.testing.TestServer;
import java.io.StringReader;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `netrescue sysrq` end to end on loopback: the real server, the real agent, and an xt_SYSRQ stand-in. */
class SysrqIntegrationTest {
    MutableClock clock = new MutableClock(Instant.now());
    TestServer s;
    @TempDir Path dir;

    @BeforeEach
    void start() {
        s = TestServer.start(List.of(), "local", clock);
        ok(s.api("POST", "hosts", "{\"name\":\"web1\",\"macs\":[\"52:54:00:00:00:01\"]}"));
    }

    @AfterEach
    void stop() {
        s.close();
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> json(TestServer.Reply r) {
        return Json.MAPPER.readValue(r.body(), Map.class);
    }

    AgentMain.Agent agentFromServerConfig(Path trigger) throws Exception {
        ok(s.api("PUT", "hosts/web1/sysrq", "{\"dialect\":\"agent\",\"address\":\"127.0.0.1\",\"agentPort\":1,\"allowedKeys\":\"sub\"}"));
        String conf = (String) json(ok(s.api("GET", "hosts/web1/sysrq/agent-config?listen=127.0.0.1:0&sources=127.0.0.1/32", null))).get("config");
        assertThat(conf).contains("host = web1", "allowed-sources = 127.0.0.1/32").doesNotContain(Files.readString(s.dataDir().resolve("master-key")).strip());
        Properties p = new Properties();
        p.load(new StringReader(conf));
        p.setProperty("trigger", trigger.toString());
        p.setProperty("state", dir.resolve("agent-state").toString());
        AgentMain.Agent a = AgentMain.Agent.start(AgentConfig.of(p, "test"));
        ok(s.api("PUT", "hosts/web1/sysrq", "{\"agentPort\":" + a.port() + "}"));
        return a;
    }

    @Test
    void agentDialectRunsKeysOnceAndEveryStepIsOnTheTimeline() throws Exception {
        Path trigger = Files.createFile(dir.resolve("trigger"));
        try (AgentMain.Agent a = agentFromServerConfig(trigger)) {
            Map<String, Object> o = json(ok(s.api("POST", "hosts/web1/sysrq", "{\"keys\":\"su\",\"pause\":10}")));
            assertThat(o).containsEntry("result", "acknowledged").containsEntry("via", "agent").containsEntry("executed", 2);
            assertThat(Files.readString(trigger)).isEqualTo("su");
            long seq1 = ((Number) o.get("seq")).longValue();
            Map<String, Object> o2 = json(ok(s.api("POST", "hosts/web1/sysrq", "{\"keys\":\"sub\",\"pause\":10,\"confirm\":\"0s\"}")));
            assertThat(((Number) o2.get("seq")).longValue()).isGreaterThan(seq1);
            long end = System.nanoTime() + 3_000_000_000L;
            while (!Files.readString(trigger).equals("susub") && System.nanoTime() < end) Thread.sleep(20);
            assertThat(Files.readString(trigger)).isEqualTo("susub");
            // keys outside the host's allow-list never leave the server
            assertThat(s.api("POST", "hosts/web1/sysrq", "{\"keys\":\"c\"}").status()).isEqualTo(400);
            String ev = s.api("GET", "events?host=web1", null).body();
            assertThat(ev).contains("sysrq.configured", "sysrq.requested", "sysrq.acknowledged", "keys su via agent seq " + seq1);
        }
    }

    @Test
    void rateLimitedPerHost() throws Exception {
        Path trigger = Files.createFile(dir.resolve("trigger"));
        try (AgentMain.Agent a = agentFromServerConfig(trigger)) {
            for (int i = 0; i < 6; i++) ok(s.api("POST", "hosts/web1/sysrq", "{\"keys\":\"s\",\"pause\":0}"));
            TestServer.Reply r = s.api("POST", "hosts/web1/sysrq", "{\"keys\":\"s\"}");
            assertThat(r.status()).isEqualTo(429);
            assertThat(r.body()).contains("too many SysRq requests for web1");
            clock.advance(Duration.ofMinutes(10));
            // the window has passed, so the server sends again; but its clock is now 10 minutes ahead of
            // the agent's, which refuses the request as stale and says so in its authenticated answer
            Map<String, Object> o = json(ok(s.api("POST", "hosts/web1/sysrq", "{\"keys\":\"s\",\"pause\":0}")));
            assertThat(o).containsEntry("result", "refused");
            assertThat((String) o.get("detail")).startsWith("stale");
            assertThat(Files.readString(trigger)).isEqualTo("ssssss");
            assertThat(s.api("GET", "events?host=web1", null).body()).contains("sysrq.rate-limited");
        }
    }

    @Test
    void silentAgentIsReportedAsNoAck() {
        ok(s.api("PUT", "hosts/web1/sysrq", "{\"dialect\":\"agent\",\"address\":\"127.0.0.1\",\"agentPort\":9}"));
        Map<String, Object> o = json(ok(s.api("POST", "hosts/web1/sysrq", "{\"keys\":\"s\"}")));
        assertThat(o).containsEntry("result", "no-ack");
        assertThat(s.api("GET", "events?host=web1", null).body()).contains("sysrq.no-ack");
    }

    /** Verifies a request exactly as xt_SYSRQ does (xt_SYSRQ.c sysrq_tg): digest, then a strictly higher seqno. */
    record XtStandIn(DatagramChannel ch, List<String> accepted, List<String> rejected) {
        static XtStandIn start(String password, String hashAlg) throws Exception {
            DatagramChannel ch = DatagramChannel.open().bind(new InetSocketAddress("127.0.0.1", 0));
            XtStandIn x = new XtStandIn(ch, new CopyOnWriteArrayList<>(), new CopyOnWriteArrayList<>());
            Thread.ofVirtual().start(() -> {
                long last = 0;
                ByteBuffer b = ByteBuffer.allocate(2048);
                while (ch.isOpen()) {
                    try {
                        b.clear();
                        ch.receive(b);
                        b.flip();
                        String msg = StandardCharsets.US_ASCII.decode(b).toString();
                        String[] f = msg.split(",", 4);
                        int third = msg.indexOf(',', msg.indexOf(',', msg.indexOf(',') + 1) + 1);
                        String want = HexFormat.of().formatHex(MessageDigest.getInstance(hashAlg).digest(
                                (msg.substring(0, third + 1) + "127.0.0.1," + password).getBytes(StandardCharsets.US_ASCII)));
                        long seq = Long.parseLong(f[1]);
                        if (!f[3].equals(want)) x.rejected.add("bad digest");
                        else if (seq <= last) x.rejected.add("old sequence number " + seq);
                        else {
                            last = seq;
                            x.accepted.add(f[0] + "@" + seq);
                        }
                    } catch (Exception e) {
                        if (ch.isOpen()) x.rejected.add(e.toString());
                    }
                }
            });
            return x;
        }

        int port() throws Exception {
            return ((InetSocketAddress) ch.getLocalAddress()).getPort();
        }
    }

    @Test
    void xtDialectHashesForTheDestinationAndNeverReusesASequenceNumber() throws Exception {
        XtStandIn xt = XtStandIn.start("s3cret", "SHA-256");
        try {
            Path pw = Files.writeString(dir.resolve("pw"), "s3cret");
            TestServer.Reply r = ok(s.api("PUT", "hosts/web1/sysrq", "{\"dialect\":\"xt\",\"address\":\"127.0.0.1\",\"xtPort\":" + xt.port()
                    + ",\"hash\":\"sha256\",\"password\":\"s3cret\",\"allowedKeys\":\"sub\"}"));
            assertThat(r.body()).contains("\"passwordSet\":true", "older than 3.26").doesNotContain("s3cret");
            assertThat(s.api("GET", "hosts/web1/sysrq", null).body()).doesNotContain("s3cret");
            Map<String, Object> o = json(ok(s.api("POST", "hosts/web1/sysrq", "{\"keys\":\"s\",\"confirm\":\"0s\"}")));
            assertThat(o).containsEntry("result", "sent").containsEntry("via", "xt");
            long seq1 = ((Number) o.get("seq")).longValue();
            // the server's clock goes back an hour and the server restarts: the next number is still higher
            clock.advance(Duration.ofHours(-1));
            s.restart();
            long seq2 = ((Number) json(ok(s.api("POST", "hosts/web1/sysrq", "{\"keys\":\"u\",\"confirm\":\"0s\"}"))).get("seq")).longValue();
            assertThat(seq2).isGreaterThan(seq1);
            long end = System.nanoTime() + 3_000_000_000L;
            while (xt.accepted().size() < 2 && System.nanoTime() < end) Thread.sleep(20);
            Thread.sleep(300); // the extra copies arrive and must be ignored as old sequence numbers
            assertThat(xt.accepted()).containsExactly("s@" + seq1, "u@" + seq2);
            assertThat(xt.rejected()).hasSize(4).allMatch(x -> x.startsWith("old sequence number"));
            // the password is in no event and no API answer
            assertThat(s.api("GET", "events?host=web1&limit=1000", null).body()).doesNotContain("s3cret");
            for (String f : new String[] {"netrescue.db", "netrescue.db-wal"}) {
                java.nio.file.Path p = s.dataDir().resolve(f);
                if (Files.exists(p)) assertThat(Files.readString(p, StandardCharsets.ISO_8859_1)).as(f).doesNotContain("s3cret");
            }
            assertThat(s.dataDir().resolve("netrescue.db")).exists();
        } finally {
            xt.ch().close();
        }
    }

    @Test
    void rebootIsConfirmedByTheHostsNextBootRequest() throws Exception {
        XtStandIn xt = XtStandIn.start("pw", "SHA-1");
        try {
            ok(s.api("PUT", "hosts/web1/sysrq", "{\"dialect\":\"xt\",\"address\":\"127.0.0.1\",\"xtPort\":" + xt.port() + ",\"password\":\"pw\"}"));
            Map<String, Object> o = json(ok(s.api("POST", "hosts/web1/sysrq", "{\"keys\":\"sub\",\"confirm\":\"30s\"}")));
            assertThat((String) o.get("confirmation")).contains("watching for web1's next boot request");
            Thread.sleep(1500);
            s.get("/boot.ipxe?mac=52:54:00:00:00:01&ip=127.0.0.1"); // the host is back and asks us
            long end = System.nanoTime() + 10_000_000_000L;
            String ev = "";
            while (!ev.contains("sysrq.confirmed") && System.nanoTime() < end) {
                Thread.sleep(200);
                ev = s.api("GET", "events?host=web1", null).body();
            }
            assertThat(ev).contains("sysrq.confirmed", "asked for its next boot");
        } finally {
            xt.ch().close();
        }
    }
}
