package io.netrescue.rescue.server;

import static io.netrescue.testing.TestServer.ok;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.netrescue.testing.TestServer;
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

/**
 * A rescue activation through the real server: the operator's API, the boot decision that hands the
 * rescue system its per-boot token, and the rescue system's own requests made with curl (what its
 * /init uses), including forged, replayed and odd-method requests.
 */
class RescueApiTest {
    static final String KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKJorwhW84BJK7gwpeH38Gs16ZH8IhlXNLmCBmD0j3dL op@desk";
    static TestServer s;

    @BeforeAll
    static void start() {
        s = TestServer.start();
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

    @Test
    void badActivationsAreRefusedWithAReason() {
        assertThat(s.api("POST", "hosts/web1/rescue", "{\"sshKeys\":[\"command=\\\"sh\\\" " + KEY + "\"]}").status()).isEqualTo(400);
        assertThat(s.api("POST", "hosts/web1/rescue", "{}").body()).contains("SSH key or a password");
        assertThat(s.api("POST", "hosts/web1/rescue", "{\"password\":true,\"for\":\"30d\"}").status()).isEqualTo(400);
        assertThat(s.api("POST", "hosts/nosuch/rescue", "{\"password\":true}").status()).isEqualTo(404);
        assertThat(s.api("PATCH", "hosts/web1/rescue", "{}").status()).isEqualTo(405);
        assertThat(s.api("GET", "hosts/web1/rescue/other", null).status()).isEqualTo(404);
    }
}
