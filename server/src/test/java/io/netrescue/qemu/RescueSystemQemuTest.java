package io.netrescue.qemu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netrescue.api.Json;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The whole rescue story on a real machine. A VM with a partitioned disk (ext4, a file planted on it,
 * and a boot sector that announces itself) netboots first and boots its disk, as a server does. The
 * operator activates rescue with an SSH key and a one-time password; the BMC (ipmi_sim) power cycles
 * it; it netboots the real rescue image built from Debian packages, reports ready with its fresh host
 * keys; the test logs in with OpenSSH and StrictHostKeyChecking=yes against the known_hosts lines
 * netrescue gives (no trust on first use), by key and by password, mounts the disk and reads the file.
 * The agent inside sends heartbeats. A second activation kills the first one's credentials on the
 * running system, and so does an activation's expiry. Then the machine dies (its disk boots nothing
 * that heartbeats): the watchdog finds it down and its ladder's {@code rescue} step sends it to the
 * rescue system with the host's registered key, without anyone asking. {@code rescue end} and a power
 * cycle bring the machine back to its disk. Every step is on the host's timeline.
 */
@Tag("qemu")
class RescueSystemQemuTest extends PxeLabTests {
    static final String MAC = "52:54:00:6e:72:51";
    static final String UUID = "5a1c2a9e-5b7d-4e21-8c3a-9d0e1f2a3b51";
    static final String LOCAL_MARKER = "NETRESCUE-LOCAL-DISK-BOOTED";
    static final String PLANTED = "planted by the test: the customer's data survives";
    static final List<String> FAILURES = List.of("Kernel panic", "No bootable device", "Initramfs unpacking failed");

    @BeforeAll
    static void requirements() throws Exception {
        Optional<String> missing = PxeLab.find("ipmi_sim").isEmpty() ? Optional.of("ipmi_sim not found (apt-get install openipmi)")
                : PxeLab.find("socat").isEmpty() ? Optional.of("socat not found (apt-get install socat)")
                : PxeLab.find("ssh").isEmpty() ? Optional.of("ssh not found (apt-get install openssh-client)")
                : PxeLab.find("sshpass").isEmpty() ? Optional.of("sshpass not found (apt-get install sshpass)")
                : PxeLab.find("mkfs.ext4").isEmpty() ? Optional.of("mkfs.ext4 not found (apt-get install e2fsprogs)")
                : RescueBuild.missingRequirement();
        requireLab(missing);
        RescueBuild.build();
    }

