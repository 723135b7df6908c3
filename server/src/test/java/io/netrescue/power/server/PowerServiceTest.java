package io.netrescue.power.server;

import static io.netrescue.testing.TestServer.ok;
import static org.assertj.core.api.Assertions.assertThat;

import io.netrescue.api.Json;
import io.netrescue.cli.Main;
import io.netrescue.testing.TestServer;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Power control through the real server, the API and the CLI, with site scripts (the exec driver) as
 * devices: driver order and fallback, retries of retryable failures only, every attempt on the
 * timeline, secrets sealed (never in the API, the database file or the events), bad settings refused
 * with the setting's name before anything is stored.
 */
class PowerServiceTest {
    @TempDir Path dir;
    TestServer s;

    @BeforeEach
    void start() {
        s = TestServer.start();
        ok(s.api("POST", "hosts", "{\"name\":\"web1\",\"macs\":[\"52:54:00:00:00:01\"]}"));
    }

    @AfterEach
    void stop() {
        s.close();
    }

    /** A device script: logs each call (and the secret it got) and behaves as {@code body} says. */
    Path script(String name, String body) throws Exception {
        Path p = dir.resolve(name);
        Files.writeString(p, "#!/bin/sh\necho \"$1 $2 secret=${NETRESCUE_SECRET:-none}\" >> " + dir.resolve(name + ".log") + "\n" + body + "\n");
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
        return p;
    }

    List<String> calls(String name) throws Exception {
        Path log = dir.resolve(name + ".log");
        return Files.exists(log) ? Files.readAllLines(log) : List.of();
    }

    record Run(int code, String out, String err) {}

    Run cli(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        List<String> a = new ArrayList<>(List.of(args));
        a.addAll(List.of("--server", s.url().toString(), "--data", s.dataDir().toString()));
        int code = Main.run(a.toArray(String[]::new), new PrintWriter(out), new PrintWriter(err));
        return new Run(code, out.toString(), err.toString());
    }

    @SuppressWarnings("unchecked")
    List<Map<String, Object>> events() {
        return Json.MAPPER.readValue(ok(s.api("GET", "events?host=web1&limit=200", null)).body(), List.class);
    }

    @Test
    void retryableFailuresAreRetriedAndEveryAttemptIsOnTheTimeline() throws Exception {
        Path bmc = script("bmc", "case \"$1\" in status) echo on ;; cycle) echo 'BMC not responding' >&2; exit 75 ;; esac");
        Path secret = Files.writeString(dir.resolve("pw"), "s3cret-bmc\n");
        Run set = cli("host", "power", "web1", "--set", "exec", "command=" + bmc, "--secret-file", secret.toString(), "--timeout", "5s");
        assertThat(set.code()).as(set.err()).isZero();
        assertThat(set.out()).contains("web1: exec set", "can cycle, off, on, status");
        // settings changed without a secret keep the stored one
        ok(s.api("PUT", "hosts/web1/power/exec", "{\"settings\":{\"command\":\"" + bmc + "\"},\"pos\":1}"));
        assertThat(s.api("GET", "hosts/web1/power", null).body()).contains("\"secretSet\":true").doesNotContain("s3cret");

        Run status = cli("power", "web1", "status");
        assertThat(status.out()).contains("web1: status via exec: ok (power is on)");
        // a status query talks to the BMC too: it is on the timeline like every other attempt (issue 15, finding 9)
        assertThat(events()).anySatisfy(e -> {
            assertThat(e.get("kind")).isEqualTo("power.status");
            assertThat((String) e.get("reason")).contains("power is on");
        });
        // cycle: exit 75 is retryable: 3 attempts, then failed (only one driver configured so far)
        Run cycle = cli("power", "web1", "cycle");
        assertThat(cycle.code()).isEqualTo(1);
        assertThat(cycle.out()).contains("failed", "BMC not responding");
        assertThat(calls("bmc")).filteredOn(l -> l.startsWith("cycle")).hasSize(3).allSatisfy(l -> assertThat(l).endsWith("secret=s3cret-bmc"));
        assertThat(events()).extracting(e -> e.get("kind")).containsSubsequence("power.configured", "power.requested", "power.failed");
        assertThat(events()).anySatisfy(e -> assertThat((String) e.get("reason")).contains("(3 attempts)"));
        assertThat(events().toString()).doesNotContain("s3cret");
    }

