package io.netrescue.qemu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netrescue.api.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Issue 14's scenario, end to end, with no person in the loop. A VM's disk holds a real Linux system
 * (tools/guest/disk-guest.sh: syslinux, the Debian kernel, busybox, netrescue's agent sending
 * heartbeats), booted by the BIOS after netrescue's "local" decision. The admin's risky change lands:
 * the system writes an fstab line for a filesystem that does not exist and reboots, and from then on
 * its boot stops at {@code mount -a} (its emergency shell: no network, no agent). The operator had
 * queued the fix for the day it is needed: {@code disks} (an inventory while it is there), {@code mount-root},
 * then a script that disables the bad line, with {@code --end-rescue}. The watchdog sees the heartbeats stop and marks the host down; its ladder's
 * {@code rescue} step activates rescue for the queued jobs and power cycles the VM through the BMC
 * (ipmi_sim); the VM netboots the real rescue image; its agent runs both jobs; the second one's success
 * ends the activation and power cycles the VM back to its disk, whose system boots and heartbeats again:
 * health up. The test asserts the order on the host's timeline and prints the time it took.
 */
@Tag("qemu")
class RepairJobQemuTest extends PxeLabTests {
    static final String MAC = "52:54:00:6e:72:61";
    static final String UUID = "6b1c2a9e-5b7d-4e21-8c3a-9d0e1f2a3b61";
    static final List<String> FAILURES = List.of("Kernel panic", "No bootable device", "Initramfs unpacking failed", "NETRESCUE-DISK-FAILED");
    static final String REPAIR = """
            #!/bin/sh
            # the fix for the change that broke vm1's boot: the fstab line of a filesystem that does not exist
            set -eu
            fstab=/mnt/root/etc/fstab
            echo "before:"; cat "$fstab"
            sed -i 's|^UUID=0badc0de|# disabled by netrescue job: UUID=0badc0de|' "$fstab"
            echo "after:"; cat "$fstab"
            chroot /mnt/root /bin/sh -c 'grep -c "^# disabled by netrescue job" /etc/fstab'
            sync
            umount -R /mnt/root
            echo REPAIRED
            """;

    @BeforeAll
    static void requirements() throws Exception {
        Optional<String> missing = PxeLab.find("ipmi_sim").isEmpty() ? Optional.of("ipmi_sim not found (apt-get install openipmi)")
                : PxeLab.find("socat").isEmpty() ? Optional.of("socat not found (apt-get install socat)")
                : RescueBuild.missingRequirement();
        requireLab(missing);
        RescueBuild.build();
    }