    @Test
    void aMachineIsRescuedOverSshWithVerifiedHostKeysAndGoesBackToItsDisk() throws Exception {
        RescueSite site = rescueSite("rescue", MAC, UUID, "51", """

                [watchdog]
                listen = "%s:6100"

                [[watchdog.policy]]
                name = "lab"
                selector = ""
                steps = ["rescue", "wait 300s", "hands-on"]
                cooldown = "0"
                """);
        NetrescueProcess nr = site.nr();
        String ip = site.ip();
        var image = site.image();
        Path monitor = site.monitor();
        Path disk = localDisk(lab.dir());
        Path key1 = sshKey(lab.dir(), "operator1");
        Path key2 = sshKey(lab.dir(), "operator2");

        // 1. an ordinary day: the machine asks, netrescue says local, the BIOS boots its disk
        QemuVm vm = lab.startVmWithDisk("vm1", MAC, UUID, monitor, 1024, disk);
        QemuVm.Outcome local = vm.await(LOCAL_MARKER, FAILURES, Duration.ofSeconds(90), nr::exited);
        assertTrue(local.found(), () -> ProxyDhcpQemuTest.diagnosis(local, vm, nr));

        // 2. activate rescue with a key and a one-time password; the BMC power cycles the machine into it
        int mark = vm.serialText().length();
        String activated = nr.cli("rescue", "activate", "vm1", "--ssh-key", key1 + ".pub", "--password", "--for", "30m", "--reboot", "power");
        assertThat(activated).contains("reboot by power: ok");
        java.util.regex.Matcher shown = java.util.regex.Pattern.compile("root password \\(shown once, never again\\): (\\S+)").matcher(activated);
        assertTrue(shown.find(), () -> "no password in: " + activated);
        String password = shown.group(1);
        assertThat(nr.cli("profile", "list")).contains("rescue/" + image.key() + "/vmlinuz");
        List<String> knownHosts = awaitKnownHosts(nr, vm, Duration.ofSeconds(240));
        System.out.printf("[RescueSystemQemuTest] rescue ready %.1f s after QEMU started (%s)%n", vm.elapsed().toMillis() / 1000.0,
                PxeLab.tail(vm.serialText().substring(mark), 400).lines().filter(l -> l.contains("RESCUE-T")).toList());
        assertThat(knownHosts).allSatisfy(l -> assertThat(l).startsWith("vm1," + ip + " ssh-ed25519 "));
        Path kh = Files.write(lab.dir().resolve("known_hosts"), knownHosts);
        // the key the rescue system printed on its own console is the key netrescue vouches for
        String consoleKey = vm.serialText().lines().filter(l -> l.contains("RESCUE-HOSTKEY ssh-ed25519")).reduce((a, b) -> b).orElseThrow();
        assertThat(consoleKey).contains(knownHosts.getFirst().split(" ")[2]);

        // 3. in by key, StrictHostKeyChecking=yes: mount the disk, read the planted file
        Result byKey = ssh(ip, kh, List.of("-i", key1.toString()),
                "for i in $(seq 60); do [ -b /dev/vda1 ] && break; sleep 1; done; mkdir -p /mnt/disk && mount -o ro /dev/vda1 /mnt/disk"
                        + " && cat /mnt/disk/planted.txt && hostname && umount /mnt/disk");
        assertThat(byKey.code()).as(byKey.output()).isZero();
        assertThat(byKey.output()).contains(PLANTED).contains("vm1").contains("netrescue rescue system for vm1 (activation");
        // 4. and by the one-time password
        Result byPassword = sshPassword(ip, kh, password, "echo PASSWORD-LOGIN-OK");
        assertThat(byPassword.code()).as(byPassword.output()).isZero();
        assertThat(byPassword.output()).contains("PASSWORD-LOGIN-OK");
        assertThat(nr.cli("rescue", "status", "vm1")).contains("ready").contains("host key ssh-ed25519 SHA256:");
        // 5. the agent inside reports to the watchdog, which knows the host is in its rescue system
        HungHostQemuTest.awaitEventAfter(nr, "rescue.ready", "health.rescue", Duration.ofSeconds(90));
        assertThat(kinds(nr)).as(timeline(nr)).containsSubsequence("rescue.ready", "health.rescue");

        // 6. a second activation: the first one's key and password die on the running system
        nr.cli("rescue", "activate", "vm1", "--ssh-key", key2 + ".pub", "--for", "30m");
        QemuVm.Outcome revoked = vm.await("RESCUE-REVOKED", FAILURES, Duration.ofSeconds(90), nr::exited);
        if (!revoked.found()) { // still in with the first key: what does the credential watch see?
            Result inside = ssh(ip, kh, List.of("-i", key1.toString()), "date; uptime; ps -o pid,ppid,etime,args ax | grep -v '\\['; . /run/rescue/env;"
                    + " code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 -H \"Authorization: Bearer $TOKEN\" \"$URL/rescue/alive\"); echo CODE=$code");
            throw new AssertionError("no RESCUE-REVOKED; inside:\n" + inside.output() + "\n" + ProxyDhcpQemuTest.diagnosis(revoked, vm, nr));
        }
        assertThat(ssh(ip, kh, List.of("-i", key1.toString()), "true").code()).as("the first activation's key").isNotZero();
        assertThat(sshPassword(ip, kh, password, "true").code()).as("the first activation's password").isNotZero();

        // 7. an activation that expires: its key works until then, and not a moment after (watch.sh asks every 10 s)
        int third = vm.serialText().length();
        assertThat(nr.cli("rescue", "activate", "vm1", "--ssh-key", key1 + ".pub", "--for", "2m", "--reboot", "power")).contains("reboot by power: ok");
        awaitReadyAfter(nr, vm, third, Duration.ofSeconds(80));
        kh = Files.write(lab.dir().resolve("known_hosts"), awaitKnownHosts(nr, vm, Duration.ofSeconds(60)));
        Result beforeExpiry = ssh(ip, kh, List.of("-i", key1.toString()), "echo STILL-VALID");
        assertThat(beforeExpiry.code()).as(beforeExpiry.output()).isZero();
        QemuVm.Outcome expired = awaitAfter(vm, third, "RESCUE-REVOKED", Duration.ofSeconds(180));
        assertTrue(expired.found(), () -> ProxyDhcpQemuTest.diagnosis(expired, vm, nr) + "\n" + timeline(nr));
        assertThat(ssh(ip, kh, List.of("-i", key1.toString()), "true").code()).as("the expired activation's key").isNotZero();
        assertThat(nr.cli("rescue", "status", "vm1")).contains("ended").contains("expired");

        // 8. the machine dies: a power cycle boots its disk (the rescue mode expired with the activation), which halts without a heartbeat. The watchdog
        //    finds it down; its ladder's rescue step activates rescue with the registered key and power cycles it
        nr.cli("host", "ssh-key", "add", "vm1", key2 + ".pub");
        int dead = vm.serialText().length();
        nr.cli("power", "vm1", "cycle");
        QemuVm.Outcome halted = awaitAfter(vm, dead, LOCAL_MARKER, Duration.ofSeconds(90));
        assertTrue(halted.found(), () -> ProxyDhcpQemuTest.diagnosis(halted, vm, nr));
        awaitReadyAfter(nr, vm, dead, Duration.ofSeconds(240));
        kh = Files.write(lab.dir().resolve("known_hosts"), awaitKnownHosts(nr, vm, Duration.ofSeconds(60)));
        Result byLadder = ssh(ip, kh, List.of("-i", key2.toString()), "echo LADDER-RESCUE-OK");
        assertThat(byLadder.code()).as(byLadder.output()).isZero();
        assertThat(byLadder.output()).contains("LADDER-RESCUE-OK");
        HungHostQemuTest.awaitEventAfter(nr, "ladder.started", "ladder.recovered", Duration.ofSeconds(90));

        // 9. rescue ends: the previous boot mode is back; a power cycle boots the disk again
        int before = vm.serialText().length();
        assertThat(nr.cli("rescue", "end", "vm1", "--reboot", "power")).contains("reboot by power: ok");
        QemuVm.Outcome back = awaitAfter(vm, before, LOCAL_MARKER, Duration.ofSeconds(120));
        assertTrue(back.found(), () -> ProxyDhcpQemuTest.diagnosis(back, vm, nr) + "\n" + timeline(nr));

        List<String> kinds = kinds(nr);
        System.out.println("[RescueSystemQemuTest] timeline:\n" + timeline(nr));
        assertThat(kinds).as(timeline(nr)).containsSubsequence("boot.served", "boot.mode", "rescue.activated", "ladder.silenced", "power.cycle",
                "rescue.rebooted", "boot.served", "rescue.booted", "rescue.ready", "ladder.silenced", "health.rescue", "rescue.ended", "rescue.activated",
                "rescue.ended", "rescue.activated", "power.cycle", "rescue.rebooted", "boot.served", "rescue.booted", "rescue.ready",
                "power.cycle", "boot.expired", "health.down", "ladder.started", "rescue.activated", "power.cycle", "rescue.rebooted", "boot.served",
                "rescue.booted", "rescue.ready", "ladder.recovered", "rescue.ended", "ladder.silenced", "power.cycle", "rescue.rebooted", "boot.served");
        // nothing but the ladder itself acted while the machine booted: its holds kept it quiet
        assertThat(events(nr).stream().filter(e -> "ladder.started".equals(e.kind())).count()).as(timeline(nr)).isEqualTo(1);
        assertThat(events(nr).stream().filter(e -> "rescue.activated".equals(e.kind())).map(Json.EventJson::actor).toList())
                .as("the fourth activation is the watchdog's").hasSize(4).last().isEqualTo("watchdog");
        List<String> served = events(nr).stream().filter(e -> e.kind().equals("boot.served") || e.kind().equals("boot.expired"))
                .map(e -> e.kind() + " " + e.decision()).toList();
        assertThat(served).containsExactly("boot.served local", "boot.served netboot rescue", "boot.served netboot rescue", "boot.expired local",
                "boot.served netboot rescue", "boot.served local");
        assertThat(PxeLab.read(nr.log())).doesNotContain(password).doesNotContain(BMC_PASSWORD);
        assertThat(timeline(nr)).doesNotContain(password);
    }

