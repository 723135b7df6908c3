package io.netrescue.qemu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.netrescue.agent.setup.AgentSetup;
import io.netrescue.server.ServerConfig;
import io.netrescue.testing.TestServer;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.DatagramSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 4's promise, with a real Debian kernel: a host prepared by `agent setup --netconsole ...
 * --panic 3` panics, reports why over netconsole to our receiver (the panic is on its timeline and
 * in `netrescue console`), and reboots by itself after 3 seconds. The guest runs exactly the files
 * setup wrote (its sysctl file and its netconsole script), built by tools/guest/netconsole-guest.sh.
 */
@Tag("qemu")
class NetconsoleQemuTest {
    @TempDir Path tmp;

    @Test
    void aPreparedHostPanicsReportsWhyAndRebootsByItself() throws Exception {
        Path repo = Path.of(System.getProperty("user.dir")).getParent();
        Path script = repo.resolve("tools/guest/netconsole-guest.sh");
        assumeTrue(IpxeQemuTest.onPathPublic("qemu-system-x86_64"), "qemu-system-x86_64 not found (apt-get install qemu-system-x86)");
        int port;
        try (DatagramSocket s = new DatagramSocket(0)) {
            port = s.getLocalPort();
        }
        // 1. the host's preparation, on a Debian-shaped tree
        Path root = tmp.resolve("root");
        Files.createDirectories(root.resolve("etc"));
        Files.createDirectories(root.resolve("usr/bin"));
        Files.writeString(root.resolve("etc/os-release"), "PRETTY_NAME=\"Debian GNU/Linux 12\"\nID=debian\n");
        Files.writeString(root.resolve("usr/bin/systemctl"), "");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int rc = AgentSetup.run(List.of("--root", root.toString(), "--netconsole", "10.0.2.2:" + port, "--panic", "3"),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(out, true, StandardCharsets.UTF_8));
        assertEquals(0, rc, out.toString(StandardCharsets.UTF_8));

        // 2. a guest that boots with exactly those files
        Path guest = tmp.resolve("guest");
        Process build = new ProcessBuilder("bash", script.toString(), guest.toString(), root.toString()).redirectErrorStream(true)
                .redirectOutput(tmp.resolve("build.log").toFile()).start();
        assertTrue(build.waitFor(5, TimeUnit.MINUTES), "guest build took too long");
        assumeTrue(build.exitValue() != 3, "guest build says a prerequisite is missing:\n" + Files.readString(tmp.resolve("build.log")));
        assertEquals(0, build.exitValue(), "guest build failed:\n" + Files.readString(tmp.resolve("build.log")));

        // 3. our server receives netconsole; QEMU's user networking delivers the guest's datagrams from 127.0.0.1
        try (TestServer server = TestServer.start(List.of(), "local", Clock.systemUTC(),
                c -> c.withConsole(new ServerConfig.Console("127.0.0.1:" + port, null)))) {
            XtSysrqQemuTest.cli(server, 0, "host", "add", "vm", "--mac", "52:54:00:12:34:56", "--ip", "127.0.0.1");
            try (QemuVm vm = QemuVm.start("netconsole-guest", List.of("qemu-system-x86_64", "-accel", "tcg", "-m", "256", "-nographic",
                    "-kernel", guest.resolve("vmlinuz").toString(), "-initrd", guest.resolve("initrd.gz").toString(),
                    "-append", "console=ttyS0 nr.ip=10.0.2.15/24 nr.gw=10.0.2.2 nr.netconsole=10.0.2.2:" + port,
                    "-netdev", "user,id=n0", "-device", "virtio-net-pci,netdev=n0"), tmp.resolve("serial.log"))) {
                var ready = vm.await("NETRESCUE-NETCONSOLE-READY", List.of("NETRESCUE-NETCONSOLE-FAILED"), Duration.ofSeconds(120));
                assertTrue(ready.found(), ready.why() + "\n" + vm.tail(40));
                assertTrue(vm.serialText().contains("NETRESCUE-NETCONSOLE-PANIC=3"), "setup's kernel.panic was not applied\n" + vm.tail(40));
                var panic = vm.await("Rebooting in 3 seconds", List.of("NETRESCUE-NETCONSOLE-FAILED"), Duration.ofSeconds(60));
                assertTrue(panic.found(), panic.why() + "\n" + vm.tail(40));
                // it reboots by itself: the firmware's banner a second time
                long end = System.nanoTime() + 60_000_000_000L;
                while (XtSysrqQemuTest.count(vm.serialText(), "SeaBIOS (version") < 2 && System.nanoTime() < end) Thread.sleep(200);
                assertEquals(2, XtSysrqQemuTest.count(vm.serialText(), "SeaBIOS (version"), vm.tail(40));
            }
            String events = "";
            for (int i = 0; i < 50 && !events.contains("console.panic"); i++) {
                events = XtSysrqQemuTest.cli(server, 0, "events", "vm");
                Thread.sleep(100);
            }
            assertTrue(events.contains("console.panic") && events.contains("Kernel panic - not syncing: sysrq triggered crash"), events);
            String console = XtSysrqQemuTest.cli(server, 0, "console", "vm", "-n", "500");
            assertTrue(console.contains("netrescue test guest: netconsole is up"), console);
            assertTrue(console.contains("Kernel panic - not syncing: sysrq triggered crash"), console);
        }
    }
}
