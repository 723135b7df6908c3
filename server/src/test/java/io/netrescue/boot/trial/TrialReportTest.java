package io.netrescue.boot.trial;

import static io.netrescue.testing.TestServer.ok;
import static org.assertj.core.api.Assertions.assertThat;

import io.netrescue.api.Json;
import io.netrescue.testing.MutableClock;
import io.netrescue.testing.TestServer;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 15, finding 1: a token from an earlier boot of the same host and profile, posted to
 * {@code /boot/report} after {@code kernel try}, passed the trial before its kernel was even served (and
 * so cancelled the fallback); tokens were reusable for hours, from any address. Now a report counts once
 * per token, only from the host's own addresses when it has any, and passes a trial only with a token
 * issued for a boot served during the trial.
 */
class TrialReportTest {
    static final String MAC = "52-54-00-00-00-01";
    @TempDir Path dir;
    final MutableClock clock = new MutableClock(Instant.now());
    TestServer s;

    @BeforeEach
    void start() throws Exception {
        s = TestServer.start(List.of(), "local", clock);
        ok(s.api("POST", "hosts", "{\"name\":\"web1\",\"macs\":[\"52:54:00:00:00:01\"],\"ips\":[\"127.0.0.1\"]}"));
        ok(s.api("POST", "profiles", "{\"name\":\"k612\",\"kernel\":\"k612/vmlinuz\",\"cmdline\":\"console=ttyS0 nr.token={token}\"}"));
        Path power = dir.resolve("power.sh");
        Files.writeString(power, "#!/bin/sh\necho \"$1\" >> " + dir.resolve("power.log") + "\n[ \"$1\" = status ] && echo on\nexit 0\n");
        Files.setPosixFilePermissions(power, PosixFilePermissions.fromString("rwx------"));
        ok(s.api("PUT", "hosts/web1/power/exec", "{\"settings\":{\"command\":\"" + power + "\"}}"));
    }

    @AfterEach
    void stop() {
        if (s != null) s.close();
    }

    /** A boot of profile k612 as iPXE asks for it: its per-boot token. */
    String bootToken() {
        String r = s.request("GET", "/boot.ipxe?mac=" + MAC + "&ip=127.0.0.1&uuid=&arch=x86_64&platform=pcbios", null, null).body();
        assertThat(r).contains("nr.token=");
        return r.replaceAll("(?s).*nr\\.token=([0-9a-f]+).*", "$1");
    }

    int report(String token) {
        return s.request("POST", "/boot/report?token=" + token + "&status=ok", null, null).status();
    }

    /** The same report from another address on the loopback (127.0.0.2), as a raw HTTP/1.1 request. */
    int reportFrom(String address, String token) throws Exception {
        try (Socket sock = new Socket()) {
            sock.bind(new InetSocketAddress(address, 0));
            sock.connect(new InetSocketAddress("127.0.0.1", s.url().getPort()), 5000);
            OutputStream o = sock.getOutputStream();
            o.write(("POST /boot/report?token=" + token + "&status=ok HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            o.flush();
            InputStream in = sock.getInputStream();
            String status = new String(in.readNBytes(12), StandardCharsets.US_ASCII);
            return Integer.parseInt(status.substring(9, 12));
        }
    }

    @SuppressWarnings("unchecked")
    String trialState() {
        return (String) ((Map<String, Object>) Json.MAPPER.readValue(ok(s.api("GET", "hosts/web1/kernel-try", null)).body(), List.class).getFirst()).get("state");
    }

    @Test
    void onlyTheTrialBootsOwnTokenOnceFromTheHostsAddressPassesATrial() throws Exception {
        ok(s.api("PUT", "hosts/web1/boot", "{\"mode\":\"once\",\"profile\":\"k612\"}"));
        String used = bootToken();
        assertThat(report(used)).isEqualTo(200);
        assertThat(report(used)).as("the same token again").isEqualTo(403);
        ok(s.api("PUT", "hosts/web1/boot", "{\"mode\":\"once\",\"profile\":\"k612\"}"));
        String old = bootToken(); // an earlier boot's token, never used

        clock.advance(java.time.Duration.ofSeconds(5));
        ok(s.api("POST", "hosts/web1/kernel-try", "{\"profile\":\"k612\",\"deadline\":\"10m\"}"));
        assertThat(reportFrom("127.0.0.2", old)).as("from an address that is not web1's").isEqualTo(403);
        assertThat(report(old)).as("an earlier boot's token is still a report").isEqualTo(200);
        Thread.sleep(2500); // the trials' judge runs every second
        assertThat(trialState()).as("an earlier boot's token does not pass the trial").isEqualTo("armed");

        String mine = bootToken(); // the trial's own boot
        assertThat(reportFrom("127.0.0.2", mine)).isEqualTo(403);
        assertThat(report(mine)).isEqualTo(200);
        long end = System.nanoTime() + 10_000_000_000L;
        while (!trialState().equals("succeeded") && System.nanoTime() < end) Thread.sleep(100);
        assertThat(trialState()).isEqualTo("succeeded");
        String ev = s.api("GET", "events?host=web1&limit=100", null).body();
        assertThat(ev).contains("boot.report-refused", "its token was used already", "from 127.0.0.2, not one of its addresses");
    }
}
