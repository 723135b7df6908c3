package io.netrescue.qemu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.netrescue.cli.Main;
import io.netrescue.testing.TestServer;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.DatagramSocket;
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
 * The xt_SYSRQ dialect against a real Debian kernel running the fixed xt_SYSRQ (3.27) behind an
 * iptables rule, in QEMU: `netrescue sysrq vm h` makes the kernel run SysRq h (the copies our client
 * sends after the first are replays, which the kernel ignores), then `netrescue sysrq vm b` reboots it.
 * The guest is built by tools/guest/xt-sysrq-guest.sh (root: it installs headers and builds the module).
 */
@Tag("qemu")
class XtSysrqQemuTest {
    @TempDir Path tmp;

    @Test
    void cliRebootsARealKernelThroughXtSysrqAndReplaysDoNothing() throws Exception {
        Path script = Path.of(System.getProperty("user.dir")).resolveSibling("tools/guest/xt-sysrq-guest.sh");
        assumeTrue(Files.isExecutable(script), "missing " + script);
        assumeTrue("root".equals(System.getProperty("user.name")), "building the xt_SYSRQ guest needs root (apt-get, kernel headers)");
        assumeTrue(IpxeQemuTest.onPathPublic("qemu-system-x86_64"), "qemu-system-x86_64 not found (apt-get install qemu-system-x86)");
        Path out = tmp.resolve("guest");
        Process build = new ProcessBuilder("bash", script.toString(), out.toString()).redirectErrorStream(true)
                .redirectOutput(tmp.resolve("build.log").toFile()).start();
        assertTrue(build.waitFor(15, TimeUnit.MINUTES), "guest build took too long");
        assertEquals(0, build.exitValue(), "guest build failed:\n" + Files.readString(tmp.resolve("build.log")));

        int port;
        try (DatagramSocket s = new DatagramSocket(0)) {
            port = s.getLocalPort();
        }
        try (TestServer server = TestServer.start();
             QemuVm vm = QemuVm.start("xt-guest", List.of("qemu-system-x86_64", "-accel", "tcg", "-m", "512", "-nographic", "-no-reboot",
                     "-kernel", out.resolve("vmlinuz").toString(), "-initrd", out.resolve("initrd.gz").toString(),
                     "-append", "console=ttyS0 panic=-1 nr.ip=10.0.2.15/24 nr.gw=10.0.2.2 nr.sysrqpw=Sup3rSecret nr.sysrqhash=sha256 nr.sysrqdebug=1",
                     "-netdev", "user,id=n0,hostfwd=udp:127.0.0.1:" + port + "-10.0.2.15:9", "-device", "virtio-net-pci,netdev=n0"),
                     tmp.resolve("serial.log"))) {
            var ready = vm.await("NETRESCUE-XTSYSRQ-READY", List.of("NETRESCUE-XTSYSRQ-FAILED", "Kernel panic"), Duration.ofSeconds(120));
            assertTrue(ready.found(), ready.why() + "\n" + vm.tail(40));

            Path pw = Files.writeString(tmp.resolve("pw"), "Sup3rSecret\n"); // the trailing newline must not count
            cli(server, 0, "host", "add", "vm", "--mac", "52:54:00:12:34:56");
            cli(server, 0, "host", "sysrq", "vm", "--dialect", "xt", "--address", "127.0.0.1", "--xt-port", String.valueOf(port),
                    "--hash-address", "10.0.2.15", "--hash", "sha256", "--password-file", pw.toString(), "--allowed-keys", "hsub");

            String h = cli(server, 0, "sysrq", "vm", "h", "--confirm", "0");
            assertTrue(h.contains("sent via xt"), h);
            var help = vm.await("xt_SYSRQ: SysRq h", List.of("Bad digest", "Kernel panic"), Duration.ofSeconds(60));
            assertTrue(help.found(), help.why() + "\n" + vm.tail(40));
            // the 2nd and 3rd copies of that same packet are replays: the module must refuse both
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (count(vm.serialText(), "old sequence number ignored") < 2 && System.nanoTime() < deadline) Thread.sleep(200);
            assertEquals(2, count(vm.serialText(), "old sequence number ignored"), vm.tail(40));
            assertEquals(1, count(vm.serialText(), "xt_SYSRQ: SysRq h"), "a replay ran again\n" + vm.tail(40));

            String b = cli(server, 0, "sysrq", "vm", "b", "--confirm", "0");
            assertTrue(b.contains("sent via xt"), b);
            var reboot = vm.await("sysrq: Resetting", List.of("Kernel panic", "Bad digest"), Duration.ofSeconds(60));
            assertTrue(reboot.found(), reboot.why() + "\n" + vm.tail(40));
            assertTrue(vm.serialText().contains("xt_SYSRQ: SysRq b"), vm.tail(40));
            String events = cli(server, 0, "events", "vm");
            assertTrue(events.contains("sysrq.sent") && events.contains("sysrq.requested"), events);
            assertTrue(!events.contains("Sup3rSecret"), "password leaked into events");
        }
    }

    static int count(String text, String needle) {
        int n = 0;
        for (int i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + 1)) n++;
        return n;
    }

    static String cli(TestServer s, int expect, String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        String[] all = java.util.stream.Stream.concat(java.util.Arrays.stream(args),
                java.util.stream.Stream.of("--server", s.url().toString(), "--data", s.dataDir().toString())).toArray(String[]::new);
        int code = Main.run(all, new PrintWriter(out), new PrintWriter(err));
        assertEquals(expect, code, String.join(" ", args) + ": " + err);
        return out.toString();
    }
}
