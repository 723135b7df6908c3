package io.netrescue.watchdog;

import static io.netrescue.testing.TestServer.ok;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netrescue.agent.AgentConfig;
import io.netrescue.agent.AgentMain;
import io.netrescue.api.Json;
import io.netrescue.testing.TestServer;
import io.netrescue.watchdog.server.WatchdogSettings;
import java.io.StringReader;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The watchdog in the real server, fed by the real agent's heartbeats (a fake /proc gives it a boot
 * id): up, suspect, down, the ladder's steps on the timeline, overrides, and states that survive a
 * restart. Timings are shortened (1 s heartbeats, down after 1 s of suspicion).
 */
class WatchdogTest {
    @TempDir Path dir;
    TestServer s;
    AgentMain.Agent agent;

    static WatchdogSettings fast(List<WatchdogSettings.Policy> policies) {
        return WatchdogSettings.defaults().withListen("127.0.0.1:0").withTiming("1s", "1s", null, null).withPolicies(policies);
    }

    @BeforeEach
    void start() {
        s = TestServer.start(List.of(), "local", Clock.systemUTC(), c -> c.withWatchdog(fast(List.of(new WatchdogSettings.Policy(
                "test", "", List.of("wait 2s", "hands-on"), 2, "1h", 1.0, "0", null, null)))));
        ok(s.api("POST", "hosts", "{\"name\":\"web1\",\"macs\":[\"52:54:00:00:00:01\"]}"));
        ok(s.api("PUT", "hosts/web1/sysrq", "{\"dialect\":\"agent\",\"address\":\"127.0.0.1\"}"));
    }

    @AfterEach
    void stop() throws Exception {
        if (agent != null) agent.close();
        s.close();
    }

    @SuppressWarnings("unchecked")
    Map<String, Object> health() {
        return Json.MAPPER.readValue(ok(s.api("GET", "hosts/web1/watchdog", null)).body(), Map.class);
    }

    String state() {
        return (String) health().get("state");
    }

    List<String> timeline() {
        return s.server().watchdog().isPresent() ? eventsOf("web1") : List.of();
    }

    @SuppressWarnings("unchecked")
    List<String> eventsOf(String host) {
        List<Map<String, Object>> es = Json.MAPPER.readValue(ok(s.api("GET", "events?host=" + host + "&limit=1000", null)).body(), List.class);
        return es.stream().map(e -> e.get("kind") + " " + e.get("actor") + " " + e.getOrDefault("reason", "")).toList();
    }

    static void await(String what, Duration max, Supplier<Boolean> cond) throws InterruptedException {
        long end = System.nanoTime() + max.toNanos();
        while (!cond.get()) {
            if (System.nanoTime() > end) throw new AssertionError("timed out waiting for " + what);
            Thread.sleep(50);
        }
    }

    AgentMain.Agent startAgent(String bootId) throws Exception {
        int port = s.server().watchdog().orElseThrow().heartbeatAddress().orElseThrow().getPort();
        String conf = (String) Json.MAPPER.readValue(ok(s.api("GET", "hosts/web1/sysrq/agent-config?listen=127.0.0.1:0&heartbeat-to=127.0.0.1:" + port, null)).body(), Map.class).get("config");
        assertThat(conf).contains("heartbeat-to = 127.0.0.1:" + port);
        Properties p = new Properties();
        p.load(new StringReader(conf));
        p.setProperty("heartbeat-seconds", "1");
        p.setProperty("trigger", Files.createTempFile(dir, "trigger", "").toString());
        p.setProperty("state", dir.resolve("agent-state").toString());
        return AgentMain.Agent.start(AgentConfig.of(p, "test"), fakeProc(dir, bootId));
    }

    /** What the agent reads from /proc (boot id, kernel, uptime, load), under {@code dir/proc-BOOT}; its parent is the agent's root. */
    static Path fakeProc(Path dir, String bootId) throws java.io.IOException {
        Path proc = dir.resolve("proc-" + bootId);
        Files.createDirectories(proc.resolve("sys/kernel/random"));
        Files.writeString(proc.resolve("sys/kernel/random/boot_id"), bootId + "\n");
        Files.writeString(proc.resolve("sys/kernel/osrelease"), "6.1.0-test\n");
        Files.writeString(proc.resolve("uptime"), "12345.67 100.00\n");
        Files.writeString(proc.resolve("loadavg"), "0.25 0.10 0.05 1/100 4242\n");
        return proc;
    }