    /** Waits for a rescue.ready after the console offset (a boot's own RESCUE-T lines follow it). */
    static void awaitReadyAfter(NetrescueProcess nr, QemuVm vm, int offset, Duration max) throws Exception {
        QemuVm.Outcome ready = awaitAfter(vm, offset, "RESCUE-READY", max);
        assertTrue(ready.found(), () -> ProxyDhcpQemuTest.diagnosis(ready, vm, nr) + "\n" + timeline(nr));
    }

    /** Waits until the rescue system reported ready: netrescue then has its known_hosts lines. */
    static List<String> awaitKnownHosts(NetrescueProcess nr, QemuVm vm, Duration max) throws Exception {
        long end = System.nanoTime() + max.toNanos();
        while (System.nanoTime() < end) {
            try {
                String kh = nr.cli("rescue", "known-hosts", "vm1");
                if (!kh.isBlank()) return kh.lines().toList();
            } catch (AssertionError notYet) {
                // 409 until ready
            }
            for (String f : FAILURES) if (vm.serialText().contains(f)) throw new AssertionError(f + " on the console:\n" + PxeLab.tail(vm.serialText(), 40));
            Thread.sleep(1000);
        }
        throw new AssertionError("the rescue system never reported ready; console:\n" + PxeLab.tail(vm.serialText(), 60) + "\n" + timeline(nr));
    }

