package io.netrescue.rescue.server;

import static io.netrescue.testing.TestServer.ok;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.netrescue.api.Json;
import io.netrescue.testing.TestServer;
import io.netrescue.watchdog.server.WatchdogSettings;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A rescue activation through the real server: the operator's API, the boot decision that hands the
 * rescue system its per-boot token, and the rescue system's own requests made with curl (what its
 * /init uses), including forged, replayed and odd-method requests.
 */
class RescueApiTest {
    static final String KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKJorwhW84BJK7gwpeH38Gs16ZH8IhlXNLmCBmD0j3dL op@desk";
    static final String TEAM = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDXabiQrh40dzw8EXvsTpls0PJj3uEBJI5y+PAJRJzoQ team@ops";
    static TestServer s;
    @TempDir static Path dir;

    @BeforeAll
    static void start() {
        // the ladder of every host: rescue first (hosts without heartbeats never go down by themselves; tests start it by hand)
        s = TestServer.start(List.of(), "local", java.time.Clock.systemUTC(), c -> c.withWatchdog(WatchdogSettings.defaults().withListen("127.0.0.1:0")
                .withPolicies(List.of(new WatchdogSettings.Policy("rescue-first", "", List.of("rescue", "hands-on"), 1, "1h", 1.0, "0", null, null)))));
        ok(s.api("POST", "hosts", "{\"name\":\"web1\",\"macs\":[\"52:54:00:00:00:71\"],\"ips\":[\"127.0.0.1\"]}"));
        ok(s.api("POST", "profiles", "{\"name\":\"rescue\",\"kernel\":\"rescue/vmlinuz\",\"initrds\":[\"rescue/initrd\"],"
                + "\"cmdline\":\"console=ttyS0 rescue.url={server} rescue.token={token}\"}"));
    }

    @AfterAll
    static void stop() {
        s.close();
    }