    @Test
    void aHostThatStopsIsSuspectedThenDownAndTheLadderRunsWithEveryStepOnTheTimeline() throws Exception {
        assertThat(state()).isEqualTo("unknown");
        String boot1 = UUID.randomUUID().toString();
        agent = startAgent(boot1);
        await("up", Duration.ofSeconds(10), () -> state().equals("up"));
        assertThat(health()).containsEntry("bootId", boot1).containsEntry("kernel", "6.1.0-test");
        assertThat((String) health().get("via")).startsWith("heartbeat from 127.0.0.1");
        Thread.sleep(3000); // steady heartbeats: still up
        assertThat(state()).isEqualTo("up");

        agent.close();
        agent = null;
        long stopped = System.nanoTime();
        await("suspect", Duration.ofSeconds(10), () -> !state().equals("up"));
        long suspectAfter = (System.nanoTime() - stopped) / 1_000_000;
        await("ladder run", Duration.ofSeconds(10), () -> state().equals("recovering"));
        await("hands-on step", Duration.ofSeconds(10), () -> timeline().stream().anyMatch(l -> l.startsWith("ladder.step-ok")));
        await("ladder over", Duration.ofSeconds(10), () -> state().equals("down"));
        List<String> t = timeline();
        assertThat(t).anySatisfy(l -> assertThat(l).startsWith("health.up watchdog heartbeat from 127.0.0.1"));
        assertThat(t).anySatisfy(l -> assertThat(l).startsWith("health.suspect watchdog nothing for"));
        assertThat(t).anySatisfy(l -> assertThat(l).startsWith("health.down watchdog"));
        assertThat(t).anySatisfy(l -> assertThat(l).startsWith("ladder.started watchdog policy test, run 1 of at most 2"));
        assertThat(t).anySatisfy(l -> assertThat(l).startsWith("ladder.step watchdog step 1/2: wait 2s"));
        assertThat(t).anySatisfy(l -> assertThat(l).startsWith("ladder.step-ok watchdog step 2 (hands-on): no hands-on webhook configured"));
        assertThat(t).anySatisfy(l -> assertThat(l).startsWith("ladder.exhausted watchdog every step tried"));
        assertThat(suspectAfter).as("suspicion of a silent 1 s heartbeat (3 losses tolerated), ms").isBetween(4000L, 8000L);

        // the state survives a restart: still down, and the host is not forgotten
        s.restart();
        assertThat(state()).isEqualTo("down");

        // it comes back (new boot): up again, with the reboot recorded
        String boot2 = UUID.randomUUID().toString();
        agent = startAgent(boot2);
        await("up again", Duration.ofSeconds(10), () -> state().equals("up"));
        assertThat(health()).containsEntry("bootId", boot2);
    }

    /** Issue 15, item 2: the agent reports its xt_SYSRQ module in heartbeats; an xt configuration warns from that report. */
    @Test
    void heartbeatsReportTheXtSysrqModuleAndAnXtConfigurationWarnsFromIt() throws Exception {
        // the agent's root is the parent of its proc directory: a Debian 12 DKMS tree there
        Files.createDirectories(dir.resolve("var/lib/dkms/xtables-addons/3.23"));
        agent = startAgent(UUID.randomUUID().toString());
        await("reported", Duration.ofSeconds(10), () -> "3.23".equals(health().get("xtSysrq")));
        String put = ok(s.api("PUT", "hosts/web1/sysrq", "{\"dialect\":\"xt\",\"address\":\"127.0.0.1\",\"password\":\"pw\"}")).body();
        assertThat(put).contains("reports xt_SYSRQ from xtables-addons 3.23", "fixed in 3.26");
        assertThat(s.api("GET", "hosts/web1/sysrq", null).body()).contains("reports xt_SYSRQ from xtables-addons 3.23");

        // the module is upgraded and the agent restarted: a fixed module, no warning
        agent.close();
        Files.createDirectories(dir.resolve("var/lib/dkms/xtables-addons/3.27"));
        agent = startAgent(UUID.randomUUID().toString());
        await("3.27 reported", Duration.ofSeconds(10), () -> "3.27".equals(health().get("xtSysrq")));
        assertThat(s.api("GET", "hosts/web1/sysrq", null).body()).doesNotContain("\"warning\"");

        // an agent dialect says nothing of xt; a host that reports nothing gets the general warning
        assertThat(ok(s.api("PUT", "hosts/web1/sysrq", "{\"dialect\":\"agent\"}")).body()).doesNotContain("\"warning\"");
        agent.close();
        agent = null;
        ok(s.api("POST", "hosts", "{\"name\":\"web2\",\"macs\":[\"52:54:00:00:00:02\"]}"));
        assertThat(ok(s.api("PUT", "hosts/web2/sysrq", "{\"dialect\":\"xt\",\"address\":\"127.0.0.2\",\"password\":\"pw\"}")).body())
                .contains("Make sure this host runs 3.26 or later");
    }

