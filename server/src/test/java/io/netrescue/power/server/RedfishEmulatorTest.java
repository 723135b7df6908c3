package io.netrescue.power.server;

import io.netrescue.testing.TestCertificate;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Our Redfish emulator, checked with clients no one here wrote: OpenStack's python3-sushy (Debian)
 * and curl, both over HTTPS verifying the emulator's certificate against the test CA. Passwords reach them through the environment or stdin, not the command line.
 */
class RedfishEmulatorTest {
    static final String USER = "admin";
    static final String PASS = "emu-" + Long.toHexString(System.nanoTime());
    static final Path PY = Path.of("/usr/bin/python3");

    @TempDir Path tmp;
    RedfishEmulator bmc;
    TestCertificate cert;

    @BeforeEach
    void start() throws Exception {
        cert = TestCertificate.generate(tmp, "ip:127.0.0.1");
        bmc = RedfishEmulator.https(USER, PASS, cert);
    }

    @AfterEach
    void stop() {
        if (bmc != null) bmc.close();
    }

    static final String SUSHY = """
            import json, os, sys, sushy
            from sushy import exceptions
            url, ca = os.environ['RF_URL'], os.environ['RF_CA']
            s = sushy.Sushy(url, auth=sushy.auth.BasicAuth(os.environ['RF_USER'], os.environ['RF_PASS']), verify=ca)
            sy = s.get_system(os.environ['RF_SYSTEM'])
            out = {'identity': sy.identity, 'before': str(sy.power_state),
                   'allowed': sorted(str(v) for v in sy.get_allowed_reset_system_values())}
            sy.reset_system(sushy.RESET_FORCE_OFF); sy.refresh(); out['afterForceOff'] = str(sy.power_state)
            sy.reset_system(sushy.RESET_ON); sy.refresh(); out['afterOn'] = str(sy.power_state)
            sy.reset_system(sushy.RESET_GRACEFUL_SHUTDOWN); sy.refresh(); out['afterGracefulShutdown'] = str(sy.power_state)
            sy.reset_system(sushy.RESET_FORCE_RESTART); sy.refresh(); out['afterForceRestart'] = str(sy.power_state)
            try:
                sushy.Sushy(url, auth=sushy.auth.BasicAuth(os.environ['RF_USER'], 'wrong'), verify=ca).get_system(os.environ['RF_SYSTEM'])
                out['wrongPassword'] = 'accepted'
            except exceptions.AccessError as e:
                out['wrongPassword'] = 'AccessError %s' % e.status_code
            print(json.dumps(out))
            """;

    @Test
    void sushyReadsPowerStateAndResetsTheSystem() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(PY) && run(List.of(PY.toString(), "-c", "import sushy"), "").exit == 0,
                "needs Debian's python3-sushy (/usr/bin/python3 -c 'import sushy')");
        Result r = run(List.of(PY.toString(), "-c", SUSHY), "");
        assertThat(r.exit).as(r.out + "\nrequests: " + bmc.requests()).isZero();
        String json = r.out.lines().reduce((a, b) -> b).orElse("");
        var out = tools.jackson.databind.json.JsonMapper.builder().build().readTree(json);
        assertThat(out.path("identity").asString()).isEqualTo("437XR1138R2");
        assertThat(out.path("before").asString()).containsIgnoringCase("on");
        assertThat(out.path("afterForceOff").asString()).containsIgnoringCase("off");
        assertThat(out.path("afterOn").asString()).containsIgnoringCase("on").doesNotContainIgnoringCase("off");
        assertThat(out.path("afterGracefulShutdown").asString()).containsIgnoringCase("off");
        assertThat(out.path("afterForceRestart").asString()).containsIgnoringCase("on").doesNotContainIgnoringCase("off");
        assertThat(out.path("wrongPassword").asString()).isEqualTo("AccessError 401");
        assertThat(bmc.resets()).containsExactly("ForceOff", "On", "GracefulShutdown", "ForceRestart");
        assertThat(bmc.powerState()).isEqualTo("On");
    }

    @Test
    void curlSeesRedfishErrorsForABadResetTypeAndNoCredentials() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/curl")), "needs curl");
        String target = bmc.url() + RedfishEmulator.SYSTEM + "/Actions/ComputerSystem.Reset";
        // credentials in a curl config read from stdin, so they are not on the command line
        String config = "user = \"" + USER + ":" + PASS + "\"\n";
        Result bad = run(List.of("/usr/bin/curl", "-s", "--cacert", cert.caPem().toString(), "-K", "-", "-w", "\\n%{http_code}", "-H", "Content-Type: application/json",
                "-d", "{\"ResetType\":\"Bogus\"}", target), config);
        assertThat(bad.out).endsWith("\n400").contains("Base.1.15.ActionParameterValueNotInList").contains("'Bogus'");
        Result noAuth = run(List.of("/usr/bin/curl", "-s", "--cacert", cert.caPem().toString(), "-o", "/dev/null", "-w", "%{http_code}", bmc.url() + RedfishEmulator.SYSTEM), "");
        assertThat(noAuth.out).isEqualTo("401");
        Result root = run(List.of("/usr/bin/curl", "-s", "--cacert", cert.caPem().toString(), bmc.url() + "/redfish/v1/"), "");
        assertThat(root.out).contains("\"RedfishVersion\"");
        Result ok = run(List.of("/usr/bin/curl", "-s", "--cacert", cert.caPem().toString(), "-K", "-", "-o", "/dev/null", "-w", "%{http_code}", "-H", "Content-Type: application/json",
                "-d", "{\"ResetType\":\"ForceOff\"}", target), config);
        assertThat(ok.out).isEqualTo("204");
        assertThat(bmc.powerState()).isEqualTo("Off");
    }

    record Result(int exit, String out) {}

    Result run(List<String> cmd, String stdin) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("RF_URL", bmc == null ? "" : bmc.url());
        pb.environment().put("RF_USER", USER);
        pb.environment().put("RF_PASS", PASS);
        pb.environment().put("RF_SYSTEM", RedfishEmulator.SYSTEM);
        pb.environment().put("RF_CA", cert == null ? "" : cert.caPem().toString());
        // requests lets these override a session's verify setting; the clients must check our CA only
        pb.environment().keySet().removeAll(List.of("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "SSL_CERT_FILE", "SSL_CERT_DIR"));
        Process p = pb.start();
        try {
            p.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.waitFor(30, TimeUnit.SECONDS)).as("process finished: " + cmd.getFirst()).isTrue();
            return new Result(p.exitValue(), out.strip());
        } finally {
            p.destroyForcibly();
        }
    }
}
