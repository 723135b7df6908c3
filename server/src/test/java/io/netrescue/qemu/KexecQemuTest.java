package io.netrescue.qemu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.netrescue.api.Json;
import io.netrescue.testing.TestServer;
import java.io.IOException;
import java.net.DatagramSocket;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code netrescue kernel try --kexec} against the real kexec-tools and a real kernel. The guest runs
 * the jlinked agent ({@code tools/guest/agent-guest.sh} with {@code WITH_KEXEC=1}: /sbin/kexec in the
 * initrd, {@code allowed-kexec = true}, {@code kexec-execute = direct}); the server is reached from the
 * guest at QEMU user networking's 10.0.2.2 (its public URL), the agent through a hostfwd of its UDP port.
 * The trial profile is the same Debian kernel with {@code tools/guest/hung-guest.sh}'s initrd, which
 * reports healthy with the token from its command line. The host's power driver is an {@code exec}
 * script that records every call and, for {@code cycle}, resets the VM through QEMU's monitor.
 */
@Tag("qemu")
class KexecQemuTest {
    static final List<String> FAILURES = List.of("NETRESCUE-AGENT-FAILED", "NETRESCUE-HUNG-GUEST-FAILED", "Kernel panic");
    static Path guests;

    @TempDir Path tmp;

    @BeforeAll
    static void buildGuests() throws Exception {
        Path repo = Path.of(System.getProperty("user.dir")).getParent();
        Path agentScript = repo.resolve("tools/guest/agent-guest.sh"), trialScript = repo.resolve("tools/guest/hung-guest.sh");
        Path agentDir = repo.resolve("agent/target/netrescue-agent");
        assumeTrue("0".equals(run(List.of("id", "-u"))), "needs root (the guest builds read /boot/vmlinuz-*)");
        assumeTrue(IpxeQemuTest.onPathPublic("qemu-system-x86_64"), "qemu-system-x86_64 not found (apt-get install qemu-system-x86)");
        assumeTrue(Files.isExecutable(Path.of("/sbin/kexec")), "/sbin/kexec not found (apt-get install kexec-tools)");
        assumeTrue(IpxeQemuTest.onPathPublic("socat"), "socat not found (apt-get install socat): the power script resets the VM with it");
        assumeTrue(Files.isExecutable(agentScript) && Files.isExecutable(trialScript), "missing " + agentScript + " or " + trialScript);
        assumeTrue(Files.isExecutable(agentDir.resolve("bin/netrescue-agent")),
                "no agent archive at " + agentDir + " (built by `mvn package` in the agent module, before the server's tests)");
        guests = Files.createTempDirectory("kexec-qemu");
        build(new ProcessBuilder("bash", agentScript.toString(), guests.resolve("agent").toString(), agentDir.toString()), "agent");
        build(new ProcessBuilder("bash", trialScript.toString(), guests.resolve("trial").toString()), "trial");
    }

    private static void build(ProcessBuilder pb, String name) throws Exception {
        pb.environment().put("WITH_KEXEC", "1");
        Path log = guests.resolve(name + "-build.log");
        Process p = pb.redirectErrorStream(true).redirectOutput(log.toFile()).start();
        assertTrue(p.waitFor(10, TimeUnit.MINUTES), name + " guest build took too long");
        assumeTrue(p.exitValue() != 3, name + " guest build says a prerequisite is missing:\n" + Files.readString(log));
        assertEquals(0, p.exitValue(), name + " guest build failed:\n" + Files.readString(log));
    }

