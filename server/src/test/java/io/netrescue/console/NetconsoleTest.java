package io.netrescue.console;

import static org.assertj.core.api.Assertions.assertThat;

import io.netrescue.server.ServerConfig;
import io.netrescue.testing.TestServer;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The netconsole receiver in the real server: lines filed per host, crashes on the timeline, limits. */
class NetconsoleTest {
    TestServer s;
    InetSocketAddress to;

    @BeforeEach
    void start() {
        s = TestServer.start(List.of(), "local", Clock.systemUTC(), c -> c.withConsole(new ServerConfig.Console("127.0.0.1:0", 16)));
        to = s.server().netconsole().orElseThrow().localAddress();
        assertThat(s.api("POST", "hosts", "{\"name\":\"web1\",\"macs\":[\"52:54:00:12:34:56\"],\"ips\":[\"127.0.0.1\"]}").status()).isEqualTo(201);
    }

    @AfterEach
    void stop() {
        s.close();
    }

    void send(String from, String text) throws Exception {
        try (DatagramSocket d = new DatagramSocket(new InetSocketAddress(InetAddress.ofLiteral(from), 0))) {
            byte[] b = text.getBytes(StandardCharsets.UTF_8);
            d.send(new DatagramPacket(b, b.length, to));
        }
    }

    String console(String query) throws Exception {
        for (int i = 0; i < 50; i++) {
            String body = s.api("GET", "hosts/web1/console" + query, null).body();
            if (body.contains("Kernel panic")) return body;
            Thread.sleep(100);
        }
        return s.api("GET", "hosts/web1/console" + query, null).body();
    }

    @Test
    void linesAreFiledUnderTheHostAndAPanicIsAnEvent() throws Exception {
        send("127.0.0.1", "[   3.100000] sysrq: Trigger a crash\n[   3.100100] Kernel panic - not syncing: sysrq triggered crash\n");
        String body = console("?lines=10");
        assertThat(body).contains("\"host\":\"web1\"", "sysrq: Trigger a crash", "Kernel panic - not syncing: sysrq triggered crash");
        String ev = "";
        for (int i = 0; i < 50 && !ev.contains("console.panic"); i++) {
            ev = s.api("GET", "events?host=web1", null).body();
            Thread.sleep(100);
        }
        assertThat(ev).contains("\"kind\":\"console.panic\"", "\"actor\":\"netconsole\"", "\"sourceIp\":\"127.0.0.1\"");
        // following from an offset returns only what came after it
        long next = Long.parseLong(body.replaceAll("(?s).*\"next\":(\\d+).*", "$1"));
        send("127.0.0.1", "[   3.2] reboot: Restarting system\n");
        String more = "";
        for (int i = 0; i < 50 && !more.contains("Restarting"); i++) {
            more = s.api("GET", "hosts/web1/console?after=" + next, null).body();
            Thread.sleep(100);
        }
        assertThat(more).contains("reboot: Restarting system").doesNotContain("Kernel panic");
    }

    @Test
    void aSecondPanicWithinAMinuteIsLoggedButNotAnotherEvent() throws Exception {
        send("127.0.0.1", "Kernel panic - not syncing: one\n");
        send("127.0.0.1", "Kernel panic - not syncing: two\n");
        Thread.sleep(500);
        assertThat(console("?lines=10")).contains("one", "two");
        String ev = s.api("GET", "events?host=web1", null).body();
        assertThat(ev.split("console.panic", -1).length - 1).isEqualTo(1);
    }

    @Test
    void theLogIsBoundedPerHost() throws Exception {
        String line = "x".repeat(900) + "\n";
        for (int i = 0; i < 100; i++) send("127.0.0.1", line); // 90 KB into a 16 KB log
        Thread.sleep(500);
        long bytes;
        try (var files = java.nio.file.Files.list(s.dataDir().resolve("console"))) {
            bytes = files.mapToLong(p -> p.toFile().length()).sum();
        }
        assertThat(bytes).isLessThanOrEqualTo(2 * 16 * 1024 + 1024);
        assertThat(s.server().netconsole().orElseThrow().lines.sum()).isEqualTo(100);
    }

    @Test
    void unknownSourcesGoToOneSharedFileAndMakeNoEvents() throws Exception {
        send("127.0.0.2", "Kernel panic - not syncing: not ours\n");
        Thread.sleep(500);
        String shared = java.nio.file.Files.readString(s.dataDir().resolve("console/_unknown.log"));
        assertThat(shared).contains("127.0.0.2 Kernel panic - not syncing: not ours");
        assertThat(s.api("GET", "events", null).body()).doesNotContain("console.panic");
    }
}
