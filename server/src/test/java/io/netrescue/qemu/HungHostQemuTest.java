package io.netrescue.qemu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netrescue.api.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A hung machine comes back without a person. A VM netboots a test kernel once (the risky change);
 * that kernel wedges for good a few seconds after coming up (SysRq c with panic=0: no network, no
 * SysRq, no reboot). netrescue's watchdog, probing TCP 7777, suspects it, declares it down and runs
 * the ladder: wait, network SysRq (unanswered), wait, power cycle through IPMI. The BMC is OpenIPMI's
 * {@code ipmi_sim}, whose chassis control presses QEMU's reset through its monitor, exactly as a real
 * BMC resets a board. The machine netboots again, now its stable profile (the once is spent), answers
 * the probe, and the ladder records the recovery. Every step is on the host's timeline in order.
 */
@Tag("qemu")
class HungHostQemuTest extends PxeLabTests {
    static final String MAC = "52:54:00:6e:72:31";
    static final String UUID = "3f1c2a9e-5b7d-4e21-8c3a-9d0e1f2a3b4c";
    static final String IPMI_PASSWORD = "lab-bmc-secret";
    static final List<String> FAILURES = List.of("NETRESCUE-HUNG-GUEST-FAILED", "Nothing to boot", "No bootable device", "no decision from");
    static Path guest;

    @BeforeAll
    static void requirements() throws Exception {
        Optional<String> missing = PxeLab.find("ipmi_sim").isEmpty() ? Optional.of("ipmi_sim not found (apt-get install openipmi)")
                : PxeLab.find("ipmitool").isEmpty() ? Optional.of("ipmitool not found (apt-get install ipmitool)")
                : PxeLab.find("socat").isEmpty() ? Optional.of("socat not found (apt-get install socat)") : Optional.empty();
        requireLab(missing);
        guest = Files.createTempDirectory("hung-guest");
        Path script = Path.of(System.getProperty("user.dir")).getParent().resolve("tools/guest/hung-guest.sh");
        PxeLab.run(List.of(script.toString(), guest.toString()), Duration.ofMinutes(2));
    }

    /** The lab for one test: site DHCP with vm1's address, netrescue with a short ladder, the BMC, vm1 in the inventory. */
    record Site(NetrescueProcess nr, String ip, Path monitor, Path powerLog, String cmdline) {}

    Site site(String label) throws Exception {
        lab = PxeLab.create(PxeLabTest.logRoot(), label);
        lab.capture();
        String ip = lab.subnetPrefix() + "50";
        lab.startSiteDhcp(List.of("--dhcp-host=" + MAC + "," + ip));
        NetrescueProcess nr = NetrescueProcess.start(lab, config(lab, true, false) + """

                [sysrq]
                agent-timeout = "2s"

                [watchdog]
                listen = ""
                probe = "tcp:7777"
                probe-interval = "1s"
                probe-timeout = "1s"
                down-after = "2s"

                [[watchdog.policy]]
                name = "lab"
                steps = ["wait 3s", "sysrq sisub", "wait 3s", "power cycle", "wait 120s", "hands-on"]
                cooldown = "0"
                """);
        Files.copy(guest.resolve("vmlinuz"), nr.assets().resolve("vmlinuz"));
        Files.copy(guest.resolve("initrd.gz"), nr.assets().resolve("initrd.gz"));
        // the BMC: ipmi_sim in the server's namespace; its chassis control drives the VM's power and reset
        Path monitor = lab.dir().resolve("vm1.monitor");
        Path powerLog = lab.dir().resolve("ipmi-power.log");
        LabBmc.start(lab, monitor, powerLog, IPMI_PASSWORD);
        String cmdline = "console=ttyS0 panic=0 loglevel=4 nr.ip=" + ip + "/24";
        nr.cli("host", "add", "vm1", "--mac", MAC, "--uuid", UUID, "--ip", ip);
        nr.cli("profile", "add", "stable", "--kernel", "vmlinuz", "--initrd", "initrd.gz", "--cmdline", cmdline);
        nr.cli("boot", "vm1", "profile", "stable");
        nr.cli("host", "sysrq", "vm1", "--dialect", "agent", "--address", ip, "--allowed-keys", "sisub");
        Path pw = Files.writeString(lab.dir().resolve("bmc.pw"), IPMI_PASSWORD + "\n");
        nr.cli("host", "power", "vm1", "--set", "ipmi", "address=127.0.0.1", "port=16230", "user=admin", "--secret-file", pw.toString(),
                "--timeout", "15s");
        assertThat(nr.cli("power", "vm1", "status")).contains("power is on");
        return new Site(nr, ip, monitor, powerLog, cmdline);
    }

