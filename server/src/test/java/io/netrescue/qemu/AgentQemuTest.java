package io.netrescue.qemu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.netrescue.testing.TestServer;
import java.net.DatagramSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent dialect against a real kernel: a Debian kernel whose initrd runs the jlinked agent
 * archive (no JDK in the guest) as its only service. `netrescue sysrq vm sb` is acknowledged by the
 * agent, the kernel syncs and resets, and the firmware starts again on the serial console.
 * The guest is built by tools/guest/agent-guest.sh from agent/target/netrescue-agent.
 */
@Tag("qemu")
class AgentQemuTest {
    @TempDir Path tmp;

    @Test
    void cliRebootsARealKernelThroughTheJlinkedAgent() throws Exception {
        Path repo = Path.of(System.getProperty("user.dir")).getParent();
        Path script = repo.resolve("tools/guest/agent-guest.sh");
        Path agentDir = repo.resolve("agent/target/netrescue-agent");
        assumeTrue(Files.isExecutable(script), "missing " + script);
        assumeTrue(Files.isExecutable(agentDir.resolve("bin/netrescue-agent")),
                "no agent archive at " + agentDir + " (built by `mvn package` in the agent module, before the server's tests)");
        assumeTrue(IpxeQemuTest.onPathPublic("qemu-system-x86_64"), "qemu-system-x86_64 not found (apt-get install qemu-system-x86)");
        Path out = tmp.resolve("guest");
        Process build = new ProcessBuilder("bash", script.toString(), out.toString(), agentDir.toString()).redirectErrorStream(true)
                .redirectOutput(tmp.resolve("build.log").toFile()).start();
        assertTrue(build.waitFor(10, TimeUnit.MINUTES), "guest build took too long");
        assumeTrue(build.exitValue() != 3, "guest build says a prerequisite is missing:\n" + Files.readString(tmp.resolve("build.log")));
        assertEquals(0, build.exitValue(), "guest build failed:\n" + Files.readString(tmp.resolve("build.log")));

        int port;
        try (DatagramSocket s = new DatagramSocket(0)) {
            port = s.getLocalPort();
        }
        try (TestServer server = TestServer.start()) {
            XtSysrqQemuTest.cli(server, 0, "host", "add", "vm", "--mac", "52:54:00:12:34:56");
            XtSysrqQemuTest.cli(server, 0, "host", "sysrq", "vm", "--dialect", "agent", "--address", "127.0.0.1",
                    "--agent-port", String.valueOf(port), "--allowed-keys", "sub");
            // QEMU's user networking delivers our packets from 10.0.2.2: that is the agent's allowed source
            String conf = XtSysrqQemuTest.cli(server, 0, "host", "agent-config", "vm", "--listen", "0.0.0.0:6099",
                    "--allowed-source", "10.0.2.2/32");
            String b64 = Base64.getEncoder().encodeToString(conf.getBytes(StandardCharsets.US_ASCII));
            try (QemuVm vm = QemuVm.start("agent-guest", List.of("qemu-system-x86_64", "-accel", "tcg", "-m", "768", "-nographic",
                    "-kernel", out.resolve("vmlinuz").toString(), "-initrd", out.resolve("initrd.gz").toString(),
                    "-append", "console=ttyS0 panic=-1 nr.ip=10.0.2.15/24 nr.gw=10.0.2.2 nr.agentconf=" + b64,
                    "-netdev", "user,id=n0,hostfwd=udp:127.0.0.1:" + port + "-10.0.2.15:6099", "-device", "virtio-net-pci,netdev=n0"),
                    tmp.resolve("serial.log"))) {
                var ready = vm.await("NETRESCUE-AGENT-READY", List.of("NETRESCUE-AGENT-FAILED", "Kernel panic"), Duration.ofSeconds(240));
                assertTrue(ready.found(), ready.why() + "\n" + vm.tail(40));
                assertEquals(1, XtSysrqQemuTest.count(vm.serialText(), "SeaBIOS (version"), vm.tail(40));

                String r = XtSysrqQemuTest.cli(server, 0, "sysrq", "vm", "sb", "--pause", "300", "--confirm", "0");
                assertTrue(r.contains("acknowledged via agent"), r);
                var reset = vm.await("sysrq: Resetting", List.of("Kernel panic"), Duration.ofSeconds(60));
                assertTrue(reset.found(), reset.why() + "\n" + vm.tail(40));
                assertTrue(vm.serialText().contains("Emergency Sync"), "s did not run before b\n" + vm.tail(40));
                // the machine really reset: the firmware prints its banner again
                long end = System.nanoTime() + 60_000_000_000L;
                while (XtSysrqQemuTest.count(vm.serialText(), "SeaBIOS (version") < 2 && System.nanoTime() < end) Thread.sleep(200);
                assertEquals(2, XtSysrqQemuTest.count(vm.serialText(), "SeaBIOS (version"), vm.tail(40));
                String events = XtSysrqQemuTest.cli(server, 0, "events", "vm");
                assertTrue(events.contains("sysrq.acknowledged"), events);
            }
        }
    }
}
