package io.netrescue.power.server;

import io.netrescue.testing.TestCertificate;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.netrescue.inventory.InvalidInputException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** RedfishDriver against {@link RedfishEmulator} (DMTF public-rackmount1) over HTTPS and HTTP. */
class RedfishDriverTest {
    static final String USER = "admin";
    static final String PASS = "rf-" + Long.toHexString(System.nanoTime());
    static final String ID = "437XR1138R2";

    @TempDir static Path certs;
    static TestCertificate cert;
    RedfishEmulator bmc;

    @BeforeAll
    static void certificate() throws Exception {
        cert = TestCertificate.generate(certs, "ip:127.0.0.1");
    }

    @BeforeEach
    void start() throws Exception {
        bmc = RedfishEmulator.https(USER, PASS, cert);
    }

    @AfterEach
    void stop() {
        if (bmc != null) bmc.close();
    }

    RedfishDriver driver(String url, Map<String, String> extra, String password, Duration timeout) {
        Map<String, String> s = new HashMap<>(Map.of("url", url, "user", USER));
        s.putAll(extra);
        return RedfishDriver.from(new PowerSettings("web1", "redfish", s, Optional.of(password), timeout));
    }

    RedfishDriver driver(Map<String, String> extra) {
        Map<String, String> s = new HashMap<>(Map.of("system", ID, "verify", cert.caPem().toString()));
        s.putAll(extra);
        return driver(bmc.url(), s, PASS, Duration.ofSeconds(5));
    }

    @Test
    void statusOnOffCycleAndSoftResetOverHttpsWithTheCaFile() throws Exception {
        RedfishDriver d = driver(Map.of());
        assertThat(d.status()).isEqualTo(PowerState.ON);
        assertThat(d.perform(PowerAction.OFF)).contains("ForceOff accepted by " + bmc.url()).contains(ID);
        assertThat(bmc.powerState()).isEqualTo("Off");
        assertThat(d.status()).isEqualTo(PowerState.OFF);
        d.perform(PowerAction.ON);
        assertThat(d.status()).isEqualTo(PowerState.ON);
        // the mockup lists ForceRestart but not PowerCycle
        assertThat(d.perform(PowerAction.CYCLE)).contains("ForceRestart");
        assertThat(d.perform(PowerAction.SOFT_RESET)).contains("GracefulRestart");
        assertThat(bmc.resets()).containsExactly("ForceOff", "On", "ForceRestart", "GracefulRestart");
        // the target came from the system resource
        assertThat(bmc.requests()).contains("POST " + RedfishEmulator.SYSTEM + "/Actions/ComputerSystem.Reset");
        assertThat(d.describe()).isEqualTo("redfish " + bmc.url() + " /redfish/v1/Systems/" + ID).doesNotContain(PASS);
    }

    @Test
    void cyclePrefersPowerCycleAndFallsBackToForceOffThenOn() throws Exception {
        bmc.allowResetTypes(List.of("On", "ForceOff", "ForceRestart", "PowerCycle"));
        driver(Map.of()).perform(PowerAction.CYCLE);
        assertThat(bmc.resets()).containsExactly("PowerCycle");

        bmc.allowResetTypes(List.of("On", "ForceOff"));
        String detail = driver(Map.of()).perform(PowerAction.CYCLE);
        assertThat(detail).contains("ForceOff then On");
        assertThat(bmc.resets()).containsExactly("PowerCycle", "ForceOff", "On");
        assertThat(bmc.powerState()).isEqualTo("On");
    }

    @Test
    void aResetTypeTheSystemDoesNotListIsRefusedBeforeSending() {
        bmc.allowResetTypes(List.of("On", "ForceOff"));
        PowerException e = catchThrowableOfType(PowerException.class, () -> driver(Map.of()).perform(PowerAction.SOFT_RESET));
        assertThat(e.retryable()).isFalse();
        assertThat(e.getMessage()).contains("GracefulRestart").contains("allowed: On, ForceOff");
        assertThat(bmc.resets()).isEmpty();
    }