    @Test
    void aBrokenSystemIsRepairedByQueuedJobsThatTheLadderRunsInRescueAndItComesBackUp() throws Exception {
        RescueSite site = rescueSite("repair", MAC, UUID, "61", """

                [watchdog]
                listen = "%s:6100"
                interval = "2s"
                down-after = "6s"

                [[watchdog.policy]]
                name = "lab"
                selector = ""
                steps = ["rescue", "wait 600s", "hands-on"]
                cooldown = "0"
                """);
        NetrescueProcess nr = site.nr();
        String ip = site.ip();
        Path monitor = site.monitor(), powerLog = site.powerLog();

        // the installed system: its agent's configuration comes from netrescue, as an admin would install it
        nr.cli("host", "sysrq", "vm1", "--dialect", "agent", "--address", ip, "--allowed-keys", "sub");
        Path agentConf = Files.writeString(lab.dir().resolve("agent.conf"),
                nr.cli("host", "agent-config", "vm1", "--heartbeat-to", lab.serverAddress() + ":6100", "--allowed-source", lab.serverAddress() + "/32"));
        Path disk = DiskGuest.build(lab.dir().resolve("disk-guest"), Map.of("NR_IP", ip + "/24", "AGENT_CONF", agentConf.toString(),
                "BREAK_AFTER", "25"));

        // the fix, queued for the day vm1 lands in rescue (and an inventory of its disks while it is there)
        long disks = Long.parseLong(nr.cli("job", "run", "vm1", "--builtin", "disks").strip());
        long mount = Long.parseLong(nr.cli("job", "run", "vm1", "--builtin", "mount-root").strip());
        Path repair = Files.writeString(lab.dir().resolve("repair.sh"), REPAIR);
        long fix = Long.parseLong(nr.cli("job", "run", "vm1", "--script", repair.toString(), "--timeout", "5m", "--end-rescue").strip());
        assertThat(nr.cli("job", "list", "vm1")).contains("queued");

        QemuVm vm = lab.startVmWithDisk("vm1", MAC, UUID, monitor, 1024, disk);
        QemuVm.Outcome up = vm.await("NETRESCUE-DISK-AGENT-STARTED", FAILURES, Duration.ofSeconds(120), nr::exited);
        assertTrue(up.found(), () -> ProxyDhcpQemuTest.diagnosis(up, vm, nr));
        HungHostQemuTest.awaitEvent(nr, "health.up", Duration.ofSeconds(60));
        assertThat(kinds(nr)).as(timeline(nr)).contains("health.up");

        // the risky change lands and the system reboots into a boot that stops at mount -a
        QemuVm.Outcome broken = vm.await("NETRESCUE-DISK-EMERGENCY", FAILURES, Duration.ofSeconds(150), nr::exited);
        assertTrue(broken.found(), () -> ProxyDhcpQemuTest.diagnosis(broken, vm, nr) + "\n" + timeline(nr));
        Instant brokeAt = Instant.now();
        int brokeOffset = vm.serialText().length();

        // no person from here on: down, ladder, rescue, jobs, rescue end, its own system again
        HungHostQemuTest.awaitEventAfter(nr, "rescue.ended", "health.up", Duration.ofSeconds(600));
        Instant upAgain = Instant.now();
        QemuVm.Outcome fixed = RescueSystemQemuTest.awaitAfter(vm, brokeOffset, "NETRESCUE-DISK-AGENT-STARTED", Duration.ofSeconds(5));
        assertTrue(fixed.found(), () -> ProxyDhcpQemuTest.diagnosis(fixed, vm, nr) + "\n" + timeline(nr));
        HungHostQemuTest.awaitEvent(nr, "ladder.recovered", Duration.ofSeconds(60));

        String log = nr.cli("job", "logs", Long.toString(fix));
        assertThat(log).contains("REPAIRED", "# disabled by netrescue job: UUID=0badc0de", "succeeded");
        assertThat(nr.cli("job", "logs", Long.toString(mount))).contains("/mnt/root", "succeeded");
        // the disks report, from the real rescue system, on the host's record
        String show = nr.cli("host", "show", "vm1");
        System.out.println("[RepairJobQemuTest] host show:\n" + show);
        assertThat(show).contains("disks:   reported ", "by job " + disks, "/dev/vda  256.0 MiB", "/dev/vda1", "vfat", "/dev/vda2", "ext4", "label nr-root");
        System.out.println("[RepairJobQemuTest] mount-root output:\n" + nr.cli("job", "logs", Long.toString(mount)));

        List<Json.EventJson> events = events(nr);
        List<String> kinds = events.stream().map(Json.EventJson::kind).toList();
        System.out.println("[RepairJobQemuTest] timeline:\n" + timeline(nr));
        assertThat(kinds).as(timeline(nr)).containsSubsequence("job.queued", "job.queued", "job.queued", "boot.served", "health.up", "boot.served",
                "health.suspect", "health.down", "ladder.started", "ladder.step", "rescue.activated", "power.cycle", "rescue.rebooted",
                "boot.served", "rescue.booted", "job.started", "job.finished", "host.disks", "job.started", "job.finished", "job.started",
                "job.finished", "rescue.ended", "boot.mode",
                "power.cycle", "rescue.rebooted", "boot.served", "health.up");
        assertThat(events).filteredOn(e -> e.kind().equals("job.finished")).extracting(Json.EventJson::reason)
                .allSatisfy(r -> assertThat(r).contains("succeeded (exit 0)"));
        assertThat(events).filteredOn(e -> e.kind().equals("rescue.activated")).singleElement()
                .satisfies(e -> assertThat(e.actor()).isEqualTo("watchdog")).satisfies(e -> assertThat(e.reason()).contains("for the host's jobs"));
        assertThat(events).filteredOn(e -> e.kind().equals("rescue.ended")).singleElement()
                .satisfies(e -> assertThat(e.actor()).isEqualTo("job " + fix));
        assertThat(events).filteredOn(e -> e.kind().equals("boot.served")).extracting(Json.EventJson::decision)
                .containsExactly("local", "local", "netboot rescue", "local");
        assertThat(events.stream().filter(e -> e.kind().startsWith("ladder.started")).count()).as(timeline(nr)).isEqualTo(1);
        assertThat(PxeLab.read(powerLog)).containsSubsequence("SET power=0", "SET power=1", "SET power=0", "SET power=1");
        assertThat(PxeLab.read(nr.log())).doesNotContain(BMC_PASSWORD);
        System.out.printf("[RepairJobQemuTest] broken (emergency shell) -> health up again: %.1f s; QEMU start -> first up %.1f s%n",
                Duration.between(brokeAt, upAgain).toMillis() / 1000.0, up.elapsed().toMillis() / 1000.0);
        // the phases, from the timeline's own timestamps
        Instant down = at(events, "health.down", 0), served = at(events, "rescue.booted", 0), started = at(events, "job.started", 0),
                ended = at(events, "rescue.ended", 0), own = events.stream().filter(e -> e.kind().equals("health.up")).map(e -> Instant.parse(e.at()))
                        .filter(t -> t.isAfter(ended)).findFirst().orElseThrow();
        System.out.printf("[RepairJobQemuTest] phases: down -> rescue system booted %.1f s, -> first job started %.1f s, jobs %.1f s,"
                        + " rescue ended -> own system up %.1f s; down -> up %.1f s%n",
                secs(down, served), secs(served, started), secs(started, ended), secs(ended, own), secs(down, own));
    }

    static Instant at(List<Json.EventJson> events, String kind, int nth) {
        return events.stream().filter(e -> e.kind().equals(kind)).skip(nth).map(e -> Instant.parse(e.at())).findFirst().orElseThrow();
    }

    static double secs(Instant a, Instant b) {
        return Duration.between(a, b).toMillis() / 1000.0;
    }
}
