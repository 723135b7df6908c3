package io.netrescue.watchdog;

import static io.netrescue.testing.TestServer.ok;
import static org.assertj.core.api.Assertions.assertThat;

import io.netrescue.agent.AgentConfig;
import io.netrescue.agent.AgentMain;
import io.netrescue.api.Json;
import io.netrescue.testing.TestServer;
import io.netrescue.watchdog.server.WatchdogSettings;
import java.io.StringReader;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real agent's dead-man switch against the real server, in-process: the agent's heartbeats go
 * through a UDP relay the test can cut. The switch acts only on silence from the server (target none),
 * presses s, u, b into a trigger file, and, started again as the rebooted host, reports its steps to
 * the timeline.
 */
class DeadManAgentTest {
    @TempDir Path dir;
    TestServer s;
    AgentMain.Agent agent;
    Relay relay;

    /** Forwards datagrams between the agent and the server's heartbeat port, or drops them all while cut. */
    static final class Relay implements AutoCloseable {
        final DatagramChannel ch;
        final InetSocketAddress server;
        volatile boolean cut;
        volatile InetSocketAddress agent;

        Relay(InetSocketAddress server) throws Exception {
            this.server = server;
            ch = DatagramChannel.open().bind(new InetSocketAddress("127.0.0.1", 0));
            Thread.ofPlatform().daemon(true).start(() -> {
                ByteBuffer b = ByteBuffer.allocate(2048);
                while (ch.isOpen()) {
                    try {
                        b.clear();
                        InetSocketAddress from = (InetSocketAddress) ch.receive(b);
                        b.flip();
                        if (cut) continue;
                        if (from.equals(server)) {
                            if (agent != null) ch.send(b, agent);
                        } else {
                            agent = from;
                            ch.send(b, server);
                        }
                    } catch (Exception e) {
                        return;
                    }
                }
            });
        }

        int port() throws Exception {
            return ((InetSocketAddress) ch.getLocalAddress()).getPort();
        }

        @Override
        public void close() throws Exception {
            ch.close();
        }
    }

    @BeforeEach
    void start() throws Exception {
        s = TestServer.start(List.of(), "local", Clock.systemUTC(), c -> c.withWatchdog(WatchdogSettings.defaults().withListen("127.0.0.1:0")
                .withTiming("1s", "1s", null, null)));
        ok(s.api("POST", "hosts", "{\"name\":\"web1\",\"macs\":[\"52:54:00:00:00:01\"]}"));
        ok(s.api("PUT", "hosts/web1/sysrq", "{\"dialect\":\"agent\",\"address\":\"127.0.0.1\"}"));
        relay = new Relay(s.server().watchdog().orElseThrow().heartbeatAddress().orElseThrow());
    }

    @AfterEach
    void stop() throws Exception {
        if (agent != null) agent.close();
        relay.close();
        s.close();
    }

    AgentMain.Agent startAgent(String bootId) throws Exception {
        String conf = (String) Json.MAPPER.readValue(ok(s.api("GET", "hosts/web1/sysrq/agent-config?listen=127.0.0.1:0&heartbeat-to=127.0.0.1:"
                + relay.port(), null)).body(), Map.class).get("config");
        Properties p = new Properties();
        p.load(new StringReader(conf));
        p.setProperty("heartbeat-seconds", "1");
        p.setProperty("trigger", dir.resolve("sysrq-trigger").toString());
        if (!Files.exists(dir.resolve("sysrq-trigger"))) Files.createFile(dir.resolve("sysrq-trigger"));
        p.setProperty("state", dir.resolve("state/sysrq.seq").toString());
        p.setProperty("dead-man", "10s");
        p.setProperty("dead-man-target", "none");
        p.setProperty("dead-man-restart", "echo restarted >> " + dir.resolve("restarts"));
        return AgentMain.Agent.start(AgentConfig.of(p, "test"), WatchdogTest.fakeProc(dir, bootId));
    }

    List<String> deadManEvents() {
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> es = Json.MAPPER.readValue(ok(s.api("GET", "events?host=web1&limit=1000", null)).body(), List.class);
        return es.stream().filter(e -> ((String) e.get("kind")).startsWith("dead-man."))
                .map(e -> e.get("kind") + " " + e.get("actor") + " " + e.get("reason")).toList();
    }

