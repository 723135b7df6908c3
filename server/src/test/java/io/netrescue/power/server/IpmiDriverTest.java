package io.netrescue.power.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.netrescue.inventory.InvalidInputException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** IpmiDriver with the real ipmitool against OpenIPMI's ipmi_sim on loopback. */
class IpmiDriverTest {
    private IpmiSim bmc;

    @BeforeEach
    void start() throws Exception {
        Assumptions.assumeTrue(IpmiSim.available(), "ipmi_sim (package openipmi) and ipmitool must be installed");
        bmc = new IpmiSim();
    }

    @AfterEach
    void stop() throws IOException {
        if (bmc != null) bmc.close();
    }

    private IpmiDriver driver(Map<String, String> extra, String password, Duration timeout) {
        Map<String, String> m = new HashMap<>(Map.of("address", "127.0.0.1", "port", Integer.toString(bmc.port), "user", IpmiSim.ADMIN));
        m.putAll(extra);
        return IpmiDriver.from(new PowerSettings("node1", "ipmi", m, Optional.of(password), timeout));
    }

    private IpmiDriver admin() {
        return driver(Map.of(), IpmiSim.ADMIN_PASSWORD, Duration.ofSeconds(5));
    }

    @Test
    void eachActionReachesTheChassisAndStatusFollows() throws Exception {
        IpmiDriver d = admin();
        assertThat(d.status()).isEqualTo(PowerState.OFF);
        assertThat(bmc.log()).isEmpty();

        assertThat(d.perform(PowerAction.ON)).isEqualTo("chassis power on accepted by 127.0.0.1:" + bmc.port + " (Up/On)");
        assertThat(bmc.log()).containsExactly("SET power=1");
        assertThat(d.status()).isEqualTo(PowerState.ON);

        assertThat(d.perform(PowerAction.SOFT_RESET)).startsWith("chassis power reset accepted");
        assertThat(bmc.log()).containsExactly("SET power=1", "SET reset=1");
        assertThat(d.status()).isEqualTo(PowerState.ON);

        assertThat(d.perform(PowerAction.CYCLE)).startsWith("chassis power cycle accepted");
        // ipmi_sim turns the power off at once and on again about a second later
        awaitLog(List.of("SET power=1", "SET reset=1", "SET power=0", "SET power=1"));
        assertThat(d.status()).isEqualTo(PowerState.ON);

        assertThat(d.perform(PowerAction.OFF)).startsWith("chassis power off accepted");
        assertThat(bmc.log()).hasSize(5).last().isEqualTo("SET power=0");
        assertThat(d.status()).isEqualTo(PowerState.OFF);
        assertThat(d.perform(PowerAction.STATUS)).isEqualTo("chassis power is off according to 127.0.0.1:" + bmc.port);
    }

    @Test
    void cycleOfAnOffChassisPowersItOn() throws Exception {
        IpmiDriver d = admin();
        bmc.setPower(false);
        assertThat(d.perform(PowerAction.CYCLE)).startsWith("chassis was off, so power on instead of cycle: chassis power on accepted");
        // a plain "cycle" here would have logged power=0 and left the machine off (measured with ipmi_sim)
        assertThat(bmc.log()).containsExactly("SET power=1");
        assertThat(d.status()).isEqualTo(PowerState.ON);
    }

    @Test
    void operatorPrivilegeAndIpmi15Work() throws Exception {
        IpmiDriver op = driver(Map.of("user", IpmiSim.OPERATOR, "privilege", "OPERATOR"), IpmiSim.OPERATOR_PASSWORD, Duration.ofSeconds(5));
        assertThat(op.argv("on")).containsSequence("-L", "OPERATOR");
        op.perform(PowerAction.ON);
        assertThat(bmc.log()).containsExactly("SET power=1");

        IpmiDriver lan = driver(Map.of("interface", "lan"), IpmiSim.ADMIN_PASSWORD, Duration.ofSeconds(5));
        assertThat(lan.argv("status")).containsSequence("-I", "lan").doesNotContain("-C");
        assertThat(lan.status()).isEqualTo(PowerState.ON);
        lan.perform(PowerAction.OFF);
        assertThat(bmc.log()).containsExactly("SET power=1", "SET power=0");
        assertThat(lan.status()).isEqualTo(PowerState.OFF);
    }