    @Test
    void forgedStaleAndReplayedHeartbeatsDoNotKeepAHostAlive() throws Exception {
        agent = startAgent(UUID.randomUUID().toString());
        await("up", Duration.ofSeconds(10), () -> state().equals("up"));
        // capture what the agent sends by pointing a second, identical agent at our socket
        InetSocketAddress hb = s.server().watchdog().orElseThrow().heartbeatAddress().orElseThrow();
        byte[] key = java.util.HexFormat.of().parseHex(((String) Json.MAPPER.readValue(ok(s.api("GET",
                "hosts/web1/sysrq/agent-config?listen=127.0.0.1:0", null)).body(), Map.class).get("config")).lines()
                .filter(l -> l.startsWith("key = ")).findFirst().orElseThrow().substring(6));
        agent.close();
        agent = null;
        await("suspect", Duration.ofSeconds(10), () -> !state().equals("up"));
        long rejectedBefore = s.server().watchdog().orElseThrow().heartbeatsRejected();
        UUID boot = UUID.fromString((String) health().get("bootId"));
        try (DatagramSocket sock = new DatagramSocket()) {
            long now = System.currentTimeMillis();
            // authentic but recorded long ago: stale
            send(sock, hb, io.netrescue.watchdog.HeartbeatCodec.encode(new Heartbeat("web1", boot, 99_999_999, now - 600_000, 1, 0, "x"), key));
            // forged: the wrong key
            send(sock, hb, io.netrescue.watchdog.HeartbeatCodec.encode(new Heartbeat("web1", boot, 99_999_999, now, 1, 0, "x"), new byte[32]));
            // a replayed sequence number of this boot
            send(sock, hb, io.netrescue.watchdog.HeartbeatCodec.encode(new Heartbeat("web1", boot, 1, now, 1, 0, "x"), key));
        }
        Thread.sleep(500);
        assertThat(s.server().watchdog().orElseThrow().heartbeatsRejected()).isEqualTo(rejectedBefore + 1); // the forgery; the others were authentic but refused
        await("down", Duration.ofSeconds(10), () -> List.of("down", "recovering").contains(state()));
    }

    /**
     * Found in RepairJobQemuTest: when a rescue activation ended and the host was power cycled out of its
     * rescue system, the rescue system's last heartbeats (a second old) made the host "up" before its own
     * system had booted. Heartbeats from before the boot mode left rescue never make a host up.
     */
    @Test
    void theRescueSystemsLastHeartbeatsDoNotMakeTheHostUpOnceRescueEnds() throws Exception {
        ok(s.api("POST", "profiles", "{\"name\":\"rescue\",\"kernel\":\"rescue/vmlinuz\"}"));
        ok(s.api("PUT", "hosts/web1/boot", "{\"mode\":\"rescue\",\"profile\":\"rescue\"}"));
        agent = startAgent(UUID.randomUUID().toString());
        await("rescue", Duration.ofSeconds(15), () -> state().equals("rescue"));
        agent.close(); // its rescue system is rebooted away...
        agent = null;
        ok(s.api("PUT", "hosts/web1/boot", "{\"mode\":\"local\"}")); // ...as its activation ends
        await("suspect", Duration.ofSeconds(15), () -> List.of("suspect", "down", "recovering").contains(state()));
        assertThat(timeline()).as("no up from the rescue system's heartbeats").noneSatisfy(l -> assertThat(l).startsWith("health.up"));
        agent = startAgent(UUID.randomUUID().toString()); // its own system boots and heartbeats
        await("up", Duration.ofSeconds(15), () -> state().equals("up"));
    }