    @Test
    void aShortCutDoesNothingALongOneRestartsThenRebootsAndTheRebootedHostReportsBoth() throws Exception {
        agent = startAgent(UUID.randomUUID().toString());
        WatchdogTest.await("up", Duration.ofSeconds(15), () -> s.api("GET", "hosts/web1/watchdog", null).body().contains("\"up\""));

        // cut for less than the period: nothing
        relay.cut = true;
        Thread.sleep(5000);
        relay.cut = false;
        Thread.sleep(9000);
        assertThat(dir.resolve("restarts")).doesNotExist();
        assertThat(Files.readString(dir.resolve("sysrq-trigger"))).isEmpty();

        // cut for good: the restart command after 10 s, s u b 10 s later
        relay.cut = true;
        long cut = System.nanoTime();
        WatchdogTest.await("network restart", Duration.ofSeconds(20), () -> Files.exists(dir.resolve("restarts")));
        double restartAfter = (System.nanoTime() - cut) / 1e9;
        WatchdogTest.await("reboot", Duration.ofSeconds(25), () -> read(dir.resolve("sysrq-trigger")).equals("sub"));
        double rebootAfter = (System.nanoTime() - cut) / 1e9;
        // the period runs from the last answered heartbeat, up to one heartbeat (1 s) before the cut
        assertThat(restartAfter).isBetween(8.9, 13.0);
        assertThat(rebootAfter - restartAfter).isBetween(10.0, 16.0); // plus the 3 s between s, u and b
        assertThat(Files.readString(dir.resolve("restarts"))).isEqualTo("restarted\n");
        List<String> journal = Files.readAllLines(dir.resolve("state/dead-man.log"));
        assertThat(journal).hasSize(2);
        assertThat(journal.get(0)).contains(" RESTART_NETWORK nothing answered for 1");
        assertThat(journal.get(1)).contains(" REBOOT still nothing", "sync and reboot, 1 of at most 3 in 24 h");
        assertThat(deadManEvents()).as("nothing reached the server while cut").isEmpty();

        // the host comes back (a new boot) and the cable works: its steps are on the timeline, once
        agent.close();
        relay.cut = false;
        agent = startAgent(UUID.randomUUID().toString());
        WatchdogTest.await("steps reported", Duration.ofSeconds(15), () -> deadManEvents().size() == 2);
        WatchdogTest.await("steps acknowledged", Duration.ofSeconds(10), () -> read(dir.resolve("state/dead-man.log.reported")).strip().equals("2"));
        Thread.sleep(4000);
        List<String> events = deadManEvents();
        assertThat(events).hasSize(2);
        assertThat(events.get(0)).startsWith("dead-man.restart-network agent 127.0.0.1 step 1 at ").contains("(the host's clock): nothing answered for");
        assertThat(events.get(1)).startsWith("dead-man.reboot agent 127.0.0.1 step 2 at ").contains("sync and reboot, 1 of at most 3 in 24 h");
    }

    @Test
    void maintenanceAnnouncedByTheServerHoldsTheSwitchAndTheHoldIsReportedOnceHeardAgain() throws Exception {
        agent = startAgent(UUID.randomUUID().toString());
        WatchdogTest.await("up", Duration.ofSeconds(15), () -> s.api("GET", "hosts/web1/watchdog", null).body().contains("\"up\""));
        ok(s.api("POST", "hosts/web1/watchdog", "{\"maintenance\":true,\"reason\":\"uplink swap\"}"));
        Thread.sleep(3000); // a few answers carrying it
        relay.cut = true;
        Thread.sleep(25_000); // two and a half periods
        assertThat(dir.resolve("restarts")).as("no restart in maintenance").doesNotExist();
        assertThat(Files.readString(dir.resolve("sysrq-trigger"))).as("no reboot in maintenance").isEmpty();
        List<String> journal = Files.readAllLines(dir.resolve("state/dead-man.log"));
        assertThat(journal).singleElement().satisfies(l -> assertThat(l).contains(" HELD nothing answered for 1",
                "but the server announced maintenance (manual, until it says otherwise): no network restart, no reboot"));
        relay.cut = false;
        WatchdogTest.await("hold reported", Duration.ofSeconds(15), () -> deadManEvents().size() == 1);
        assertThat(deadManEvents().getFirst()).startsWith("dead-man.held agent 127.0.0.1 step 1 at ");
    }

    static String read(Path p) {
        try {
            return Files.exists(p) ? Files.readString(p) : "";
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