    @Test
    void wrongPasswordFailsFastAndIsNotRetryable() throws Exception {
        String wrong = "Wr0ng-pa55word";
        for (String iface : List.of("lanplus", "lan")) {
            IpmiDriver d = driver(Map.of("interface", iface), wrong, Duration.ofSeconds(5));
            long t0 = System.nanoTime();
            PowerException e = catchThrowableOfType(PowerException.class, () -> d.perform(PowerAction.OFF));
            // RMCP+ answers a wrong password at once (RAKP 2); an IPMI 1.5 BMC drops the packet, and ipmitool
            // gives up after its retries (-N 1 -R 1 for a 5 s timeout), before the timeout could make it look retryable
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).as(iface).isLessThan(Duration.ofSeconds(iface.equals("lan") ? 3 : 1));
            assertThat(e.retryable()).as(iface).isFalse();
            assertThat(e.getMessage()).doesNotContain(wrong).startsWith("ipmi 127.0.0.1:" + bmc.port + ": power off failed: ");
            assertThat(e.getMessage()).contains(iface.equals("lanplus")
                    ? "the BMC rejected the password: \"RAKP 2 HMAC is invalid\""
                    : "the BMC refused the IPMI 1.5 session");
        }
        assertThat(bmc.log()).isEmpty();
    }

    @Test
    void unknownUserIsNotRetryable() {
        IpmiDriver d = driver(Map.of("user", "nobody"), IpmiSim.ADMIN_PASSWORD, Duration.ofSeconds(5));
        PowerException e = catchThrowableOfType(PowerException.class, d::status);
        assertThat(e.retryable()).isFalse();
        assertThat(e.getMessage()).contains("the BMC does not know the user name: \"RAKP 2 message indicates an error : unauthorized name\"")
                .doesNotContain(IpmiSim.ADMIN_PASSWORD);
    }

    @Test
    void deadPortTimesOutRetryablyAndThePasswordIsNeverOnACommandLine() throws Exception {
        int dead = IpmiSim.freeUdpPort();
        IpmiDriver d = IpmiDriver.from(new PowerSettings("node1", "ipmi",
                Map.of("address", "127.0.0.1", "port", Integer.toString(dead), "user", "admin"), Optional.of(IpmiSim.ADMIN_PASSWORD), Duration.ofMillis(1500)));
        List<String> argv = d.argv("status");
        assertThat(argv).contains("-E").noneMatch(a -> a.contains(IpmiSim.ADMIN_PASSWORD)).doesNotContain("-P", "-f", "-k", "-y")
                .containsSequence("-C", "3");

        // what ps shows: every ipmitool process's /proc/PID/cmdline while the call hangs on the dead port
        List<String> seen = new CopyOnWriteArrayList<>();
        CompletableFuture<Void> watcher = CompletableFuture.runAsync(() -> {
            long end = System.nanoTime() + 1_000_000_000L;
            while (System.nanoTime() < end) {
                seen.addAll(ipmitoolCommandLines(dead));
                if (!seen.isEmpty()) return;
            }
        });
        long t0 = System.nanoTime();
        PowerException e = catchThrowableOfType(PowerException.class, d::status);
        Duration took = Duration.ofNanos(System.nanoTime() - t0);
        watcher.join();
        assertThat(e.retryable()).isTrue();
        assertThat(e.getMessage()).isEqualTo("ipmi 127.0.0.1:" + dead + ": power status failed: no answer within 1500 ms (ipmitool killed)");
        assertThat(took).isBetween(Duration.ofMillis(1400), Duration.ofMillis(2500));
        assertThat(seen).isNotEmpty().allSatisfy(cmd -> assertThat(cmd).contains(" -E ").doesNotContain(IpmiSim.ADMIN_PASSWORD));
        assertThat(ipmitoolCommandLines(dead)).as("ipmitool killed").isEmpty();
    }

    private static List<String> ipmitoolCommandLines(int port) {
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            return procs.filter(p -> p.getFileName().toString().matches("\\d+")).map(p -> {
                try {
                    return new String(Files.readAllBytes(p.resolve("cmdline")), StandardCharsets.UTF_8).replace('\0', ' ');
                } catch (IOException gone) {
                    return "";
                }
            }).filter(c -> c.startsWith("ipmitool ") && c.contains(" -p " + port + " ")).toList();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void settingsAreValidatedWithTheirNames() {
        Map<String, String> ok = Map.of("address", "10.0.0.5", "user", "admin");
        assertThat(IpmiDriver.from(settings(ok)).describe()).isEqualTo("ipmi 10.0.0.5:623");
        assertThat(IpmiDriver.from(settings(Map.of("address", "[fe80::1]"))).argv("on")).containsSequence("-H", "fe80::1");
        assertRefused(Map.of("user", "admin"), "missing setting 'address'");
        assertRefused(Map.of("address", "-oProxyCommand=x"), "'address' must be a host name or an IP address");
        assertRefused(with(ok, "port", "70000"), "'port' must be a number 1-65535");
        assertRefused(with(ok, "cipher-suite", "0"), "'cipher-suite' must be a number 1-17");
        assertRefused(with(with(ok, "cipher-suite", "17"), "interface", "lan"), "'cipher-suite' applies only to interface=lanplus");
        assertRefused(with(ok, "interface", "serial"), "'interface' must be lanplus (IPMI 2.0) or lan (IPMI 1.5), not 'serial'");
        assertRefused(with(ok, "privilege", "user"), "'privilege' must be ADMINISTRATOR or OPERATOR, not 'user'");
        assertRefused(with(ok, "ipmitool", "bin/ipmitool"), "'ipmitool' must be an absolute path to an executable file");
        assertRefused(with(ok, "user", "a-very-long-user-name"), "'user' must be at most 16 printable ASCII characters");
        assertRefused(with(ok, "passwd", "x"), "unknown setting 'passwd'");
        assertThatThrownBy(() -> IpmiDriver.from(new PowerSettings("node1", "ipmi", ok, Optional.empty(), Duration.ofSeconds(1))))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("needs a secret");
    }

    @Test
    void aMissingIpmitoolIsAClearNonRetryableError() {
        IpmiDriver d = IpmiDriver.from(settings(Map.of("address", "127.0.0.1", "ipmitool", "no-such-ipmitool")));
        PowerException e = catchThrowableOfType(PowerException.class, d::status);
        assertThat(e.retryable()).isFalse();
        assertThat(e.getMessage()).startsWith("ipmi 127.0.0.1:623: cannot run 'no-such-ipmitool' (setting 'ipmitool')");
    }

    private static PowerSettings settings(Map<String, String> m) {
        return new PowerSettings("node1", "ipmi", m, Optional.of("pw"), Duration.ofSeconds(1));
    }

    private static Map<String, String> with(Map<String, String> m, String k, String v) {
        Map<String, String> r = new HashMap<>(m);
        r.put(k, v);
        return r;
    }

    private static void assertRefused(Map<String, String> m, String message) {
        assertThatThrownBy(() -> IpmiDriver.from(settings(m))).isInstanceOf(InvalidInputException.class)
                .hasMessageStartingWith("ipmi power for node1: ").hasMessageContaining(message);
    }

    private void awaitLog(List<String> expected) throws Exception {
        long end = System.nanoTime() + 5_000_000_000L;
        while (!bmc.log().equals(expected) && System.nanoTime() < end) Thread.sleep(50);
        assertThat(bmc.log()).isEqualTo(expected);
    }
}