    /**
     * The answer an agent's dead-man switch waits for: only a counted heartbeat gets one (not a forged,
     * stale or replayed one), it echoes the heartbeat and says whether the host is in maintenance.
     */
    /** Attack finding F4/F5: recorded dead-man reports replayed (another boot, a forged source, a flood) added events again and reflected acks. */
    @Test
    void deadManReportsAreTakenOnlyFromTheHeartbeatsBootAndAddressOnceASecond() throws Exception {
        InetSocketAddress hb = s.server().watchdog().orElseThrow().heartbeatAddress().orElseThrow();
        byte[] key = java.util.HexFormat.of().parseHex(((String) Json.MAPPER.readValue(ok(s.api("GET",
                "hosts/web1/sysrq/agent-config?listen=127.0.0.1:0", null)).body(), Map.class).get("config")).lines()
                .filter(l -> l.startsWith("key = ")).findFirst().orElseThrow().substring(6));
        UUID boot = UUID.randomUUID(), old = UUID.randomUUID();
        java.util.function.IntFunction<byte[]> report = id -> io.netrescue.watchdog.DeadManReportCodec.encode(new io.netrescue.watchdog.DeadManReport(
                "web1", boot, List.of(new io.netrescue.watchdog.DeadManReport.Step(id, 1_700_000_000_000L + id, "reboot", "step " + id))), key);
        try (DatagramSocket sock = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0));
             DatagramSocket other = new DatagramSocket(new InetSocketAddress("127.0.0.3", 0))) {
            sock.setSoTimeout(500);
            other.setSoTimeout(500);
            io.netrescue.watchdog.HeartbeatAnswer a = null;
            for (int seq = 1; a == null && seq <= 12; seq++) {
                send(sock, hb, io.netrescue.watchdog.HeartbeatCodec.encode(new Heartbeat("web1", boot, seq, System.currentTimeMillis(), 1, 0, "x"), key));
                try {
                    a = receiveAnswer(sock, key);
                } catch (java.net.SocketTimeoutException e) {
                    // not tracked yet
                }
            }
            assertThat(a).as("heard").isNotNull();
            // another boot's report (recorded earlier) and one from an address the heartbeats did not come from: no ack, nothing stored
            send(sock, hb, io.netrescue.watchdog.DeadManReportCodec.encode(new io.netrescue.watchdog.DeadManReport("web1", old,
                    List.of(new io.netrescue.watchdog.DeadManReport.Step(1, 1_700_000_000_000L, "reboot", "old boot"))), key));
            send(other, hb, report.apply(1));
            assertThatThrownBy(() -> sock.receive(new DatagramPacket(new byte[512], 512))).isInstanceOf(java.net.SocketTimeoutException.class);
            assertThatThrownBy(() -> other.receive(new DatagramPacket(new byte[512], 512))).isInstanceOf(java.net.SocketTimeoutException.class);
            // the real one: stored and acked; a burst right after it is dropped; the same report a second later is acked, not stored again
            send(sock, hb, report.apply(1));
            sock.receive(new DatagramPacket(new byte[512], 512));
            for (int i = 2; i < 50; i++) send(sock, hb, report.apply(i));
            Thread.sleep(1100);
            send(sock, hb, report.apply(1));
            sock.receive(new DatagramPacket(new byte[512], 512));
            List<String> kinds = timeline().stream().filter(l -> l.startsWith("dead-man.")).toList();
            assertThat(kinds).as("one step stored once").hasSize(1).allSatisfy(l -> assertThat(l).contains("step 1 "));
        }
    }

    @Test
    void aCountedHeartbeatIsAnsweredWithItsEchoAndTheMaintenanceState() throws Exception {
        InetSocketAddress hb = s.server().watchdog().orElseThrow().heartbeatAddress().orElseThrow();
        byte[] key = java.util.HexFormat.of().parseHex(((String) Json.MAPPER.readValue(ok(s.api("GET",
                "hosts/web1/sysrq/agent-config?listen=127.0.0.1:0", null)).body(), Map.class).get("config")).lines()
                .filter(l -> l.startsWith("key = ")).findFirst().orElseThrow().substring(6));
        UUID boot = UUID.randomUUID();
        try (DatagramSocket sock = new DatagramSocket()) {
            // the watchdog learns of a new host within its inventory refresh (5 s): heartbeat until answered
            sock.setSoTimeout(500);
            long now = System.currentTimeMillis();
            io.netrescue.watchdog.HeartbeatAnswer a = null;
            for (int seq = 990; a == null && seq <= 1000; seq++) {
                send(sock, hb, io.netrescue.watchdog.HeartbeatCodec.encode(new Heartbeat("web1", boot, seq, now, 1, 0, "x"), key));
                try {
                    a = receiveAnswer(sock, key);
                } catch (java.net.SocketTimeoutException e) {
                    now = System.currentTimeMillis();
                }
            }
            assertThat(a).as("an answer within 5 s").isNotNull();
            long answered = a.seq();
            assertThat(a).isEqualTo(new io.netrescue.watchdog.HeartbeatAnswer("web1", boot, answered, a.serverMillis(),
                    io.netrescue.watchdog.HeartbeatAnswer.Maintenance.NONE, 0));
            assertThat(a.serverMillis()).isCloseTo(now, org.assertj.core.data.Offset.offset(5000L));

            // forged, stale and replayed: no answer
            send(sock, hb, io.netrescue.watchdog.HeartbeatCodec.encode(new Heartbeat("web1", boot, 2000, now, 1, 0, "x"), new byte[32]));
            send(sock, hb, io.netrescue.watchdog.HeartbeatCodec.encode(new Heartbeat("web1", boot, 2001, now - 600_000, 1, 0, "x"), key));
            send(sock, hb, io.netrescue.watchdog.HeartbeatCodec.encode(new Heartbeat("web1", boot, answered, now, 1, 0, "x"), key));
            sock.setSoTimeout(1000);
            assertThatThrownBy(() -> sock.receive(new DatagramPacket(new byte[512], 512))).isInstanceOf(java.net.SocketTimeoutException.class);

            ok(s.api("POST", "hosts/web1/watchdog", "{\"maintenance\":true,\"reason\":\"disk swap\"}"));
            sock.setSoTimeout(2000);
            send(sock, hb, io.netrescue.watchdog.HeartbeatCodec.encode(new Heartbeat("web1", boot, 3000, System.currentTimeMillis(), 1, 0, "x"), key));
            io.netrescue.watchdog.HeartbeatAnswer m = receiveAnswer(sock, key);
            assertThat(m.seq()).isEqualTo(3000);
            assertThat(m.maintenance()).isEqualTo(io.netrescue.watchdog.HeartbeatAnswer.Maintenance.MANUAL);
        }
    }

    static io.netrescue.watchdog.HeartbeatAnswer receiveAnswer(DatagramSocket sock, byte[] key) throws Exception {
        DatagramPacket p = new DatagramPacket(new byte[512], 512);
        sock.receive(p);
        return io.netrescue.watchdog.HeartbeatAnswerCodec.decode(java.nio.ByteBuffer.wrap(p.getData(), 0, p.getLength()),
                h -> java.util.Optional.of(key));
    }

    static void send(DatagramSocket s, InetSocketAddress to, byte[] b) throws Exception {
        s.send(new DatagramPacket(b, b.length, to));
    }

    @Test
    void operatorsCanHoldAndDriveTheLadder() throws Exception {
        ok(s.api("POST", "hosts/web1/watchdog", "{\"silence\":\"1h\",\"reason\":\"kernel test\"}"));
        upThenDownAndHeld();
        assertThat((String) health().get("held")).contains("silenced until", "kernel test");
        Thread.sleep(1500);
        assertThat(timeline()).noneMatch(l -> l.startsWith("ladder.started"));
        // an operator starts it anyway, pauses, resumes and aborts it: each on the timeline with who did it
        ok(s.api("POST", "hosts/web1/watchdog", "{\"ladder\":\"start\"}"));
        assertThat(state()).isEqualTo("recovering");
        ok(s.api("POST", "hosts/web1/watchdog", "{\"ladder\":\"pause\"}"));
        assertThat(health()).containsEntry("ladderPaused", true);
        Thread.sleep(2500);
        assertThat(timeline()).noneMatch(l -> l.startsWith("ladder.step-ok"));
        ok(s.api("POST", "hosts/web1/watchdog", "{\"ladder\":\"abort\"}"));
        assertThat(s.api("POST", "hosts/web1/watchdog", "{\"ladder\":\"skip\"}").status()).isEqualTo(400);
        assertThat(s.api("POST", "hosts/web1/watchdog", "{\"ladder\":\"jump\"}").body()).contains("start, pause, resume, skip or abort");
        assertThat(timeline()).anySatisfy(l -> assertThat(l).startsWith("ladder.started api:127.0.0.1"))
                .anySatisfy(l -> assertThat(l).startsWith("ladder.paused api:127.0.0.1"))
                .anySatisfy(l -> assertThat(l).startsWith("ladder.aborted api:127.0.0.1"))
                .anySatisfy(l -> assertThat(l).startsWith("ladder.silenced api:127.0.0.1 no ladder actions until"));
        ok(s.api("POST", "hosts/web1/watchdog", "{\"maintenance\":true,\"reason\":\"disk swap\"}"));
        assertThat(state()).isEqualTo("maintenance");
        s.restart();
        assertThat(state()).isEqualTo("maintenance");
        assertThat(health()).containsEntry("maintenance", true);
    }

    /**
     * A reboot netrescue causes (into or out of rescue) holds the ladder while the machine boots: the
     * hold extends an operator's silence but never shortens it, and its release lifts only itself.
     */
    @Test
    void aRebootNetrescueCausedHoldsTheLadderWithoutOverridingAnOperatorsSilence() throws Exception {
        var w = s.server().watchdog().orElseThrow();
        String booting = "rescue activation 7 is booting";
        ok(s.api("POST", "hosts/web1/watchdog", "{\"silence\":\"1h\",\"reason\":\"kernel test\"}"));
        Object operators = health().get("silencedUntil");
        w.hold("web1", Duration.ofMinutes(10), booting, "", "api:op");
        w.release("web1", booting, "rescue");
        assertThat(health()).containsEntry("silencedUntil", operators).containsEntry("silenceReason", "kernel test");

        ok(s.api("POST", "hosts/web1/watchdog", "{\"silence\":\"0\"}"));
        w.hold("web1", Duration.ofMinutes(10), booting, "", "api:op");
        w.release("web1", "rescue activation 6 is booting", "rescue"); // not its own: stays
        assertThat(health()).containsEntry("silenceReason", booting);
        upThenDownAndHeld();
        assertThat((String) health().get("held")).contains("silenced until", booting);
        Thread.sleep(1500);
        assertThat(timeline()).noneMatch(l -> l.startsWith("ladder.started"));
        // ready: replaced by a short hold in one step, then that one is released too
        String ready = "rescue activation 7 is ready, its agent not heard yet";
        w.hold("web1", Duration.ofSeconds(30), ready, booting, "rescue");
        assertThat(health()).containsEntry("silenceReason", ready);
        w.hold("web1", Duration.ofMillis(1), "a shorter one", "", "rescue"); // not replacing anything: cannot shorten
        assertThat(health()).containsEntry("silenceReason", ready);
        Thread.sleep(1500);
        assertThat(timeline()).noneMatch(l -> l.startsWith("ladder.started"));
        w.release("web1", ready, "rescue");
        await("the ladder starts once the hold is over", Duration.ofSeconds(10), () -> timeline().stream().anyMatch(l -> l.startsWith("ladder.started")));
        assertThat(timeline()).anySatisfy(l -> assertThat(l).startsWith("ladder.silenced api:op no ladder actions until").endsWith(booting))
                .anySatisfy(l -> assertThat(l).startsWith("ladder.silenced rescue no ladder actions until").endsWith(ready))
                .anySatisfy(l -> assertThat(l).isEqualTo("ladder.silenced rescue silence lifted (it was: " + ready + ")"));
    }

    /** The host's agent heartbeats, then stops: the host goes down and, being silenced, is held. */
    private void upThenDownAndHeld() throws Exception {
        agent = startAgent(UUID.randomUUID().toString());
        await("up", Duration.ofSeconds(10), () -> state().equals("up"));
        agent.close();
        agent = null;
        await("down", Duration.ofSeconds(10), () -> state().equals("down"));
        await("held", Duration.ofSeconds(5), () -> health().get("held") != null);
    }
}