    @Test
    void aWedgedTestKernelIsDetectedAndPowerCycledThroughIpmiAndTheHostBootsItsStableKernel() throws Exception {
        Site st = site("hunghost");
        NetrescueProcess nr = st.nr();
        nr.cli("profile", "add", "trial", "--kernel", "vmlinuz", "--initrd", "initrd.gz", "--cmdline", st.cmdline() + " nr.hang=6");
        nr.cli("boot", "vm1", "once", "trial");

        QemuVm vm = lab.startVmWithMonitor("vm1", MAC, UUID, st.monitor());
        QemuVm.Outcome first = vm.await("NETRESCUE-HUNG-GUEST-UP", FAILURES, Duration.ofSeconds(90), nr::exited);
        assertTrue(first.found(), () -> ProxyDhcpQemuTest.diagnosis(first, vm, nr));
        QemuVm.Outcome hung = vm.await("end Kernel panic", FAILURES, Duration.ofSeconds(60), nr::exited);
        assertTrue(hung.found(), () -> ProxyDhcpQemuTest.diagnosis(hung, vm, nr));
        assertThat(vm.serialText()).contains("hang=6");

        QemuVm.Outcome again = vm.await("hang=never", FAILURES, Duration.ofSeconds(150), nr::exited);
        System.out.printf("[HungHostQemuTest] first up %.1f s, wedged %.1f s, up again (stable kernel) %.1f s after QEMU started%n",
                first.elapsed().toMillis() / 1000.0, hung.elapsed().toMillis() / 1000.0, again.elapsed().toMillis() / 1000.0);
        assertTrue(again.found(), () -> ProxyDhcpQemuTest.diagnosis(again, vm, nr) + "\n" + timeline(nr));

        // the watchdog sees it answer again and closes the run as a recovery
        awaitEvent(nr, "ladder.recovered", Duration.ofSeconds(30));
        List<Json.EventJson> events = events(nr);
        List<String> kinds = events.stream().map(Json.EventJson::kind).toList();
        System.out.println("[HungHostQemuTest] timeline:\n" + timeline(nr));
        assertThat(kinds).as(timeline(nr)).containsSubsequence("health.up", "health.suspect", "health.down", "ladder.started",
                "ladder.step", "ladder.step", "sysrq.requested", "sysrq.no-ack", "ladder.step-failed", "ladder.step",
                "ladder.step", "power.requested", "power.cycle", "ladder.step-ok", "ladder.step", "boot.served", "health.up",
                "ladder.recovered");
        assertThat(events).filteredOn(e -> e.kind().startsWith("ladder.") || e.kind().startsWith("health.")
                        || (e.kind().startsWith("power.") && !e.kind().equals("power.configured") && !isStatusQuery(e)))
                .as("what the watchdog did, it did as itself").allSatisfy(e -> assertThat(e.actor()).isEqualTo("watchdog"));
        assertThat(events).filteredOn(e -> e.kind().equals("boot.served")).extracting(Json.EventJson::decision)
                .containsExactly("netboot trial", "netboot stable");
        assertThat(events).filteredOn(e -> e.kind().equals("power.cycle")).singleElement()
                .satisfies(e -> assertThat(e.reason()).contains("ipmi 127.0.0.1:16230"));
        // the BMC really did it: off, then on (a chassis power cycle), once
        assertThat(PxeLab.read(st.powerLog())).containsSubsequence("SET power=0", "SET power=1");
        assertThat(nr.cli("watchdog", "vm1")).contains("state:       up");
        assertThat(PxeLab.read(nr.log())).doesNotContain(IPMI_PASSWORD);
    }

