package io.netrescue.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.netrescue.testing.TestServer;
import io.netrescue.testing.TestServer.Reply;
import java.nio.file.Files;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class ApiTest {
    static TestServer s;

    @BeforeAll
    static void start() {
        s = TestServer.start();
    }

    @AfterAll
    static void stop() {
        s.close();
    }

    @Test
    void tokenFileIsOwnerOnlyAndEveryApiCallButHealthNeedsIt() throws Exception {
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(s.dataDir().resolve("api-token")))).isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(s.dataDir()))).as("the data directory the server made").isEqualTo("rwx------");
        for (String f : new String[] {"netrescue.db", "netrescue.db-wal", "netrescue.db-shm"}) {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(s.dataDir().resolve(f)))).as(f).isEqualTo("rw-------");
        }
        assertThat(s.request("GET", "/api/v1/health", null, null).status()).isEqualTo(200);
        assertThat(s.request("GET", "/api/v1/hosts", null, null).status()).isEqualTo(401);
        assertThat(s.request("POST", "/api/v1/hosts", "{\"name\":\"x\",\"macs\":[\"02:00:00:00:00:01\"]}", null).status()).isEqualTo(401);
        assertThat(s.request("POST", "/api/v1/hosts", "{\"name\":\"x\",\"macs\":[\"02:00:00:00:00:01\"]}", "wrong" + s.token()).status()).isEqualTo(401);
        assertThat(s.api("GET", "hosts/x", null).status()).as("the refused add created nothing").isEqualTo(404);
    }

    /** Issue 15, finding 9: the auth scheme is case-insensitive (RFC 9110 11.1); numbers in a query are ASCII digits. */
    @Test
    void bearerSchemeIsCaseInsensitiveAndQueryNumbersAreAscii() throws Exception {
        java.net.http.HttpClient c = java.net.http.HttpClient.newHttpClient();
        java.util.function.BiFunction<String, String, Integer> get = (path, auth) -> {
            try {
                return c.send(java.net.http.HttpRequest.newBuilder(s.url().resolve(path)).header("Authorization", auth).build(),
                        java.net.http.HttpResponse.BodyHandlers.discarding()).statusCode();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        };
        for (String scheme : new String[] {"Bearer", "bearer", "BEARER", "bEaReR"}) {
            assertThat(get.apply("/api/v1/hosts", scheme + " " + s.token())).as(scheme).isEqualTo(200);
        }
        assertThat(get.apply("/api/v1/hosts", "Basic " + s.token())).isEqualTo(401);
        assertThat(get.apply("/api/v1/hosts", "Bearer" + s.token())).isEqualTo(401);
        assertThat(get.apply("/api/v1/events?limit=5", "Bearer " + s.token())).isEqualTo(200);
        assertThat(get.apply("/api/v1/events?limit=%EF%BC%95", "Bearer " + s.token())).as("full-width 5").isEqualTo(400);
        assertThat(get.apply("/api/v1/events?limit=%D9%A5", "Bearer " + s.token())).as("Arabic-Indic 5").isEqualTo(400);
        assertThat(get.apply("/api/v1/events?limit=+5", "Bearer " + s.token())).as("a sign").isEqualTo(400);
    }

    /** Issue 15, finding 7: a body that is not UTF-8 got a 500 and a stack trace in the log. */
    @Test
    void aBodyThatIsNotUtf8GetsA400EverywhereAndChangesNothing() throws Exception {
        assertThat(s.api("POST", "hosts", "{\"name\":\"u8\",\"macs\":[\"02:00:00:00:00:u8\"]}").status()).isEqualTo(400);
        s.api("POST", "hosts", "{\"name\":\"u8\",\"macs\":[\"02:00:00:00:08:08\"]}");
        byte[] bad = {'{', '"', 'n', 'a', 'm', 'e', '"', ':', '"', (byte) 0xC3, (byte) 0x28, '"', '}'};
        java.net.http.HttpClient c = java.net.http.HttpClient.newHttpClient();
        for (String[] m : new String[][] {{"POST", "hosts"}, {"POST", "profiles"}, {"PUT", "hosts/u8/boot"}, {"PUT", "hosts/u8/sysrq"},
                {"POST", "hosts/u8/sysrq"}, {"POST", "hosts/u8/watchdog"}, {"POST", "hosts/u8/rescue"}, {"POST", "hosts/u8/jobs"},
                {"POST", "hosts/u8/ssh-keys"}, {"POST", "hosts/u8/kernel-try"}, {"PUT", "hosts/u8/power/ipmi"}}) {
            var r = c.send(java.net.http.HttpRequest.newBuilder(s.url().resolve("/api/v1/" + m[1])).header("Authorization", "Bearer " + s.token())
                    .header("Content-Type", "application/json").method(m[0], java.net.http.HttpRequest.BodyPublishers.ofByteArray(bad)).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).as(m[0] + " " + m[1] + ": " + r.body()).isEqualTo(400);
            assertThat(r.body()).as(m[1]).contains("not valid UTF-8");
        }
        assertThat(s.api("GET", "hosts/u8/boot", null).body()).contains("\"mode\":\"local\"");
        s.api("DELETE", "hosts/u8", null);
    }

    /** Issue 15, finding 5: a profile's command line cannot end iPXE's kernel line (checked when saved). */
    @Test
    void aProfileCommandLineThatWouldEndTheKernelLineIsRefused() {
        for (String bad : new String[] {"console=ttyS0 ; shell", "quiet && shell", "quiet || reboot", "quiet #rest", "sn=${serial}"}) {
            assertError(s.api("POST", "profiles", "{\"name\":\"inj\",\"kernel\":\"vmlinuz\",\"cmdline\":\"" + bad + "\"}"), 400, "iPXE");
        }
        assertThat(s.api("GET", "profiles/inj", null).status()).isEqualTo(404);
    }

    @Test
    void hostLifecycle() {
        Reply r = s.api("POST", "hosts", """
                {"name":"web1","macs":["52:54:00:aa:00:01","52-54-00-AA-00-02"],"uuid":"8c5b0b4e-2f6a-4d1e-9a61-0123456789ab",
                 "ips":["10.0.0.5"],"labels":{"rack":"r1"}}""");
        assertThat(r.status()).isEqualTo(201);
        assertThat(r.body()).contains("\"macs\":[\"52:54:00:aa:00:01\",\"52:54:00:aa:00:02\"]");
        String show = s.api("GET", "hosts/web1", null).body();
        assertThat(show).contains("\"uuid\":\"8c5b0b4e-2f6a-4d1e-9a61-0123456789ab\"", "\"ips\":[\"10.0.0.5\"]", "\"rack\":\"r1\"", "\"mode\":\"local\"");
        assertThat(s.api("GET", "hosts", null).body()).contains("\"name\":\"web1\"");
        assertThat(s.api("DELETE", "hosts/web1", null).status()).isEqualTo(204);
        assertThat(s.api("GET", "hosts/web1", null).status()).isEqualTo(404);
        assertThat(s.api("GET", "events?host=web1", null).body()).contains("host.added", "host.removed");
    }

    @Test
    void clearErrorsForBadInput() {
        assertError(s.api("POST", "hosts", "{\"name\":\"b1\",\"macs\":[\"52:54:00:12:34\"]}"), 400, "malformed MAC address");
        assertError(s.api("POST", "hosts", "{\"name\":\"b1\",\"macs\":[]}"), 400, "needs at least one MAC");
        assertError(s.api("POST", "hosts", "{\"name\":\"b1\",\"macs\":[\"02:00:00:00:00:09\"],\"ips\":[\"10.0.0.300\"]}"), 400, "malformed IP");
        assertError(s.api("POST", "hosts", "{\"name\":\"b1\",\"macs\":[\"02:00:00:00:00:09\"],\"uuid\":\"nope\"}"), 400, "malformed UUID");
        assertError(s.api("POST", "hosts", "{\"name\":\"B 1\",\"macs\":[\"02:00:00:00:00:09\"]}"), 400, "invalid host name");
        assertError(s.api("POST", "hosts", "{\"name\":"), 400, "malformed JSON");
        assertError(s.api("POST", "hosts", "{\"name\":\"b1\",\"macs\":[\"02:00:00:00:00:09\"],\"colour\":1}"), 400, "unknown field \"colour\"");
        assertThat(s.api("POST", "hosts", "{\"name\":\"dup\",\"macs\":[\"02:00:00:00:00:10\"]}").status()).isEqualTo(201);
        assertError(s.api("POST", "hosts", "{\"name\":\"dup\",\"macs\":[\"02:00:00:00:00:11\"]}"), 409, "host dup already exists");
        assertError(s.api("POST", "hosts", "{\"name\":\"dup2\",\"macs\":[\"02:00:00:00:00:10\"]}"), 409, "already belongs to host dup");
        assertError(s.api("POST", "hosts", "{\"name\":\"dup3\",\"macs\":[\"02:00:00:00:00:12\",\"02-00-00-00-00-12\"]}"), 400, "given twice");
        assertError(s.api("GET", "hosts/ghost", null), 404, "no host named ghost");
        assertError(s.api("DELETE", "hosts/ghost", null), 404, "no host named ghost");
        assertError(s.api("PUT", "hosts/dup/boot", "{\"mode\":\"once\",\"profile\":\"nothere\"}"), 404, "no profile named nothere");
        assertError(s.api("PUT", "hosts/dup/boot", "{\"mode\":\"sideways\"}"), 400, "unknown boot mode");
        assertError(s.api("PUT", "hosts/dup/boot", "{\"mode\":\"local\",\"for\":\"2h\"}"), 400, "never expires");
        assertError(s.api("GET", "nothing", null), 404, "no such API path");
        assertThat(s.api("PATCH", "hosts", null).status()).isEqualTo(405);
    }

    @Test
    void profilesAndModes() {
        assertThat(s.api("POST", "hosts", "{\"name\":\"db1\",\"macs\":[\"02:00:00:00:01:01\"]}").status()).isEqualTo(201);
        assertThat(s.api("POST", "profiles", "{\"name\":\"inst\",\"kernel\":\"debian/linux\",\"initrds\":[\"debian/initrd.gz\"],\"cmdline\":\"auto host={host}\"}").status()).isEqualTo(201);
        assertError(s.api("POST", "profiles", "{\"name\":\"inst\",\"kernel\":\"x\"}"), 409, "already exists");
        assertThat(s.api("POST", "profiles", "{\"name\":\"inst\",\"kernel\":\"debian/linux2\",\"replace\":true}").body()).contains("linux2");
        assertError(s.api("POST", "profiles", "{\"name\":\"evil\",\"kernel\":\"../../etc/shadow\"}"), 400, "no '..'");
        Reply b = s.api("PUT", "hosts/db1/boot", "{\"mode\":\"profile\",\"profile\":\"inst\",\"for\":\"2h\"}");
        assertThat(b.status()).isEqualTo(200);
        assertThat(b.body()).contains("\"mode\":\"profile\"", "\"profile\":\"inst\"", "\"expiresAt\"");
        assertThat(s.api("PUT", "hosts/db1/boot", "{\"mode\":\"once\",\"profile\":\"inst\"}").body())
                .contains("\"mode\":\"once\"", "\"then\":{\"mode\":\"profile\"");
        assertError(s.api("DELETE", "profiles/inst", null), 409, "in use by host(s) db1");
        assertThat(s.api("PUT", "hosts/db1/boot", "{\"mode\":\"local\"}").status()).isEqualTo(200);
        assertThat(s.api("GET", "hosts/db1/boot", null).body()).contains("\"mode\":\"local\"").doesNotContain("then");
        assertThat(s.api("DELETE", "profiles/inst", null).status()).isEqualTo(204);
        assertThat(s.api("GET", "events?host=db1", null).body()).contains("boot.mode", "api:127.0.0.1");
    }

    /** Every endpoint that reads a JSON body: {@code null} or a JSON value that is not an object is a 400 that says so, never a 500. */
    @Test
    void aBodyThatIsNotAJsonObjectIsA400Everywhere() {
        assertThat(s.api("POST", "hosts", "{\"name\":\"j1\",\"macs\":[\"02:00:00:00:02:01\"]}").status()).isEqualTo(201);
        String[][] endpoints = {{"POST", "hosts"}, {"PUT", "hosts/j1/boot"}, {"POST", "hosts/j1/boot"}, {"POST", "profiles"},
                {"PUT", "hosts/j1/sysrq"}, {"POST", "hosts/j1/sysrq"}, {"POST", "hosts/j1/watchdog"}, {"POST", "hosts/j1/kernel-try"},
                {"POST", "hosts/j1/power"}, {"PUT", "hosts/j1/power/exec"}, {"POST", "hosts/j1/rescue"}, {"POST", "hosts/j1/rescue/end"},
                {"POST", "hosts/j1/ssh-keys"}};
        for (String[] e : endpoints) {
            for (String body : java.util.List.of("null", " null ", "[]", "1", "\"x\"", "true", "{} {}")) {
                Reply r = s.api(e[0], e[1], body);
                assertThat(r.status()).as("%s %s with %s: %s", e[0], e[1], body, r.body()).isEqualTo(400);
                assertThat(r.body()).as("%s %s with %s", e[0], e[1], body).startsWith("{\"error\":").doesNotContain("internal error", "io.netrescue", "java.", "$");
            }
            assertThat(s.api(e[0], e[1], "null").body()).as("%s %s", e[0], e[1]).contains("JSON object");
        }
    }

    /** No coercion, no duplicates, no Java in the messages: the field at fault, in JSON's words. */
    @Test
    void theJsonIsReadStrictlyAndErrorsNameTheField() {
        assertThat(s.api("POST", "hosts", "{\"name\":\"k1\",\"macs\":[\"02:00:00:00:03:01\"]}").status()).isEqualTo(201);
        assertError(s.api("PUT", "hosts/k1/boot", "{\"mode\":\"local\",\"for\":\"\"}"), 400, "\"for\" must not be empty");
        assertError(s.api("PUT", "hosts/k1/boot", "{\"mode\":\"local\",\"mode\":\"once\"}"), 400, "field \"mode\" is given twice");
        assertError(s.api("PUT", "hosts/k1/boot", "{\"mode\":1}"), 400, "\"mode\" must be a string");
        assertError(s.api("POST", "hosts", "{\"name\":\"k2\",\"macs\":\"02:00:00:00:03:02\"}"), 400, "\"macs\" must be a list");
        assertError(s.api("POST", "hosts", "{\"name\":\"k2\",\"macs\":[\"02:00:00:00:03:02\", 7]}"), 400, "\"macs[1]\" must be a string");
        assertError(s.api("POST", "hosts", "{\"name\":\"k2\",\"macs\":[\"02:00:00:00:03:02\"],\"labels\":{\"rack\":1}}"), 400, "\"labels.rack\" must be a string");
        assertError(s.api("POST", "hosts", "{\"name\":\"k2\",\"macs\":[\"02:00:00:00:03:02\",null]}"), 400, "\"macs[1]\" must not contain null");
        assertError(s.api("POST", "hosts/k1/sysrq", "{\"keys\":\"s\",\"pause\":\"5\"}"), 400, "\"pause\" must be a whole number");
        assertError(s.api("POST", "hosts/k1/sysrq", "{\"keys\":\"s\",\"pause\":5.5}"), 400, "\"pause\" must be a whole number");
        assertError(s.api("POST", "hosts/k1/watchdog", "{\"maintenance\":1}"), 400, "\"maintenance\" must be true or false");
        assertError(s.api("POST", "hosts/k1/watchdog", "{\"maintenance\":\"true\"}"), 400, "\"maintenance\" must be true or false");
        Reply unknown = s.api("POST", "profiles", "{\"name\":\"p\",\"kernel\":\"k\",\"colour\":1}");
        assertError(unknown, 400, "unknown field \"colour\" (known: cmdline, initrds, kernel, name, replace)");
        assertThat(s.api("GET", "hosts/k2", null).status()).as("nothing refused was stored").isEqualTo(404);
    }

    /** Errors Jetty answers itself (no handler, or refused before one) are JSON too, as docs/api.md says of every error. */
    @Test
    void errorsJettyAnswersItselfAreJson() throws Exception {
        java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
        record Raw(int status, String type, String body) {}
        java.util.function.BiFunction<String, java.util.Map<String, String>, Raw> get = (path, headers) -> {
            var b = java.net.http.HttpRequest.newBuilder(java.net.URI.create(s.url() + path));
            headers.forEach(b::header);
            try {
                var r = http.send(b.build(), java.net.http.HttpResponse.BodyHandlers.ofString());
                return new Raw(r.statusCode(), r.headers().firstValue("Content-Type").orElse(""), r.body());
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        };
        var auth = java.util.Map.of("Authorization", "Bearer " + s.token());
        Raw notFound = get.apply("/no/such/page", java.util.Map.of());
        Raw tooLong = get.apply("/api/v1/hosts/" + "a".repeat(100_000), auth);
        Raw hugeHeader = get.apply("/api/v1/hosts", java.util.Map.of("Authorization", "Bearer " + s.token(), "X-Big", "b".repeat(100_000)));
        Raw nul = get.apply("/api/v1/hosts/a%00b", auth);
        Raw slash = get.apply("/api/v1/hosts/a%2fb", auth);
        assertThat(java.util.List.of(notFound.status(), tooLong.status(), hugeHeader.status(), nul.status(), slash.status()))
                .containsExactly(404, 414, 431, 400, 400);
        for (Raw r : java.util.List.of(notFound, tooLong, hugeHeader, nul, slash)) {
            assertThat(r.type()).as(r.body()).startsWith("application/json");
            assertThat(r.body()).as("status %d", r.status()).matches("\\{\"error\":\"[^\"<]+\"\\}\n").doesNotContainIgnoringCase("<html");
            assertThat(Json.MAPPER.readValue(r.body(), Json.ErrorJson.class).error()).isNotBlank();
        }
    }

    private static void assertError(Reply r, int status, String text) {
        assertThat(r.status()).as(r.body()).isEqualTo(status);
        assertThat(r.body()).startsWith("{\"error\":");
        assertThat(Json.MAPPER.readValue(r.body(), Json.ErrorJson.class).error()).contains(text);
    }
}