    static QemuVm.Outcome awaitAfter(QemuVm vm, int offset, String marker, Duration max) throws InterruptedException {
        long end = System.nanoTime() + max.toNanos();
        while (System.nanoTime() < end) {
            if (vm.serialText().substring(Math.min(offset, vm.serialText().length())).contains(marker)) {
                return new QemuVm.Outcome(true, marker, vm.elapsed(), "found");
            }
            Thread.sleep(200);
        }
        return new QemuVm.Outcome(false, null, vm.elapsed(), "no " + marker + " within " + max.toSeconds() + " s");
    }

    record Result(int code, String output) {}

    Result ssh(String ip, Path knownHosts, List<String> auth, String command) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", lab.serverNs(), "ssh", "-o", "StrictHostKeyChecking=yes",
                "-o", "UserKnownHostsFile=" + knownHosts, "-o", "GlobalKnownHostsFile=/dev/null", "-o", "BatchMode=yes",
                "-o", "ConnectTimeout=10", "-o", "IdentitiesOnly=yes", "-o", "LogLevel=INFO", "-F", "/dev/null"));
        cmd.addAll(auth);
        cmd.addAll(List.of("root@" + ip, command));
        return run(cmd, List.of());
    }

    Result sshPassword(String ip, Path knownHosts, String password, String command) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", lab.serverNs(), "sshpass", "-e", "ssh", "-o", "StrictHostKeyChecking=yes",
                "-o", "UserKnownHostsFile=" + knownHosts, "-o", "GlobalKnownHostsFile=/dev/null", "-o", "PubkeyAuthentication=no",
                "-o", "PreferredAuthentications=password", "-o", "ConnectTimeout=10", "-F", "/dev/null", "root@" + ip, command));
        return run(cmd, List.of("SSHPASS=" + password));
    }

    static Result run(List<String> cmd, List<String> env) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        for (String kv : env) pb.environment().put(kv.substring(0, kv.indexOf('=')), kv.substring(kv.indexOf('=') + 1));
        Process p = pb.start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return new Result(-1, "timed out: " + new String(out, StandardCharsets.UTF_8));
        }
        return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }

    static Path sshKey(Path dir, String name) throws Exception {
        Path k = dir.resolve(name);
        PxeLab.run(List.of("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", name, "-f", k.toString()), Duration.ofSeconds(30));
        return k;
    }

    /**
     * A 64 MiB disk: an MBR whose boot code prints {@link #LOCAL_MARKER} on COM1 and halts (so "it
     * booted its disk" is visible), one Linux partition from sector 2048 holding ext4 with the planted file.
     */
    static Path localDisk(Path dir) throws Exception {
        Path content = Files.createDirectories(dir.resolve("disk-content"));
        Files.writeString(content.resolve("planted.txt"), PLANTED + "\n");
        Path disk = dir.resolve("disk.img");
        long size = 64L << 20, start = 2048, sectors = size / 512 - start;
        PxeLab.run(List.of("mkfs.ext4", "-q", "-F", "-L", "data", "-d", content.toString(), "-E", "offset=" + start * 512, disk.toString(),
                (sectors / 2) + "k"), Duration.ofSeconds(60));
        try (RandomAccessFile f = new RandomAccessFile(disk.toFile(), "rw")) {
            f.setLength(size);
            byte[] mbr = new byte[512];
            byte[] code = {
                    0x31, (byte) 0xC0,                   // xor ax,ax
                    (byte) 0x8E, (byte) 0xD8,            // mov ds,ax
                    (byte) 0xBE, 0x16, 0x7C,             // mov si,0x7c16 (the message)
                    (byte) 0xBA, (byte) 0xF8, 0x03,      // mov dx,0x3f8 (COM1)
                    (byte) 0xAC,                         // next: lodsb
                    (byte) 0x84, (byte) 0xC0,            // test al,al
                    0x74, 0x03,                          // jz halt
                    (byte) 0xEE,                         // out dx,al
                    (byte) 0xEB, (byte) 0xF8,            // jmp next
                    (byte) 0xFA,                         // halt: cli
                    (byte) 0xF4,                         // hlt
                    (byte) 0xEB, (byte) 0xFD};           // jmp hlt
            System.arraycopy(code, 0, mbr, 0, code.length);
            byte[] msg = ("\r\n" + LOCAL_MARKER + "\r\n\0").getBytes(StandardCharsets.US_ASCII);
            System.arraycopy(msg, 0, mbr, 0x16, msg.length);
            int e = 446; // the first partition entry: type 0x83 (Linux), LBA start and length
            mbr[e + 4] = (byte) 0x83;
            le32(mbr, e + 8, start);
            le32(mbr, e + 12, sectors);
            mbr[510] = 0x55;
            mbr[511] = (byte) 0xAA;
            f.seek(0);
            f.write(mbr);
        }
        return disk;
    }

    private static void le32(byte[] b, int at, long v) {
        for (int i = 0; i < 4; i++) b[at + i] = (byte) (v >>> (8 * i));
    }
}