    @Test
    void theBmcsRedfishErrorMessageIsReportedFor400() {
        bmc.allowResetTypes(null); // no list in the resource: the driver sends its default, the BMC says 400
        PowerException e = catchThrowableOfType(PowerException.class, () -> driver(Map.of()).perform(PowerAction.SOFT_RESET));
        assertThat(e.retryable()).isFalse();
        assertThat(e.getMessage()).contains("HTTP 400")
                .contains("The value 'GracefulRestart' for the parameter ResetType in the action ComputerSystem.Reset is not in the list");
    }

    @Test
    void verifyTrueRejectsTheSelfSignedCertificateClearly() {
        long t0 = System.nanoTime();
        PowerException e = catchThrowableOfType(PowerException.class, () -> driver(Map.of("verify", "true")).status());
        assertThat(e.retryable()).isFalse();
        assertThat(e.getMessage()).contains("certificate is not trusted with verify=true").contains("verify=/path/ca.pem");
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(3));
        assertThat(bmc.requests()).isEmpty();
        // the default is verify=true
        Map<String, String> noVerify = new HashMap<>(Map.of("system", ID));
        assertThatThrownBy(() -> driver(bmc.url(), noVerify, PASS, Duration.ofSeconds(5)).status())
                .isInstanceOf(PowerException.class).hasMessageContaining("not trusted");
    }

    @Test
    void theCaFileDoesNotExcuseACertificateForAnotherName() throws Exception {
        Path dir = Files.createTempDirectory(certs, "other");
        TestCertificate other = TestCertificate.generate(dir, "dns:bmc.example.net");
        try (RedfishEmulator wrongName = RedfishEmulator.https(USER, PASS, other)) {
            PowerException e = catchThrowableOfType(PowerException.class, () -> driver(wrongName.url(),
                    Map.of("system", ID, "verify", other.caPem().toString()), PASS, Duration.ofSeconds(5)).status());
            assertThat(e.retryable()).isFalse();
            assertThat(e.getMessage()).contains("not trusted").containsIgnoringCase("127.0.0.1");
            // verify=false is the explicit opt-out: name and issuer are not checked
            assertThat(driver(wrongName.url(), Map.of("system", ID, "verify", "false"), PASS, Duration.ofSeconds(5)).status())
                    .isEqualTo(PowerState.ON);
        }
    }

    @Test
    void aWrongPasswordIs401NotRetryableAndNotInTheMessage() {
        String wrong = "wrong-" + PASS;
        PowerException e = catchThrowableOfType(PowerException.class, () -> driver(bmc.url(),
                Map.of("system", ID, "verify", cert.caPem().toString()), wrong, Duration.ofSeconds(5)).perform(PowerAction.OFF));
        assertThat(e.retryable()).isFalse();
        assertThat(e.getMessage()).contains("HTTP 401").contains("user 'admin'").doesNotContain(wrong).doesNotContain(PASS);
        assertThat(bmc.resets()).isEmpty();
    }

    @Test
    void aDeadPortIsRetryableAndQuick() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        long t0 = System.nanoTime();
        PowerException e = catchThrowableOfType(PowerException.class,
                () -> driver("https://127.0.0.1:" + port, Map.of("system", ID), PASS, Duration.ofSeconds(2)).status());
        assertThat(e.retryable()).isTrue();
        assertThat(e.getMessage()).contains("127.0.0.1:" + port).contains("cannot connect");
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(2));
    }

    @Test
    void aBmcThatNeverAnswersTimesOutWithinTheTimeout() throws Exception {
        try (ServerSocket s = new ServerSocket(0, 5, InetAddress.getLoopbackAddress())) {
            Thread accept = Thread.ofVirtual().start(() -> {
                try (Socket c = s.accept()) {
                    c.getInputStream().readAllBytes(); // hold the connection, say nothing
                } catch (Exception ignored) {
                    // closed by the test
                }
            });
            long t0 = System.nanoTime();
            PowerException e = catchThrowableOfType(PowerException.class, () -> driver("http://127.0.0.1:" + s.getLocalPort(),
                    Map.of("system", ID), PASS, Duration.ofMillis(800)).status());
            Duration took = Duration.ofNanos(System.nanoTime() - t0);
            assertThat(e.retryable()).isTrue();
            assertThat(e.getMessage()).contains("no answer within 800 ms");
            assertThat(took).isBetween(Duration.ofMillis(700), Duration.ofMillis(2000));
            accept.interrupt();
        }
    }

    @Test
    void theSystemIsDiscoveredWhenThereIsOneAndMustBeNamedWhenThereAreSeveral() throws Exception {
        Map<String, String> noSystem = new HashMap<>(Map.of("verify", cert.caPem().toString()));
        RedfishDriver d = driver(bmc.url(), noSystem, PASS, Duration.ofSeconds(5));
        assertThat(d.status()).isEqualTo(PowerState.ON);
        assertThat(d.perform(PowerAction.OFF)).contains("system " + ID);
        assertThat(bmc.requests()).startsWith("GET /redfish/v1", "GET /redfish/v1/Systems", "GET " + RedfishEmulator.SYSTEM);

        bmc.addSystem("second");
        PowerException e = catchThrowableOfType(PowerException.class, () -> driver(bmc.url(), noSystem, PASS, Duration.ofSeconds(5)).status());
        assertThat(e.retryable()).isFalse();
        assertThat(e.getMessage()).contains("2 ComputerSystems").contains("/redfish/v1/Systems/second").contains("set 'system'");
        // a path works as well as an id, and the action goes to that system only
        RedfishDriver second = driver(Map.of("system", "/redfish/v1/Systems/second"));
        assertThat(second.status()).isEqualTo(PowerState.OFF); // copied from the first after its OFF
        second.perform(PowerAction.ON);
        assertThat(second.status()).isEqualTo(PowerState.ON);
        assertThat(bmc.powerState()).isEqualTo("Off");
        assertThat(bmc.requests()).contains("POST /redfish/v1/Systems/second/Actions/ComputerSystem.Reset");
    }

    @Test
    void plainHttpWorksForLabs() throws Exception {
        try (RedfishEmulator plain = RedfishEmulator.http(USER, PASS)) {
            RedfishDriver d = driver(plain.url(), Map.of(), PASS, Duration.ofSeconds(5));
            d.perform(PowerAction.OFF);
            assertThat(d.status()).isEqualTo(PowerState.OFF);
            assertThat(plain.resets()).containsExactly("ForceOff");
        }
    }

    @Test
    void settingsAreValidatedAndNamed() {
        assertThatThrownBy(() -> driver(Map.of("sytem", "1"))).isInstanceOf(InvalidInputException.class).hasMessageContaining("unknown setting 'sytem'");
        assertThatThrownBy(() -> driver("ftp://bmc", Map.of(), PASS, Duration.ofSeconds(1))).isInstanceOf(InvalidInputException.class).hasMessageContaining("'url'");
        assertThatThrownBy(() -> driver("https://bmc/redfish/v1", Map.of(), PASS, Duration.ofSeconds(1))).hasMessageContaining("no path");
        assertThatThrownBy(() -> driver(Map.of("verify", "/nonexistent/ca.pem"))).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("'verify'").hasMessageContaining("/nonexistent/ca.pem");
        assertThatThrownBy(() -> driver(Map.of("system", "a b"))).hasMessageContaining("'system'");
        assertThatThrownBy(() -> RedfishDriver.from(new PowerSettings("web1", "redfish", Map.of("url", "https://bmc", "user", "u"),
                Optional.empty(), Duration.ofSeconds(1)))).hasMessageContaining("needs a secret");
    }
}