    @Test
    void aDeadBmcFallsBackToThePduAndAWrongPasswordIsNotRetried() throws Exception {
        Path bmc = script("bmc", "echo 'RAKP 2 HMAC is invalid: wrong password' >&2; exit 1");
        Path wolTarget = dir.resolve("unused");
        ok(s.api("PUT", "hosts/web1/power/exec", "{\"settings\":{\"command\":\"" + bmc + "\"},\"pos\":1,\"secret\":\"x\"}"));
        // the fallback device: Wake-on-LAN can only power on
        ok(s.api("PUT", "hosts/web1/power/wol", "{\"settings\":{\"mac\":\"52:54:00:00:00:01\",\"broadcast\":\"127.0.0.1\",\"port\":\"9\"},\"pos\":2}"));
        Map<?, ?> on = Json.MAPPER.readValue(ok(s.api("POST", "hosts/web1/power", "{\"action\":\"on\"}")).body(), Map.class);
        assertThat(on.get("result")).isEqualTo("ok");
        assertThat(on.get("driver")).isEqualTo("wol");
        assertThat(calls("bmc")).hasSize(1); // not retryable: asked once
        List<Object> kinds = events().stream().map(e -> e.get("kind")).toList();
        assertThat(kinds).containsSubsequence("power.requested", "power.failed", "power.on");
        // cycle: only the exec driver can, and it fails
        Map<?, ?> cycle = Json.MAPPER.readValue(ok(s.api("POST", "hosts/web1/power", "{\"action\":\"cycle\"}")).body(), Map.class);
        assertThat(cycle.get("result")).isEqualTo("failed");
        assertThat(s.api("POST", "hosts/web1/power", "{\"action\":\"soft-reset\",\"driver\":\"wol\"}").body())
                .contains("web1's wol driver cannot soft-reset").contains("configured: exec, wol");
        assertThat(wolTarget).doesNotExist();
    }

    @Test
    void badSettingsAreRefusedWithTheirNameAndNothingIsStored() throws Exception {
        TestServer.Reply r = s.api("PUT", "hosts/web1/power/ipmi", "{\"settings\":{\"address\":\"10.0.0.5\",\"cipher\":\"3\"},\"secret\":\"pw\"}");
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.body()).contains("unknown setting 'cipher'");
        assertThat(s.api("PUT", "hosts/web1/power/teleport", "{\"settings\":{}}").body()).contains("unknown power driver 'teleport'");
        assertThat(s.api("PUT", "hosts/web1/power/exec", "{\"settings\":{\"command\":\"relative.sh\"}}").body()).contains("absolute path");
        assertThat(s.api("GET", "hosts/web1/power", null).body()).isEqualTo("[]\n");
        assertThat(s.api("POST", "hosts/web1/power", "{\"action\":\"cycle\"}").body()).contains("web1 has no power driver");
        assertThat(s.api("POST", "hosts/web1/power", "{\"action\":\"reboot\"}").body()).contains("status, on, off, cycle or soft-reset");
        assertThat(cli("power", "nosuch", "status").err()).contains("no host named nosuch");
    }

    @Test
    void theSecretIsSealedInTheStore() throws Exception {
        Path bmc = script("bmc", "exit 0");
        ok(s.api("PUT", "hosts/web1/power/exec", "{\"settings\":{\"command\":\"" + bmc + "\"},\"secret\":\"plain-text-canary-42\"}"));
        ok(s.api("POST", "hosts/web1/power", "{\"action\":\"on\"}"));
        assertThat(calls("bmc")).containsExactly("on web1 secret=plain-text-canary-42");
        byte[] canary = "plain-text-canary-42".getBytes();
        try (var files = Files.walk(s.dataDir())) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                assertThat(indexOf(Files.readAllBytes(f), canary)).as(f.toString()).isEqualTo(-1);
            }
        }
    }

    static int indexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) if (hay[i + j] != needle[j]) continue outer;
            return i;
        }
        return -1;
    }
}
