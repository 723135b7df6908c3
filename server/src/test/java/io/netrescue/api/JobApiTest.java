package io.netrescue.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.netrescue.testing.TestServer;
import io.netrescue.testing.TestServer.Reply;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The job API over HTTP: built-ins with their checked arguments, the disk report's absence, odd methods. */
class JobApiTest {
    static TestServer s;

    @BeforeAll
    static void start() {
        s = TestServer.start();
        assertThat(s.api("POST", "hosts", "{\"name\":\"web1\",\"macs\":[\"52:54:00:aa:10:01\"]}").status()).isEqualTo(201);
    }

    @AfterAll
    static void stop() {
        s.close();
    }

    @Test
    void aBuiltinIsQueuedWithItsScriptAndArgumentsAsEnvironment() {
        Reply r = s.api("POST", "hosts/web1/jobs", """
                {"builtin":"reinstall","args":{"image":"https://images.example/deb.raw.zst","sha256":"%s","disk":"/dev/sda"},"endRescue":true}"""
                .formatted("ab".repeat(32)));
        assertThat(r.status()).as(r.body()).isEqualTo(201);
        assertThat(r.body()).contains("\"name\":\"reinstall /dev/sda\"", "\"builtin\":\"reinstall\"", "\"endRescue\":true",
                "\"env\":[\"IMAGE_URL\",\"IMAGE_SHA256\",\"DISK\"]", "\"timeoutSeconds\":14400", "\"state\":\"queued\"");
        assertThat(s.api("GET", "jobs/builtins", null).body()).contains("\"name\":\"disks\"", "\"name\":\"mount-root\"", "\"env\":\"IMAGE_URL\"");
    }

    @Test
    void badRequestsAreRefusedWithWhatIsWrongAndQueueNothing() {
        int before = s.api("GET", "hosts/web1/jobs", null).body().split("\"id\"").length;
        assertError(s.api("POST", "hosts/web1/jobs", "{\"builtin\":\"reinstall\",\"args\":{\"image\":\"https://x/i\",\"sha256\":\"%s\",\"disk\":\"/dev/sda; reboot\"}}"
                .formatted("0".repeat(64))), "disk '/dev/sda; reboot' is not valid");
        assertError(s.api("POST", "hosts/web1/jobs", "{\"builtin\":\"nope\"}"), "no built-in job 'nope'");
        assertError(s.api("POST", "hosts/web1/jobs", "{\"builtin\":\"disks\",\"script\":\"true\"}"), "not both");
        assertError(s.api("POST", "hosts/web1/jobs", "{\"script\":\"true\",\"args\":{\"disk\":\"/dev/sda\"}}"), "for a built-in");
        assertError(s.api("POST", "hosts/web1/jobs", "{\"builtin\":\"chroot\"}"), "needs command");
        assertError(s.api("POST", "hosts/web1/jobs", "{\"builtin\":\"chroot\",\"args\":{\"command\":\"true\"},\"env\":{\"CHROOT_COMMAND\":\"x\"}}"),
                "takes its arguments");
        // the attack: a host that allows only "disks" would run it with LD_PRELOAD pointing at a library of the attacker's
        assertError(s.api("POST", "hosts/web1/jobs", "{\"builtin\":\"disks\",\"installed\":true,\"env\":{\"LD_PRELOAD\":\"/tmp/x.so\"}}"),
                "takes its arguments");
        assertError(s.api("POST", "hosts/web1/jobs", "{\"builtin\":\"mount-root\",\"env\":{\"ROOT_DEVICE\":\"/dev/sda;reboot\"}}"),
                "takes its arguments");
        // a reinstall dressed up as disks in the job list
        assertError(s.api("POST", "hosts/web1/jobs", "{\"builtin\":\"disks\",\"name\":\"reinstall\"}"), "named after the built-in");
        // URLs: what the script accepts, and no credentials (they would be printed into the stored output)
        for (String url : new String[] {"https://user:pass@img.example/i.raw", "http://[fd00::1]/i.raw", "https://x/a(1).raw", "https://x/a;b"}) {
            assertError(s.api("POST", "hosts/web1/jobs", "{\"builtin\":\"reinstall\",\"args\":{\"image\":\"%s\",\"sha256\":\"%s\",\"disk\":\"/dev/sda\"}}"
                    .formatted(url, "0".repeat(64))), "image");
        }
        assertError(s.api("POST", "hosts/web1/jobs", "{\"script\":\"true\",\"env\":{\"A\":null}}"), "must not contain null");
        assertError(s.api("POST", "hosts/web1/jobs", "{}"), "is required");
        assertThat(s.api("GET", "hosts/web1/jobs", null).body().split("\"id\"").length).isEqualTo(before);
    }

    @Test
    void aHostWithoutADiskReportSaysHowToGetOne() {
        Reply r = s.api("GET", "hosts/web1/disks", null);
        assertThat(r.status()).isEqualTo(404);
        assertThat(r.body()).contains("--builtin disks");
        assertThat(s.api("POST", "hosts/web1/disks", "{}").status()).isEqualTo(405);
        assertThat(s.api("DELETE", "jobs/builtins", null).status()).isEqualTo(405);
        assertThat(s.api("GET", "hosts/nosuch/disks", null).status()).isEqualTo(404);
    }

    private static void assertError(Reply r, String text) {
        assertThat(r.status()).as(r.body()).isEqualTo(400);
        assertThat(r.body()).contains(text);
    }
}