    @AfterAll
    static void removeGuests() throws IOException {
        if (guests == null) return;
        try (Stream<Path> s = Files.walk(guests)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    /** The server on a port chosen here, so its public URL (what the guest reaches: 10.0.2.2) can name it. */
    static TestServer server() throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        return TestServer.start(List.of(), "local", Clock.systemUTC(),
                c -> c.withListen("127.0.0.1:" + port).withPublicUrl("http://10.0.2.2:" + port));
    }

    /** One lab: host vm (agent dialect through the hostfwd), its exec power script, the trial's files, the guest running. */
    record Lab(TestServer server, QemuVm vm, Path powerLog) implements AutoCloseable {
        @Override
        public void close() {
            vm.close();
            server.close();
        }
    }

    Lab lab(String trialCmdline) throws Exception {
        int agentPort;
        try (DatagramSocket s = new DatagramSocket(0)) {
            agentPort = s.getLocalPort();
        }
        TestServer server = server();
        try {
            cli(server, "host", "add", "vm", "--mac", "52:54:00:12:34:56");
            cli(server, "host", "sysrq", "vm", "--dialect", "agent", "--address", "127.0.0.1", "--agent-port", String.valueOf(agentPort),
                    "--allowed-keys", "sub");
            Path monitor = tmp.resolve("vm.monitor"), powerLog = tmp.resolve("power.log");
            Path power = tmp.resolve("power.sh");
            // a site power script: records the call; cycle presses the VM's reset (as a BMC would)
            Files.writeString(power, """
                    #!/bin/sh
                    echo "$1 $2" >> %s
                    case "$1" in
                      status) echo on ;;
                      cycle) echo system_reset | socat -t 1 - UNIX-CONNECT:%s >/dev/null ;;
                    esac
                    """.formatted(powerLog, monitor));
            Files.setPosixFilePermissions(power, PosixFilePermissions.fromString("rwx------"));
            cli(server, "host", "power", "vm", "--set", "exec", "command=" + power);
            Files.createDirectories(server.assets().resolve("trial"));
            Files.copy(guests.resolve("trial/vmlinuz"), server.assets().resolve("trial/vmlinuz"));
            Files.copy(guests.resolve("trial/initrd.gz"), server.assets().resolve("trial/initrd.gz"));
            cli(server, "profile", "add", "trial", "--kernel", "trial/vmlinuz", "--initrd", "trial/initrd.gz", "--cmdline", trialCmdline);

            // QEMU's user networking delivers our packets from 10.0.2.2: that is the agent's allowed source
            // and the operator turns kexec on, directly (no systemd in the guest)
            String generated = cli(server, "host", "agent-config", "vm", "--listen", "0.0.0.0:6099", "--allowed-source", "10.0.2.2/32");
            assertThat(generated).contains("allowed-kexec = false\n");
            String conf = generated.replace("allowed-kexec = false\n", "allowed-kexec = true\nkexec-execute = direct\n");
            String b64 = Base64.getEncoder().encodeToString(conf.getBytes(StandardCharsets.US_ASCII));
            QemuVm vm = QemuVm.start("kexec-guest", List.of("qemu-system-x86_64", "-accel", "tcg", "-m", "768", "-nographic",
                    "-kernel", guests.resolve("agent/vmlinuz").toString(), "-initrd", guests.resolve("agent/initrd.gz").toString(),
                    "-append", "console=ttyS0 panic=-1 nr.ip=10.0.2.15/24 nr.gw=10.0.2.2 nr.agentconf=" + b64,
                    "-netdev", "user,id=n0,hostfwd=udp:127.0.0.1:" + agentPort + "-10.0.2.15:6099", "-device", "virtio-net-pci,netdev=n0",
                    "-monitor", "unix:" + monitor + ",server,nowait"), tmp.resolve("serial.log"));
            var ready = vm.await("NETRESCUE-AGENT-READY", FAILURES, Duration.ofSeconds(240));
            if (!ready.found()) vm.close();
            assertTrue(ready.found(), ready.why() + "\n" + vm.tail(40));
            System.out.printf("[KexecQemuTest] agent ready %.1f s after QEMU started%n", ready.elapsed().toMillis() / 1000.0);
            return new Lab(server, vm, powerLog);
        } catch (Exception | Error e) {
            server.close();
            throw e;
        }
    }

    static final String TRIAL_NET = "console=ttyS0 panic=-1 nr.ip=10.0.2.15/24 nr.gw=10.0.2.2";

    @Test
    void theAgentKexecsIntoTheTrialKernelWhichReportsHealthyWithoutAPowerAction() throws Exception {
        try (Lab lab = lab(TRIAL_NET + " nr.server={server} nr.token={token}")) {
            QemuVm vm = lab.vm();
            String tried = cli(lab.server(), "kernel", "try", "vm", "--profile", "trial", "--kexec", "--deadline", "2m");
            var reported = vm.await("NETRESCUE-HUNG-GUEST-REPORTED", FAILURES, Duration.ofSeconds(240));
            assertTrue(reported.found(), reported.why() + "\n" + tried + "\n" + vm.tail(40) + "\n" + timeline(lab.server()));
            System.out.printf("[KexecQemuTest] trial kernel reported %.1f s after QEMU started%n", reported.elapsed().toMillis() / 1000.0);
            String serial = vm.serialText();
            // the old kernel handed over to the new one, no firmware in between: one SeaBIOS, two kernels
            assertThat(serial).contains("kexec_core: Starting new kernel", "NETRESCUE-HUNG-GUEST-UP");
            assertThat(XtSysrqQemuTest.count(serial, "SeaBIOS (version")).as(vm.tail(40)).isEqualTo(1);
            assertThat(XtSysrqQemuTest.count(serial, "Linux version ")).as(vm.tail(40)).isEqualTo(2);
            // the second kernel got the profile's command line, with the server the guest can reach
            assertThat(serial.substring(serial.indexOf("kexec_core: Starting new kernel")))
                    .containsPattern("Command line: " + TRIAL_NET + " nr.server=http://10.0.2.2:\\d+ nr.token=[0-9a-f]{48}");

            awaitEvent(lab.server(), "kernel.try-ok", Duration.ofSeconds(15));
            List<Json.EventJson> events = events(lab.server());
            List<String> kinds = events.stream().map(Json.EventJson::kind).toList();
            System.out.println("[KexecQemuTest] timeline:\n" + timeline(lab.server()));
            assertThat(kinds).as(timeline(lab.server())).containsSubsequence("kernel.try", "kernel.try-kexec-loaded", "boot.report", "kernel.try-ok");
            assertThat(kinds).as("a kexec trial that succeeds touches no power").noneMatch(k -> k.startsWith("power.") && !k.equals("power.configured"));
            assertThat(kinds).doesNotContain("kernel.try-failed", "kernel.try-kexec-refused");
            assertThat(events).filteredOn(e -> e.kind().equals("kernel.try-kexec-loaded")).singleElement()
                    .satisfies(e -> assertThat(e.reason()).contains("kexec -e"));
            assertThat(cli(lab.server(), "kernel", "status", "vm")).contains("succeeded");
            assertThat(read(lab.powerLog())).as("the power script was never called, not even for status").isEmpty();
        }
    }

    /** The trial kernel boots but never reports (its command line has no token): the deadline power cycles the VM. */
    @Test
    void aTrialKernelThatNeverReportsIsPowerCycledAtTheDeadline() throws Exception {
        try (Lab lab = lab(TRIAL_NET)) {
            QemuVm vm = lab.vm();
            cli(lab.server(), "kernel", "try", "vm", "--profile", "trial", "--kexec", "--deadline", "40s");
            var up = vm.await("NETRESCUE-HUNG-GUEST-UP", FAILURES, Duration.ofSeconds(240));
            assertTrue(up.found(), up.why() + "\n" + vm.tail(40) + "\n" + timeline(lab.server()));
            assertThat(vm.serialText()).contains("kexec_core: Starting new kernel").doesNotContain("NETRESCUE-HUNG-GUEST-REPORTED");
            // the power script resets the VM: the firmware starts again and boots the usual system (the agent guest)
            long end = System.nanoTime() + 90_000_000_000L;
            while (XtSysrqQemuTest.count(vm.serialText(), "SeaBIOS (version") < 2 && System.nanoTime() < end) Thread.sleep(200);
            System.out.printf("[KexecQemuTest] trial kernel up %.1f s, reset by the power script %.1f s after QEMU started%n",
                    up.elapsed().toMillis() / 1000.0, vm.elapsed().toMillis() / 1000.0);
            assertThat(XtSysrqQemuTest.count(vm.serialText(), "SeaBIOS (version")).as(vm.tail(40) + "\n" + timeline(lab.server())).isEqualTo(2);
            // ... into its usual system: the agent guest's /init runs again
            while (XtSysrqQemuTest.count(vm.serialText(), "NETRESCUE-AGENT-STARTING") < 2 && System.nanoTime() < end) Thread.sleep(200);
            assertThat(XtSysrqQemuTest.count(vm.serialText(), "NETRESCUE-AGENT-STARTING")).as(vm.tail(40)).isEqualTo(2);
            awaitEvent(lab.server(), "power.cycle", Duration.ofSeconds(10));
            List<String> kinds = events(lab.server()).stream().map(Json.EventJson::kind).toList();
            System.out.println("[KexecQemuTest] fallback timeline:\n" + timeline(lab.server()));
            assertThat(kinds).as(timeline(lab.server())).containsSubsequence("kernel.try", "kernel.try-kexec-loaded", "kernel.try-failed", "power.cycle");
            assertThat(kinds).doesNotContain("boot.report", "kernel.try-ok");
            assertThat(cli(lab.server(), "kernel", "status", "vm")).contains("failed", "no healthy report from profile trial within 40s");
            assertThat(read(lab.powerLog())).as("one power action, the fallback's cycle").isEqualTo("cycle vm\n");
        }
    }

    static String cli(TestServer s, String... args) {
        return XtSysrqQemuTest.cli(s, 0, args);
    }

    static String read(Path p) throws IOException {
        return Files.exists(p) ? Files.readString(p) : "";
    }

    static List<Json.EventJson> events(TestServer s) throws Exception {
        return Arrays.asList(Json.MAPPER.readValue(cli(s, "events", "vm", "--json", "-n", "500"), Json.EventJson[].class));
    }

    static String timeline(TestServer s) {
        try {
            return cli(s, "events", "vm", "-n", "500");
        } catch (RuntimeException | Error e) {
            return "(no timeline: " + e + ")";
        }
    }

    static void awaitEvent(TestServer s, String kind, Duration max) throws Exception {
        long end = System.nanoTime() + max.toNanos();
        while (events(s).stream().noneMatch(e -> e.kind().equals(kind)) && System.nanoTime() < end) Thread.sleep(500);
    }

    private static String run(List<String> cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        p.waitFor();
        return out;
    }
}
