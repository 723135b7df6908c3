package io.netrescue.qemu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.netrescue.api.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Issue 15's dead-man switch on a real kernel: an installed system (tools/guest/disk-guest.sh, booted
 * from its disk) whose agent has {@code dead-man = 20s}, its server and gateway across the lab's bridge.
 * The cable is pulled by taking the VM's tap down on the site's side (the guest keeps its carrier, as
 * with a dead uplink): (b) restored within the first period, nothing happens; (c) the server gone but the
 * gateway answering (ICMP echo, the agent being root), nothing happens; (a) left cut, the agent
 * restarts the network after one period and syncs and reboots after the second; once the cable is back
 * the steps, fsynced to its journal before each was taken, are on the host's timeline.
 */
@Tag("qemu")
class DeadManQemuTest extends PxeLabTests {
    static final String MAC = "52:54:00:6e:72:64";
    static final List<String> FAILURES = List.of("Kernel panic", "NETRESCUE-DISK-EMERGENCY", "NETRESCUE-DISK-INITRD-FAILED");
    static final int PERIOD = 20;

    @Test
    void aHostCutOffRestartsItsNetworkThenRebootsAndOneRestoredInTimeDoesNothing() throws Exception {
        Optional<String> missing = PxeLab.missingRequirement()
                .or(() -> RescueBuild.agent().isEmpty() ? Optional.of("the agent archive is not built (agent/target/netrescue-agent: mvn package)")
                        : Optional.empty())
                .or(() -> PxeLab.find("qemu-system-x86_64").isEmpty() ? Optional.of("qemu-system-x86_64 not found") : Optional.empty());
        assumeTrue(missing.isEmpty(), () -> missing.orElseThrow());
        lab = PxeLab.create(PxeLabTest.logRoot(), "deadman");
        NetrescueProcess nr = NetrescueProcess.start(lab, config(lab, false, false) + """

                [watchdog]
                listen = "%s:6100"
                interval = "2s"
                ladder = false
                """.formatted(lab.serverAddress()));
        String ip = lab.subnetPrefix() + "64", gw = lab.siteAddress();
        nr.cli("host", "add", "vm1", "--mac", MAC, "--ip", ip);
        nr.cli("host", "sysrq", "vm1", "--dialect", "agent", "--address", ip, "--allowed-keys", "sub");
        // the agent's config as netrescue prints it, plus the dead-man settings (agent setup --dead-man writes the same)
        String conf = nr.cli("host", "agent-config", "vm1", "--heartbeat-to", lab.serverAddress() + ":6100") + """
                heartbeat-seconds = 2
                dead-man = %ds
                dead-man-max-reboots = 2
                dead-man-restart = . /etc/netrescue/network; echo NETRESCUE-NET-RESTART; ip link set $NR_IF down; ip link set $NR_IF up; ip route replace default via $NR_GW
                """.formatted(PERIOD);
        Path agentConf = Files.writeString(lab.dir().resolve("agent.conf"), conf);
        Path disk = DiskGuest.build(lab.dir().resolve("disk-guest"), Map.of("NR_IP", ip + "/24", "NR_GW", gw, "AGENT_CONF", agentConf.toString()));

        QemuVm vm = lab.startVmFromDisk("vm1", MAC, 1024, disk);
        QemuVm.Outcome armed = vm.await("dead-man switch armed", FAILURES, Duration.ofSeconds(180), nr::exited);
        assertTrue(armed.found(), () -> ProxyDhcpQemuTest.diagnosis(armed, vm, nr));
        HungHostQemuTest.awaitEvent(nr, "health.up", Duration.ofSeconds(60));
        assertThat(kinds(nr)).as(timeline(nr)).contains("health.up");

        // (b) the cable out for less than a period, then back: nothing happens
        int before = vm.serialText().length();
        lab.tap(false);
        Thread.sleep(8_000);
        lab.tap(true);
        Thread.sleep((PERIOD + 15) * 1000L);
        String during = vm.serialText().substring(before);
        assertThat(during).as("restored within the first period\n" + vm.tail(30)).doesNotContain("NETRESCUE-DEAD-MAN", "NETRESCUE-NET-RESTART");
        assertThat(XtSysrqQemuTest.count(vm.serialText(), "SeaBIOS (version")).isEqualTo(1);

        // (c) the server unreachable (its link down) but the gateway answers: the network works, nothing happens
        before = vm.serialText().length();
        lab.execIn(lab.serverNs(), Duration.ofSeconds(10), "ip", "link", "set", PxeLab.SERVER_IF, "down");
        Thread.sleep((2 * PERIOD + 10) * 1000L);
        lab.execIn(lab.serverNs(), Duration.ofSeconds(10), "ip", "link", "set", PxeLab.SERVER_IF, "up");
        String serverGone = vm.serialText().substring(before);
        assertThat(serverGone).as("the gateway answered isReachable (ICMP as root)\n" + vm.tail(30))
                .contains("the server is silent for", "but the target " + gw + " answers");
        assertThat(serverGone).as("server gone, gateway up\n" + vm.tail(30)).doesNotContain("NETRESCUE-DEAD-MAN", "NETRESCUE-NET-RESTART");
        Thread.sleep(6000); // heard again before the cut below

        // (a) the cable out for good: one period to the network restart, another to the reboot
        before = vm.serialText().length();
        long cut = System.nanoTime();
        lab.tap(false);
        QemuVm.Outcome restart = RescueSystemQemuTest.awaitAfter(vm, before, "NETRESCUE-NET-RESTART", Duration.ofSeconds(PERIOD + 40));
        assertTrue(restart.found(), () -> ProxyDhcpQemuTest.diagnosis(restart, vm, nr));
        double restartAfter = (System.nanoTime() - cut) / 1e9;
        QemuVm.Outcome reboot = RescueSystemQemuTest.awaitAfter(vm, before, "NETRESCUE-DEAD-MAN REBOOT", Duration.ofSeconds(PERIOD + 40));
        assertTrue(reboot.found(), () -> ProxyDhcpQemuTest.diagnosis(reboot, vm, nr));
        double rebootAfter = (System.nanoTime() - cut) / 1e9;
        long end = System.nanoTime() + 60_000_000_000L;
        while (XtSysrqQemuTest.count(vm.serialText(), "SeaBIOS (version") < 2 && System.nanoTime() < end) Thread.sleep(200);
        assertThat(XtSysrqQemuTest.count(vm.serialText(), "SeaBIOS (version")).as("the machine reset\n" + vm.tail(40)).isEqualTo(2);
        lab.tap(true);

        // back: a new boot id, and the steps reported from its journal
        HungHostQemuTest.awaitEvent(nr, "dead-man.reboot", Duration.ofSeconds(180));
        List<Json.EventJson> events = events(nr);
        System.out.println("[DeadManQemuTest] timeline:\n" + timeline(nr));
        System.out.printf("[DeadManQemuTest] cut -> network restart %.1f s, -> reboot ordered %.1f s (period %d s)%n", restartAfter, rebootAfter, PERIOD);
        assertThat(events.stream().map(Json.EventJson::kind).toList()).as(timeline(nr))
                .containsSubsequence("health.up", "dead-man.restart-network", "dead-man.reboot")
                .doesNotContain("dead-man.recovered");
        assertThat(events).filteredOn(e -> e.kind().equals("dead-man.reboot")).singleElement()
                .satisfies(e -> assertThat(e.reason()).contains("sync and reboot, 1 of at most 2 in 24 h"));
        // the period runs from the last answered heartbeat, sent up to one interval (2 s) before the cut
        assertThat(restartAfter).as("network restart one period after the last answer (s)").isBetween(PERIOD - 2.0, PERIOD + 30.0);
        assertThat(rebootAfter - restartAfter).as("reboot one period after the restart (s)").isBetween(PERIOD - 2.0, PERIOD + 15.0);
        String serial = vm.serialText();
        assertThat(serial.indexOf("Emergency Sync", serial.indexOf("NETRESCUE-DEAD-MAN REBOOT"))).as("s ran before b").isPositive();
    }
}