    /** curl against the server: status code, then the body. */
    static List<String> curl(String... args) throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/curl")), "needs curl, the rescue system's HTTP client");
        List<String> cmd = new ArrayList<>(List.of("/usr/bin/curl", "-sS", "-o", "-", "-w", "\n%{http_code}", "--max-time", "10"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
        int nl = out.lastIndexOf('\n');
        return List.of(out.substring(nl + 1), out.substring(0, nl));
    }

    private static String tokenOfNextBoot() {
        String script = s.get("/boot.ipxe?mac=52-54-00-00-00-71&ip=127.0.0.1&uuid=&arch=x86_64&platform=pcbios");
        Matcher m = Pattern.compile("rescue\\.token=(\\S+)").matcher(script);
        assertThat(m.find()).as(script).isTrue();
        return m.group(1);
    }

    @Test
    void activateBootFetchReportVerifyAndEnd() throws Exception {
        var a = s.api("POST", "hosts/web1/rescue", "{\"sshKeys\":[\"" + KEY + "\"],\"password\":true,\"for\":\"1h\"}");
        assertThat(a.status()).as(a.body()).isEqualTo(201);
        String pw = a.body().replaceFirst("(?s).*\"password\":\"([^\"]+)\".*", "$1");
        assertThat(pw).matches("([a-zA-Z2-9]{4}-){4}[a-zA-Z2-9]{4}");
        String status = ok(s.api("GET", "hosts/web1/rescue", null)).body();
        assertThat(status).contains("\"state\":\"activated\"").contains("\"passwordIssued\":true").doesNotContain(pw);
        assertThat(ok(s.api("GET", "events?host=web1", null)).body()).contains("rescue.activated").doesNotContain(pw);

        String token = tokenOfNextBoot();
        String url = s.url() + "/rescue/settings";
        assertThat(curl(url)).first().isEqualTo("403");                                         // no token
        assertThat(curl("-H", "Authorization: Bearer forged", url)).first().isEqualTo("403");
        assertThat(curl("-I", "-H", "Authorization: Bearer " + token, url)).first().isEqualTo("405"); // HEAD
        List<String> settings = curl("-H", "Authorization: Bearer " + token, url);
        assertThat(settings.get(0)).isEqualTo("200");
        assertThat(settings.get(1)).contains("host web1\n").contains("ssh-key " + KEY + "\n").containsPattern("password-hash \\$6\\$\\S+\n").doesNotContain(pw);

        String ready = s.url() + "/rescue/ready";
        String hostKey = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKJorwhW84BJK7gwpeH38Gs16ZH8IhlXNLmCBmD0j3dL root@rescue\n";
        assertThat(curl("-H", "Authorization: Bearer " + token, "--data-binary", "not a key", ready)).first().isEqualTo("400");
        assertThat(curl("-H", "Authorization: Bearer forged", "--data-binary", hostKey, ready)).first().isEqualTo("403");
        java.nio.file.Path big = java.nio.file.Files.createTempFile("report", ".txt");
        java.nio.file.Files.writeString(big, "x".repeat(200_000));
        assertThat(curl("-H", "Authorization: Bearer " + token, "-H", "Transfer-Encoding: chunked", "--data-binary", "@" + big, ready))
                .first().isEqualTo("400"); // no length announced: still cut at 16 KiB
        java.nio.file.Files.delete(big);
        assertThat(curl("-H", "Authorization: Bearer " + token, "--data-binary", hostKey, ready)).first().isEqualTo("200");
        assertThat(curl("-H", "Authorization: Bearer " + token, "--data-binary", hostKey, ready)).first().isEqualTo("409"); // replayed
        assertThat(ok(s.api("GET", "hosts/web1/rescue/known-hosts", null)).body())
                .contains("web1,127.0.0.1 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKJorwhW84BJK7gwpeH38Gs16ZH8IhlXNLmCBmD0j3dL");

        assertThat(ok(s.api("DELETE", "hosts/web1/rescue", null)).body()).contains("\"state\":\"ended\"");
        assertThat(curl("-H", "Authorization: Bearer " + token, url)).first().isEqualTo("403");      // credentials died with it
        assertThat(ok(s.api("GET", "hosts/web1", null)).body()).contains("\"mode\":\"local\"");
    }

    /**
     * The running rescue system: its settings name the heartbeat port, its agent gets the host's key,
     * and it asks whether its activation lives; a newer activation, and then the end (with a power
     * cycle out of rescue), make the old token's answer a 403, on which it drops its credentials.
     */
    @Test
    void theRunningRescueSystemLearnsWhenItsActivationDies() throws Exception {
        host("db5", "52:54:00:00:00:85");
        Path log = powerDriver("db5", "exit 0");
        ok(s.api("POST", "hosts/db5/rescue", activate("db5", "none")));
        String script = s.get("/boot.ipxe?mac=52-54-00-00-00-85&ip=127.0.0.1&uuid=&arch=x86_64&platform=pcbios");
        Matcher m = Pattern.compile("rescue\\.token=(\\S+)").matcher(script);
        assertThat(m.find()).as(script).isTrue();
        String bearer = "Authorization: Bearer " + m.group(1);
        int hbPort = s.server().watchdog().orElseThrow().heartbeatAddress().orElseThrow().getPort();
        assertThat(curl("-H", bearer, s.url() + "/rescue/settings").get(1)).contains("host db5\n", "heartbeat-port " + hbPort + "\n");
        List<String> agent = curl("-H", bearer, s.url() + "/rescue/agent.conf");
        assertThat(agent.get(0)).isEqualTo("200");
        assertThat(agent.get(1)).contains("host = db5\n", "allowed-keys = sub\n").containsPattern("key = [0-9a-f]{64}\n");
        assertThat(curl("-H", "Authorization: Bearer forged", s.url() + "/rescue/agent.conf").get(0)).isEqualTo("403");
        assertThat(curl("-H", bearer, s.url() + "/rescue/alive")).first().isEqualTo("200");
        assertThat(curl("-X", "POST", "-H", bearer, s.url() + "/rescue/alive")).first().isEqualTo("405");
        // the scheme is case-insensitive (RFC 9110)
        assertThat(curl("-H", "authorization: bearer " + m.group(1), s.url() + "/rescue/alive")).first().isEqualTo("200");

        ok(s.api("POST", "hosts/db5/rescue", "{\"password\":true}"));                        // a newer activation
        assertThat(curl("-H", bearer, s.url() + "/rescue/alive")).first().isEqualTo("403");
        assertThat(curl("-H", bearer, s.url() + "/rescue/agent.conf")).first().isEqualTo("403");

        assertThat(s.api("POST", "hosts/db5/rescue/end", "{\"reboot\":\"sysrq\"}").status()).isEqualTo(400); // cannot work: nothing changes
        assertThat(json(ok(s.api("GET", "hosts/db5/rescue", null)))).containsEntry("state", "activated");
        Map<String, Object> ended = json(ok(s.api("POST", "hosts/db5/rescue/end", "{\"reboot\":\"power\"}")));
        assertThat(ended).containsEntry("state", "ended").containsEntry("reboot", Map.of("how", "power", "result", "ok", "detail", "exec: db5.sh cycle db5 succeeded"));
        assertThat(Files.readAllLines(log)).containsExactly("cycle db5");
        assertThat(ok(s.api("GET", "hosts/db5", null)).body()).contains("\"mode\":\"local\"");
        assertThat(s.api("GET", "hosts/db5/rescue/end", null).status()).isEqualTo(405);
        assertThat(s.api("POST", "hosts/db5/rescue/end", "").status()).isEqualTo(404);               // nothing live to end
    }

    @Test
    void badActivationsAreRefusedWithAReason() {
        assertThat(s.api("POST", "hosts/web1/rescue", "{\"sshKeys\":[\"command=\\\"sh\\\" " + KEY + "\"]}").status()).isEqualTo(400);
        assertThat(s.api("POST", "hosts/web1/rescue", "{}").body()).contains("SSH key or a password");
        assertThat(s.api("POST", "hosts/web1/rescue", "{\"password\":true,\"for\":\"30d\"}").status()).isEqualTo(400);
        assertThat(s.api("POST", "hosts/nosuch/rescue", "{\"password\":true}").status()).isEqualTo(404);
        assertThat(s.api("PATCH", "hosts/web1/rescue", "{}").status()).isEqualTo(405);
        assertThat(s.api("GET", "hosts/web1/rescue/other", null).status()).isEqualTo(404);
    }

    private static String error(TestServer.Reply r) {
        assertThat(r.status()).as(r.body()).isEqualTo(400);
        return (String) json(r).get("error");
    }

    /** The attacker pass's reproductions: a null body, lax JSON, keys with control characters. */
    @Test
    void nullBodiesAndLaxJsonAreRefusedNamingTheField() {
        for (String path : List.of("hosts/web1/rescue", "hosts/web1/rescue/end", "hosts/web1/ssh-keys")) {
            assertThat(error(s.api("POST", path, "null"))).as(path).isEqualTo("the request body must be a JSON object, not null");
        }
        assertThat(error(s.api("POST", "hosts/web1/rescue", "{\"password\":1}"))).isEqualTo("\"password\" must be true or false");
        assertThat(error(s.api("POST", "hosts/web1/rescue", "{\"password\":true,\"for\":\"\"}"))).startsWith("\"for\" must not be empty");
        assertThat(error(s.api("POST", "hosts/web1/rescue", "{\"password\":true,\"reboot\":\"\"}"))).startsWith("\"reboot\" must not be empty");
        assertThat(error(s.api("POST", "hosts/web1/rescue/end", "{\"reboot\":\" \"}"))).startsWith("\"reboot\" must not be empty");
        assertThat(error(s.api("POST", "hosts/web1/rescue", "{\"password\":true,\"for\":\"1h\",\"for\":\"7d\"}"))).isEqualTo("field \"for\" is given twice");
        assertThat(error(s.api("POST", "hosts/web1/rescue", "{\"password\":true,\"sshkeys\":[]}")))
                .isEqualTo("unknown field \"sshkeys\" (known: for, password, reboot, sshKeys)");
        assertThat(error(s.api("POST", "hosts/web1/rescue", "{\"sshKeys\":\"" + KEY + "\"}"))).isEqualTo("\"sshKeys\" must be a list");
        assertThat(error(s.api("POST", "hosts/web1/rescue", "{\"sshKeys\":[\"" + KEY + "\",\"" + TEAM.replace(" team", "\\tteam") + "\"]}")))
                .startsWith("sshKeys[1]: an SSH public key is one line of printable ASCII, separated by spaces: this one has a TAB at character ");
        assertThat(error(s.api("POST", "hosts/web1/ssh-keys", "{\"keys\":[\"" + KEY + "\",\"" + TEAM.replace("@", "\\r") + "\"]}")))
                .startsWith("keys[1]: an SSH public key is one line of printable ASCII, separated by spaces: this one has a carriage return (CR)");
        assertThat(ok(s.api("GET", "hosts/web1/ssh-keys", null)).body()).isEqualTo("[]\n");
    }

    /** A well-formed ed25519 public key line, distinct for each {@code i}. */
    private static String key(int i) {
        byte[] type = "ssh-ed25519".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        byte[] k = new byte[32];
        k[0] = (byte) i;
        k[31] = 1;
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(4 + type.length + 4 + 32).putInt(type.length).put(type).putInt(32).put(k);
        return "ssh-ed25519 " + java.util.Base64.getEncoder().encodeToString(b.array()) + " k" + i;
    }

    private static String keys(int from, int to) {
        return String.join(",", java.util.stream.IntStream.range(from, to).mapToObj(i -> "\"" + key(i) + "\"").toList());
    }

    @Test
    void theKeyLimitCountsWhatTheActivationCarries() {
        host("kl1", "52:54:00:00:00:a1");
        ok(s.api("POST", "hosts/kl1/ssh-keys", "{\"keys\":[" + keys(0, 16) + "]}"));
        assertThat(json(ok(s.api("POST", "hosts/kl1/rescue", "{\"sshKeys\":[" + keys(100, 116) + "]}"))).get("sshKeys")).asList().hasSize(32);
        assertThat(error(s.api("POST", "hosts/kl1/rescue", "{\"sshKeys\":[" + keys(100, 117) + "]}"))).isEqualTo("a rescue activation carries at most 32"
                + " SSH keys, the given and the host's registered ones together (the same key counted once): this one would carry 33 (17 given, 16 registered)");
        // given keys that are registered too count once
        assertThat(json(ok(s.api("POST", "hosts/kl1/rescue", "{\"sshKeys\":[" + keys(0, 16) + "," + keys(100, 116) + "]}"))).get("sshKeys")).asList().hasSize(32);
        // without registered keys, 17 given are fine (the old check refused them, saying "at most 16")
        host("kl2", "52:54:00:00:00:a2");
        assertThat(json(ok(s.api("POST", "hosts/kl2/rescue", "{\"sshKeys\":[" + keys(100, 117) + "]}"))).get("sshKeys")).asList().hasSize(17);
        assertThat(error(s.api("POST", "hosts/kl2/rescue", "{\"sshKeys\":[" + keys(100, 133) + "]}"))).endsWith("would carry 33 (33 given, 0 registered)");
    }

    private static void host(String name, String mac) {
        ok(s.api("POST", "hosts", "{\"name\":\"" + name + "\",\"macs\":[\"" + mac + "\"]}"));
    }

    /** An exec power driver for {@code host}: a script that logs its calls to {@code host}.log and then runs {@code body}. */
    private static Path powerDriver(String host, String body) throws Exception {
        Path p = dir.resolve(host + ".sh"), log = dir.resolve(host + ".log");
        Files.writeString(p, "#!/bin/sh\necho \"$1 $2\" >> " + log + "\n" + body + "\n");
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
        ok(s.api("PUT", "hosts/" + host + "/power/exec", "{\"settings\":{\"command\":\"" + p + "\"}}"));
        return log;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> json(TestServer.Reply r) {
        return Json.MAPPER.readValue(r.body(), Map.class);
    }

    private static String activate(String host, String reboot) {
        return "{\"sshKeys\":[\"" + KEY + "\"],\"reboot\":\"" + reboot + "\"}";
    }

    @Test
    void aRebootThatCannotWorkOrIsUnknownIsRefusedAndNothingIsStored() {
        host("db1", "52:54:00:00:00:81");
        var bogus = s.api("POST", "hosts/db1/rescue", activate("db1", "bogus"));
        assertThat(bogus.status()).isEqualTo(400);
        assertThat(bogus.body()).contains("unknown reboot 'bogus': use power, sysrq or none");
        var power = s.api("POST", "hosts/db1/rescue", activate("db1", "power"));
        assertThat(power.status()).isEqualTo(400);
        assertThat(power.body()).contains("no power driver of db1 can cycle it");
        var sysrq = s.api("POST", "hosts/db1/rescue", activate("db1", "sysrq"));
        assertThat(sysrq.status()).isEqualTo(400);
        assertThat(sysrq.body()).contains("db1 has no SysRq settings");
        assertThat(s.api("GET", "hosts/db1/rescue", null).status()).isEqualTo(404); // nothing stored
        assertThat(ok(s.api("GET", "hosts/db1", null)).body()).contains("\"mode\":\"local\"");
        assertThat(ok(s.api("GET", "events?host=db1", null)).body()).doesNotContain("rescue.", "power.requested");
        assertThat(s.api("POST", "hosts/nosuch/rescue", activate("nosuch", "power")).status()).isEqualTo(404);
    }

    @Test
    @SuppressWarnings("unchecked")
    void rebootNonePowerAndSysrq() throws Exception {
        host("db2", "52:54:00:00:00:82");
        Map<String, Object> none = json(ok(s.api("POST", "hosts/db2/rescue", activate("db2", "none"))));
        assertThat(none).doesNotContainKey("reboot");

        Path log = powerDriver("db2", "exit 0");
        var cycled = s.api("POST", "hosts/db2/rescue", activate("db2", "power"));
        assertThat(cycled.status()).as(cycled.body()).isEqualTo(201);
        assertThat(json(cycled).get("reboot")).isEqualTo(Map.of("how", "power", "result", "ok", "detail", "exec: db2.sh cycle db2 succeeded"));
        assertThat(Files.readAllLines(log)).containsExactly("cycle db2");

        // a power cycle that fails: the activation stands, the answer says so
        powerDriver("db2", "echo 'BMC unreachable' >&2; exit 1");
        Map<String, Object> failed = json(ok(s.api("POST", "hosts/db2/rescue", activate("db2", "power"))));
        assertThat((Map<String, Object>) failed.get("reboot")).containsEntry("result", "failed").extractingByKey("detail").asString().contains("BMC unreachable");
        assertThat(json(ok(s.api("GET", "hosts/db2/rescue", null)))).containsEntry("id", failed.get("id")).containsEntry("state", "activated")
                .doesNotContainKey("reboot");

        try (DatagramSocket xt = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            xt.setSoTimeout(5000);
            ok(s.api("PUT", "hosts/db2/sysrq", "{\"dialect\":\"xt\",\"address\":\"127.0.0.1\",\"xtPort\":" + xt.getLocalPort() + ",\"password\":\"pw\"}"));
            Map<String, Object> sub = json(ok(s.api("POST", "hosts/db2/rescue", activate("db2", "sysrq"))));
            assertThat((Map<String, Object>) sub.get("reboot")).containsEntry("how", "sysrq").containsEntry("result", "ok");
            DatagramPacket p = new DatagramPacket(new byte[512], 512);
            xt.receive(p);
            assertThat(new String(p.getData(), 0, p.getLength())).startsWith("sub,");
        }
        assertThat(ok(s.api("GET", "events?host=db2&limit=1000", null)).body())
                .contains("rescue.rebooted", "rescue.reboot-failed", "power.cycle", "power.failed", "sysrq.sent", "the activation stands");
    }

    @Test
    void registeredKeysComeWithEveryActivation() throws Exception {
        host("db3", "52:54:00:00:00:83");
        assertThat(s.api("POST", "hosts/db3/rescue", "{}").body()).contains("SSH key or a password", "netrescue host ssh-key add db3");
        var added = s.api("POST", "hosts/db3/ssh-keys", "{\"keys\":[\"" + KEY + "\"]}");
        assertThat(added.status()).as(added.body()).isEqualTo(201);
        assertThat(added.body()).contains("\"fingerprint\":\"SHA256:mD3LyF++aQih8yJFVUuAT/3CR8RQtlXYQNJxDzdk7B4\"");
        var again = s.api("POST", "hosts/db3/ssh-keys", "{\"keys\":[\"" + KEY + "\"]}");
        assertThat(again.status()).isEqualTo(200); // already registered: nothing changes
        assertThat(json(again).get("added")).isEqualTo(List.of());
        assertThat(s.api("POST", "hosts/db3/ssh-keys", "{\"keys\":[\"command=\\\"sh\\\" " + TEAM + "\"]}").body()).contains("options");
        assertThat(s.api("POST", "hosts/db3/ssh-keys", "{\"keys\":[\"" + TEAM + "\", \"ssh-ed25519 AAAA\"]}").status()).isEqualTo(400);
        assertThat(s.api("POST", "hosts/db3/ssh-keys", "{\"keys\":[]}").status()).isEqualTo(400);
        assertThat(s.api("POST", "hosts/nosuch/ssh-keys", "{\"keys\":[\"" + KEY + "\"]}").status()).isEqualTo(404);
        String list = ok(s.api("GET", "hosts/db3/ssh-keys", null)).body();
        assertThat(list).contains("op@desk").doesNotContain("team@ops"); // the refused batches stored nothing

        // no key given: the registered one; one given: both
        assertThat(ok(s.api("POST", "hosts/db3/rescue", "{}")).body()).contains("SHA256:mD3LyF++aQih8yJFVUuAT/3CR8RQtlXYQNJxDzdk7B4 op@desk");
        assertThat(json(ok(s.api("POST", "hosts/db3/rescue", "{\"sshKeys\":[\"" + TEAM + "\"]}"))).get("sshKeys")).asList().hasSize(2);

        // DELETE by fingerprint: base64url, so that its '/' does not split the path
        assertThat(s.api("DELETE", "hosts/db3/ssh-keys/SHA256:mD3LyF++aQih8yJFVUuAT/3CR8RQtlXYQNJxDzdk7B4", null).status()).isEqualTo(404);
        assertThat(s.api("DELETE", "hosts/db3/ssh-keys/not-a-fingerprint", null).status()).isEqualTo(400);
        assertThat(s.api("DELETE", "hosts/db3/ssh-keys/SHA256:mD3LyF--aQih8yJFVUuAT_3CR8RQtlXYQNJxDzdk7B4", null).status()).isEqualTo(204);
        assertThat(s.api("DELETE", "hosts/db3/ssh-keys/SHA256:mD3LyF--aQih8yJFVUuAT_3CR8RQtlXYQNJxDzdk7B4", null).status()).isEqualTo(404);
        assertThat(ok(s.api("GET", "hosts/db3/ssh-keys", null)).body()).isEqualTo("[]\n");
        assertThat(s.api("PUT", "hosts/db3/ssh-keys", "{}").status()).isEqualTo(405);
        assertThat(ok(s.api("GET", "events?host=db3", null)).body()).contains("ssh-key.added", "ssh-key.removed");
    }

    @Test
    void theLaddersRescueStepActivatesRescueWithTheRegisteredKeys() throws Exception {
        host("db4", "52:54:00:00:00:84");
        Path log = powerDriver("db4", "exit 0");
        ok(s.api("POST", "hosts/db4/ssh-keys", "{\"keys\":[\"" + KEY + "\"]}"));
        ok(s.api("POST", "hosts/db4/watchdog", "{\"ladder\":\"start\"}"));
        long deadline = System.nanoTime() + java.time.Duration.ofSeconds(10).toNanos();
        TestServer.Reply r;
        while ((r = s.api("GET", "hosts/db4/rescue", null)).status() == 404 && System.nanoTime() < deadline) Thread.sleep(50);
        Map<String, Object> a = json(ok(r));
        assertThat(a).containsEntry("state", "activated").containsEntry("passwordIssued", false);
        assertThat(a.get("sshKeys")).asList().containsExactly("ssh-ed25519 SHA256:mD3LyF++aQih8yJFVUuAT/3CR8RQtlXYQNJxDzdk7B4 op@desk");
        while (!Files.exists(log) && System.nanoTime() < deadline) Thread.sleep(50);
        assertThat(Files.readAllLines(log)).containsExactly("cycle db4");
        assertThat(ok(s.api("GET", "events?host=db4&limit=1000", null)).body()).contains("rescue.activated", "\"actor\":\"watchdog\"");
    }

    /**
     * Attack H3: the rescue system's agent holds a key of its activation, not the host's own key, so a
     * token seen on the wire never reaches the installed system's agent. While the rescue system runs,
     * netrescue signs SysRq with that key; the reboot out of rescue ({@code rescue end --reboot sysrq})
     * reaches it although the activation has just ended.
     */
    @Test
    void theRescueSystemsAgentHoldsItsActivationsKeyAndTheRebootOutReachesIt() throws Exception {
        host("db9", "52:54:00:00:00:89");
        ok(s.api("PUT", "hosts/db9/sysrq", "{\"dialect\":\"agent\",\"address\":\"127.0.0.1\",\"agentPort\":1,\"allowedKeys\":\"sub\"}"));
        String own = (String) json(ok(s.api("GET", "hosts/db9/sysrq/agent-config?listen=127.0.0.1:0", null))).get("config");
        ok(s.api("POST", "hosts/db9/rescue", activate("db9", "none")));
        String script = s.get("/boot.ipxe?mac=52-54-00-00-00-89&ip=127.0.0.1&uuid=&arch=x86_64&platform=pcbios");
        Matcher m = Pattern.compile("rescue\\.token=(\\S+)").matcher(script);
        assertThat(m.find()).as(script).isTrue();
        String bearer = "Authorization: Bearer " + m.group(1);
        assertThat(curl("-H", bearer, s.url() + "/rescue/settings").get(0)).isEqualTo("200");
        String conf = curl("-H", bearer, s.url() + "/rescue/agent.conf").get(1);
        String rescueKey = keyOf(conf), hostKey = keyOf(own);
        assertThat(rescueKey).isNotEqualTo(hostKey);

        java.util.Properties p = new java.util.Properties();
        p.load(new java.io.StringReader(conf));
        p.setProperty("listen", "127.0.0.1:0");
        Path trigger = Files.createFile(dir.resolve("db9-trigger"));
        p.setProperty("trigger", trigger.toString());
        p.setProperty("state", dir.resolve("db9-agent-state").toString());
        try (var agent = io.netrescue.agent.AgentMain.Agent.start(io.netrescue.agent.AgentConfig.of(p, "test"))) {
            ok(s.api("PUT", "hosts/db9/sysrq", "{\"agentPort\":" + agent.port() + "}"));
            Map<String, Object> ended = json(ok(s.api("POST", "hosts/db9/rescue/end", "{\"reboot\":\"sysrq\"}")));
            assertThat(ended).containsEntry("state", "ended");
            assertThat(ended.get("reboot").toString()).contains("result=ok");
            long end = System.nanoTime() + 3_000_000_000L;
            while (!Files.readString(trigger).equals("sub") && System.nanoTime() < end) Thread.sleep(20);
            assertThat(Files.readString(trigger)).isEqualTo("sub");
        }
    }

    private static String keyOf(String agentConfig) {
        Matcher k = Pattern.compile("(?m)^key = ([0-9a-f]{64})$").matcher(agentConfig);
        assertThat(k.find()).as(agentConfig).isTrue();
        return k.group(1);
    }
}
