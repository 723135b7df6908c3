package io.netrescue.boot.trial;

import static io.netrescue.testing.TestServer.ok;
import static org.assertj.core.api.Assertions.assertThat;

import io.netrescue.agent.AgentConfig;
import io.netrescue.agent.AgentMain;
import io.netrescue.api.Json;
import io.netrescue.testing.MutableClock;
import io.netrescue.testing.TestServer;
import java.io.StringReader;
import java.net.InetSocketAddress;
import java.nio.channels.DatagramChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code netrescue kernel try --kexec} end to end on loopback: the real server, the real agent fetching
 * and verifying over HTTP, a stand-in for kexec-tools that records its arguments and, on {@code -e},
 * "boots" the loaded command line by reporting with its token (curl), and a site power script (exec
 * driver) that records every power action.
 */
class KexecTrialTest {
    @TempDir Path dir;
    MutableClock clock = new MutableClock(Instant.now());
    TestServer s;
    byte[] kernel = random(300_000, 1), initrd1 = random(200_000, 2), initrd2 = random(1_000, 3);

    static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    @BeforeEach
    void start() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/curl")), "the kexec stand-in reports with curl (apt-get install curl)");
        s = TestServer.start(List.of(), "local", clock);
        ok(s.api("POST", "hosts", "{\"name\":\"web1\",\"macs\":[\"52:54:00:00:00:01\"]}"));
        Files.createDirectories(s.assets().resolve("k612"));
        Files.write(s.assets().resolve("k612/vmlinuz"), kernel);
        Files.write(s.assets().resolve("k612/initrd.img"), initrd1);
        Files.write(s.assets().resolve("k612/extra.cpio"), initrd2);
        ok(s.api("POST", "profiles", "{\"name\":\"k612\",\"kernel\":\"k612/vmlinuz\",\"initrds\":[\"k612/initrd.img\",\"k612/extra.cpio\"],"
                + "\"cmdline\":\"console=ttyS0 nr.token={token} nr.server={server} nr.host={host}\"}"));
        Path power = script("power.sh", "echo \"$1\" >> " + dir.resolve("power.log") + "\n[ \"$1\" = status ] && echo on\nexit 0\n");
        ok(s.api("PUT", "hosts/web1/power/exec", "{\"settings\":{\"command\":\"" + power + "\"}}"));
        script("kexec", """
                # stands in for kexec-tools: records its arguments; -l keeps what it was given, -e "boots" it
                printf '%s\\n' "$*" >> D/kexec.log
                case "$1" in
                  -l) cp "$2" D/loaded-kernel
                      for a in "$@"; do case "$a" in
                        --initrd=*) cp "${a#--initrd=}" D/loaded-initrd ;;
                        --command-line=*) printf '%s' "${a#--command-line=}" > D/loaded-cmdline ;;
                      esac; done ;;
                  -e) for w in $(cat D/loaded-cmdline); do case "$w" in
                        nr.token=*) tok=${w#nr.token=} ;;
                        nr.server=*) srv=${w#nr.server=} ;;
                      esac; done
                      curl -fsS -X POST "$srv/boot/report?token=$tok&status=ok" >> D/kexec.log 2>&1 ;;
                esac
                """.replace("D/", dir + "/"));
    }

    @AfterEach
    void stop() {
        if (s != null) s.close();
    }

    Path script(String name, String body) throws Exception {
        Path p = dir.resolve(name);
        Files.writeString(p, "#!/bin/sh\n" + body);
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwx------"));
        return p;
    }

    static int freeUdpPort() throws Exception {
        try (DatagramChannel c = DatagramChannel.open().bind(new InetSocketAddress("127.0.0.1", 0))) {
            return ((InetSocketAddress) c.getLocalAddress()).getPort();
        }
    }

    /** The agent as the server configures it, plus kexec settings; the server is told its port. */
    AgentMain.Agent agent(int port, boolean allowKexec) throws Exception {
        ok(s.api("PUT", "hosts/web1/sysrq", "{\"dialect\":\"agent\",\"address\":\"127.0.0.1\",\"agentPort\":" + port + "}"));
        String conf = (String) Json.MAPPER.readValue(ok(s.api("GET", "hosts/web1/sysrq/agent-config?listen=127.0.0.1:" + port, null)).body(),
                Map.class).get("config");
        Properties p = new Properties();
        p.load(new StringReader(conf));
        p.setProperty("trigger", Files.createFile(dir.resolve("trigger-" + port)).toString());
        p.setProperty("state", dir.resolve("agent-state").toString());
        p.setProperty("allowed-kexec", String.valueOf(allowKexec));
        p.setProperty("kexec-dir", dir.resolve("run-kexec").toString());
        p.setProperty("kexec-command", dir.resolve("kexec").toString());
        p.setProperty("kexec-execute", "direct");
        return AgentMain.Agent.start(AgentConfig.of(p, "test"));
    }

    String events() {
        return s.api("GET", "events?host=web1&limit=100", null).body();
    }

    String awaitEvent(String kind) throws Exception {
        long end = System.nanoTime() + 15_000_000_000L;
        String ev = events();
        while (!ev.contains("\"" + kind + "\"") && System.nanoTime() < end) {
            Thread.sleep(100);
            ev = events();
        }
        assertThat(ev).as("waiting for " + kind).contains("\"" + kind + "\"");
        return ev;
    }

    @SuppressWarnings("unchecked")
    Map<String, Object> trial() throws Exception {
        return (Map<String, Object>) Json.MAPPER.readValue(ok(s.api("GET", "hosts/web1/kernel-try", null)).body(), List.class).getFirst();
    }

    String file(String name) throws Exception {
        Path p = dir.resolve(name);
        return Files.exists(p) ? Files.readString(p) : "";
    }

    @Test
    void theAgentFetchesVerifiesAndKexecsAndTheNewKernelsReportEndsTheTrial() throws Exception {
        String modeBefore = s.api("GET", "hosts/web1", null).body().replaceAll("(?s).*\"boot\":(\\{[^}]*}).*", "$1");
        try (AgentMain.Agent a = agent(freeUdpPort(), true)) {
            @SuppressWarnings("unchecked") Map<String, Object> t = Json.MAPPER.readValue(ok(s.api("POST", "hosts/web1/kernel-try", "{\"profile\":\"k612\",\"deadline\":\"5m\",\"kexec\":true}")).body(), Map.class);
            assertThat(t).containsEntry("kexec", true).containsEntry("state", "armed");
            String ev = awaitEvent("kernel.try-ok");
            assertThat(ev).contains("kernel.try-kexec-loaded", "loaded kernel 300000 B, 2 initrd(s) 201000 B; kexec -e", "by kexec (boot mode unchanged)")
                    .doesNotContain("kernel.try-failed");
            assertThat(trial()).containsEntry("state", "succeeded");
            // kexec-tools got exactly the verified files and the rendered command line, then -e
            String log = file("kexec.log");
            Path run = dir.resolve("run-kexec");
            Matcher m = Pattern.compile("-l " + Pattern.quote(run + "/kernel") + " --initrd=" + Pattern.quote(run + "/initrd")
                    + " --command-line=console=ttyS0 nr.token=([0-9a-f]{48}) nr.server=" + Pattern.quote(s.url().toString()) + " nr.host=web1\n-e\n").matcher(log);
            assertThat(m.find()).as(log).isTrue();
            assertThat(log).contains("recorded for web1");
            assertThat(Files.readAllBytes(dir.resolve("loaded-kernel"))).isEqualTo(kernel);
            byte[] both = new byte[initrd1.length + initrd2.length];
            System.arraycopy(initrd1, 0, both, 0, initrd1.length);
            System.arraycopy(initrd2, 0, both, initrd1.length, initrd2.length);
            assertThat(Files.readAllBytes(dir.resolve("loaded-initrd"))).isEqualTo(both);
            assertThat(PosixFilePermissionsOf(run)).isEqualTo("rwx------");
            // no network boot was arranged and nothing was power cycled
            assertThat(s.api("GET", "hosts/web1", null).body()).contains(modeBefore);
            assertThat(file("power.log")).isEmpty();
            // the manifest is served to whoever holds the token and nobody else
            assertThat(s.request("GET", "/kexec/manifest?token=" + m.group(1), null, null).body()).startsWith("netrescue-kexec-manifest 1\nkernel 300000 ");
            assertThat(s.request("GET", "/kexec/manifest?token=" + "0".repeat(48), null, null).status()).isEqualTo(404);
            assertThat(a.count("KEXEC_LOADED")).isEqualTo(1);
        }
    }

    static String PosixFilePermissionsOf(Path p) throws Exception {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
    }

    @Test
    void aChecksumMismatchIsRefusedAndLeavesTheHostAloneWithoutAPowerCycle() throws Exception {
        int port = freeUdpPort();
        ok(s.api("PUT", "hosts/web1/sysrq", "{\"dialect\":\"agent\",\"address\":\"127.0.0.1\",\"agentPort\":" + port + "}"));
        ok(s.api("POST", "hosts/web1/kernel-try", "{\"profile\":\"k612\",\"deadline\":\"5m\",\"kexec\":true}"));
        // the kernel changes after the server hashed it and before the agent (not yet listening) fetches it
        byte[] tampered = kernel.clone();
        tampered[1234] ^= 1;
        Files.write(s.assets().resolve("k612/vmlinuz"), tampered);
        try (AgentMain.Agent a = agent(port, true)) {
            String ev = awaitEvent("kernel.try-failed");
            assertThat(ev).contains("kernel.try-kexec-refused", "kernel checksum mismatch", "kept running its system, so no power cycle");
            assertThat(trial()).containsEntry("state", "failed");
            assertThat((String) trial().get("detail")).isEqualTo("the agent refused the kexec: kernel checksum mismatch");
            assertThat(file("kexec.log")).isEmpty();
            assertThat(file("power.log")).isEmpty();
            assertThat(a.count("KEXEC_REFUSED")).isEqualTo(1);
        }
    }

    @Test
    void anAgentWithoutAllowedKexecRefuses() throws Exception {
        try (AgentMain.Agent a = agent(freeUdpPort(), false)) {
            ok(s.api("POST", "hosts/web1/kernel-try", "{\"profile\":\"k612\",\"deadline\":\"5m\",\"kexec\":true}"));
            assertThat(awaitEvent("kernel.try-failed")).contains("kexec not allowed here (allowed-kexec = false)");
            assertThat(file("kexec.log")).isEmpty();
            assertThat(file("power.log")).isEmpty();
        }
    }

    @Test
    void silenceUntilTheDeadlinePowerCyclesIntoTheUsualBoot() throws Exception {
        // kexec "works" but the new kernel never reports
        script("kexec", "printf '%s\\n' \"$*\" >> " + dir.resolve("kexec.log") + "\n");
        try (AgentMain.Agent a = agent(freeUdpPort(), true)) {
            ok(s.api("POST", "hosts/web1/kernel-try", "{\"profile\":\"k612\",\"deadline\":\"1m\",\"kexec\":true}"));
            awaitEvent("kernel.try-kexec-loaded");
            clock.advance(Duration.ofSeconds(61));
            String ev = awaitEvent("kernel.try-failed");
            assertThat(ev).contains("no healthy report from profile k612 within 1m");
            long end = System.nanoTime() + 10_000_000_000L;
            while (!file("power.log").contains("cycle") && System.nanoTime() < end) Thread.sleep(100);
            assertThat(file("power.log")).contains("cycle");
            assertThat(file("kexec.log")).contains("-e\n");
        }
    }

    @Test
    void kexecTrialsAreRefusedUpFrontWhenTheyCannotWork() throws Exception {
        // no SysRq/agent settings: the server does not know where the agent is
        assertThat(s.api("POST", "hosts/web1/kernel-try", "{\"profile\":\"k612\",\"kexec\":true}").body()).contains("has no SysRq settings");
        ok(s.api("PUT", "hosts/web1/sysrq", "{\"dialect\":\"agent\",\"address\":\"127.0.0.1\",\"agentPort\":9}"));
        ok(s.api("POST", "profiles", "{\"name\":\"remote\",\"kernel\":\"http://mirror.invalid/vmlinuz\",\"cmdline\":\"x\"}"));
        TestServer.Reply r = s.api("POST", "hosts/web1/kernel-try", "{\"profile\":\"remote\",\"kexec\":true}");
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.body()).contains("is a URL", "put the file in the assets directory");
        assertThat(s.api("POST", "hosts/web1/kernel-try", "{\"profile\":\"k612\",\"kexec\":true,\"reboot\":true}").body()).contains("leave out reboot");
        assertThat(s.api("GET", "hosts/web1/kernel-try", null).body().strip()).isEqualTo("[]");
    }
}