    /**
     * {@code netrescue kernel try} without a healthy report: the trial kernel wedges, the ladder is held
     * (the trial owns the host until its deadline), the deadline passes, the trial falls back with one
     * power cycle through the BMC, and the host boots its usual (stable) system.
     */
    @Test
    void aKernelTrialThatNeverReportsHealthyFallsBackToTheUsualSystemWithOnePowerCycle() throws Exception {
        Site st = site("kerneltry-fail");
        NetrescueProcess nr = st.nr();
        nr.cli("profile", "add", "trial", "--kernel", "vmlinuz", "--initrd", "initrd.gz", "--cmdline", st.cmdline() + " nr.hang=4");
        assertThat(nr.cli("kernel", "try", "vm1", "--profile", "trial", "--deadline", "40s")).contains("trial of trial armed");
        QemuVm vm = lab.startVmWithMonitor("vm1", MAC, UUID, st.monitor());
        QemuVm.Outcome hung = vm.await("end Kernel panic", FAILURES, Duration.ofSeconds(90), nr::exited);
        assertTrue(hung.found(), () -> ProxyDhcpQemuTest.diagnosis(hung, vm, nr));
        QemuVm.Outcome again = vm.await("hang=never", FAILURES, Duration.ofSeconds(120), nr::exited);
        System.out.printf("[HungHostQemuTest] kernel try: wedged %.1f s, usual system up %.1f s after QEMU started%n",
                hung.elapsed().toMillis() / 1000.0, again.elapsed().toMillis() / 1000.0);
        assertTrue(again.found(), () -> ProxyDhcpQemuTest.diagnosis(again, vm, nr) + "\n" + timeline(nr));
        // the usual system is up on its console; its first heartbeat (health.up) follows within an interval or two
        awaitEventAfter(nr, "power.cycle", "health.up", Duration.ofSeconds(30));
        List<Json.EventJson> events = events(nr);
        List<String> kinds = events.stream().map(Json.EventJson::kind).toList();
        System.out.println("[HungHostQemuTest] kernel try timeline:\n" + timeline(nr));
        assertThat(kinds).as(timeline(nr)).containsSubsequence("kernel.try", "ladder.silenced", "boot.served", "health.up", "health.suspect",
                "health.down", "ladder.held", "kernel.try-failed", "ladder.silenced", "power.requested", "power.cycle", "boot.served", "health.up");
        assertThat(kinds).as("the trial, not the ladder, handled it").doesNotContain("ladder.started", "kernel.try-ok");
        assertThat(events).filteredOn(e -> e.kind().equals("power.cycle")).singleElement()
                .satisfies(e -> assertThat(e.actor()).isEqualTo("kernel-try"));
        assertThat(events).filteredOn(e -> e.kind().equals("boot.served")).extracting(Json.EventJson::decision)
                .containsExactly("netboot trial", "netboot stable");
        assertThat(nr.cli("kernel", "status", "vm1")).contains("failed", "no healthy report from profile trial within 40s");
    }

    /** A trial kernel that reports healthy with its per-boot token passes: no power action, the ladder unsilenced. */
    @Test
    void aKernelTrialThatReportsHealthyPasses() throws Exception {
        Site st = site("kerneltry-ok");
        NetrescueProcess nr = st.nr();
        nr.cli("profile", "add", "trial", "--kernel", "vmlinuz", "--initrd", "initrd.gz", "--cmdline",
                st.cmdline() + " nr.server={server} nr.token={token}");
        nr.cli("kernel", "try", "vm1", "--profile", "trial", "--deadline", "2m");
        QemuVm vm = lab.startVmWithMonitor("vm1", MAC, UUID, st.monitor());
        QemuVm.Outcome reported = vm.await("NETRESCUE-HUNG-GUEST-REPORTED", FAILURES, Duration.ofSeconds(90), nr::exited);
        assertTrue(reported.found(), () -> ProxyDhcpQemuTest.diagnosis(reported, vm, nr));
        awaitEvent(nr, "kernel.try-ok", Duration.ofSeconds(10));
        // the set-up's power status query is on the timeline too: what must be absent is a power action
        List<String> kinds = events(nr).stream().filter(e -> !isStatusQuery(e)).map(Json.EventJson::kind).toList();
        assertThat(kinds).as(timeline(nr)).containsSubsequence("kernel.try", "boot.served", "boot.report", "kernel.try-ok", "ladder.silenced");
        assertThat(kinds).doesNotContain("power.requested", "kernel.try-failed");
        assertThat(nr.cli("kernel", "status", "vm1")).contains("succeeded");
        assertThat(PxeLab.read(st.powerLog())).doesNotContain("SET power");
    }

    /** Waits for an event of {@code kind} recorded after the last one of kind {@code after}. */
    static void awaitEventAfter(NetrescueProcess nr, String after, String kind, Duration max) throws Exception {
        long end = System.nanoTime() + max.toNanos();
        while (System.nanoTime() < end) {
            List<String> kinds = events(nr).stream().map(Json.EventJson::kind).toList();
            int last = kinds.lastIndexOf(after);
            if (last >= 0 && kinds.subList(last + 1, kinds.size()).contains(kind)) return;
            Thread.sleep(500);
        }
    }

    static void awaitEvent(NetrescueProcess nr, String kind, Duration max) throws Exception {
        long end = System.nanoTime() + max.toNanos();
        while (events(nr).stream().noneMatch(e -> e.kind().equals(kind)) && System.nanoTime() < end) Thread.sleep(500);
    }

    /** The operator's {@code power status} in the set-up: on the timeline like any attempt, but not an action. */
    private static boolean isStatusQuery(Json.EventJson e) {
        return (e.kind().equals("power.requested") || e.kind().equals("power.status")) && e.reason() != null && e.reason().startsWith("status via");
    }
}
