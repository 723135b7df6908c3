package io.netrescue.qemu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.netrescue.api.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A UEFI site booting GRUB: the site's DHCP server names GRUB's network image on netrescue's TFTP
 * (made by {@code grub-mknetdir}, as a site would); OVMF's own PXE client (QEMU's iPXE option ROM is
 * left off the NIC) loads it, GRUB 2.06 asks our TFTP for {@code boot/grub/grub.cfg-01-<mac>} in its
 * prefix directory, gets the host's decision and boots the rescue kernel over TFTP.
 *
 * <p>Measured here: GRUB 2.06 reads that file twice per boot, about 50 ms apart (its search for a
 * config opens it, then normal mode reads it), and each read is a decision. So a {@code once} through
 * GRUB is spent by the first read and the read GRUB runs says local: a product bug, reported with
 * issue 5 and not asserted here until it is fixed.
 */
@Tag("qemu")
class GrubEfiQemuTest extends PxeLabTests {
    static final String MAC = "52:54:00:6e:72:41";
    static final String UUID = "8c5b0b4e-2f6a-4d1e-9a61-0123456789ae";
    static final Path OVMF = Path.of("/usr/share/ovmf/OVMF.fd");
    static final Path GRUB_MODULES = Path.of("/usr/lib/grub/x86_64-efi");
    static final String CORE = "boot/grub/x86_64-efi/core.efi";
    /** GRUB's first config lookup: its prefix directory, then grub.cfg-01- and the MAC. */
    static final String MAC_CONFIG = "boot/grub/grub.cfg-01-" + MAC.replace(':', '-');
    static final Duration BOOT_TIMEOUT = Duration.ofSeconds(100);
    static final List<String> FAILURES = List.of("failed, booting the local disk", "boots its local disk", "Kernel panic", "error: file", "you need to load the kernel first");

    @BeforeAll
    static void requirements() throws Exception {
        assumeTrue(Files.isReadable(OVMF), "no " + OVMF + " (apt-get install ovmf)");
        assumeTrue(Files.isDirectory(GRUB_MODULES) && PxeLab.find("grub-mknetdir").isPresent(),
                "no grub-mknetdir or " + GRUB_MODULES + " (apt-get install grub-efi-amd64-bin grub-common)");
        requireLab(Optional.empty());
    }

    @Test
    void grubOverUefiFetchesItsPerMacConfigFromNetrescueAndBootsTheRescueKernel() throws Exception {
        Booted b = boot("grubefi", "rescue");
        QemuVm.Outcome o = b.vm().await(RescueImage.MARKER + " host=vm4 ", FAILURES, BOOT_TIMEOUT, b.nr()::exited);
        report("rescue", b.vm(), o);
        assertTrue(o.found(), () -> ProxyDhcpQemuTest.diagnosis(o, b.vm(), b.nr()));
        String serial = b.vm().serialText();
        String server = lab.serverAddress();
        // the firmware's own PXE client (not iPXE) loaded GRUB from our TFTP, and GRUB printed our config's echo
        assertThat(serial).as(b.vm().tail(40)).contains("Start PXE over IPv4").contains("Server IP address is " + server)
                .contains("NBP filename is " + CORE).contains("Welcome to GRUB!").contains("netrescue: vm4 boots profile rescue")
                .doesNotContain("iPXE");
        String line = serial.lines().filter(l -> l.contains(RescueImage.MARKER)).findFirst().orElseThrow();
        assertThat(line).as("the kernel got the profile's command line with {host} filled in").contains("console=ttyS0").doesNotContain("{host}");

        String ip = lab.leasedAddress(MAC).orElseThrow(() -> new AssertionError("site dnsmasq leased nothing to " + MAC));
        List<String> log = PxeLab.read(b.nr().log()).lines().toList();
        // GRUB 2.06 looks for its config in its prefix directory, MAC-specific name first
        assertThat(BiosChainQemuTest.indexes(log, "msg=\"TFTP transfer completed\" client=\"/" + ip + ":", "file=\"" + MAC_CONFIG + "\""))
                .as("GRUB read %s from us (%s)", MAC_CONFIG, b.nr().log()).isNotEmpty();
        assertThat(BiosChainQemuTest.indexes(log, "file=\"vmlinuz\"", "bytes=\"" + Files.size(b.nr().assets().resolve("vmlinuz")) + "\""))
                .as("the kernel went over our TFTP").isNotEmpty();
        assertServed(events(b.nr()), "vm4", "netboot rescue via grub", ip, MAC);
    }

    /**
     * GRUB 2.06 reads grub.cfg-01-MAC twice per boot; before PxeConfigService answered a repeat from its
     * window, the first read spent the once and the second (the one GRUB runs) said local.
     */
    @Test
    void onceThroughGrubBootsRescueAndIsSpentByExactlyOneDecision() throws Exception {
        Booted b = boot("grubefi-once", "once", "rescue");
        QemuVm.Outcome o = b.vm().await(RescueImage.MARKER + " host=vm4 ", FAILURES, BOOT_TIMEOUT, b.nr()::exited);
        report("once", b.vm(), o);
        assertTrue(o.found(), () -> ProxyDhcpQemuTest.diagnosis(o, b.vm(), b.nr()));
        assertOnceSpentByOneDecision(b.nr(), "vm4", "netboot rescue via grub", events(b.nr()), "GRUB's two reads of its config, one decision");
    }

    private record Booted(NetrescueProcess nr, QemuVm vm) {}

    /** A fresh lab whose site DHCP names GRUB on our TFTP; vm4 in the inventory with {@code mode}, powered on. */
    private Booted boot(String label, String... mode) throws Exception {
        lab = PxeLab.create(PxeLabTest.logRoot(), label);
        lab.capture();
        String server = lab.serverAddress();
        lab.startSiteDhcp(List.of("--dhcp-boot=" + CORE + ",," + server));
        NetrescueProcess nr = NetrescueProcess.start(lab, config(lab, false, true));
        image.install(nr.assets());
        // GRUB's network image and modules, as a site would install them on its TFTP server
        PxeLab.run(List.of("grub-mknetdir", "--net-directory=" + nr.assets(), "--subdir=boot/grub", "-d", GRUB_MODULES.toString()), Duration.ofSeconds(60));
        nr.cli("host", "add", "vm4", "--mac", MAC, "--uuid", UUID);
        nr.cli("profile", "add", "rescue", "--kernel", "vmlinuz", "--initrd", "initrd.gz", "--cmdline", RescueImage.CMDLINE);
        List<String> set = new ArrayList<>(List.of("boot", "vm4"));
        set.addAll(List.of(mode));
        nr.cli(set.toArray(String[]::new));
        return new Booted(nr, lab.startUefiVm("vm4", MAC, UUID, OVMF));
    }

    private static void report(String what, QemuVm vm, QemuVm.Outcome o) {
        System.out.printf("[GrubEfiQemuTest] %s %s: %s after %.1f s%n", what, vm, o.found() ? "rescue marker" : "FAILED (" + o.why() + ")",
                o.elapsed().toMillis() / 1000.0);
    }

    static List<Json.EventJson> events(NetrescueProcess nr) throws Exception { // its own host, not vm1
        return Arrays.asList(Json.MAPPER.readValue(nr.cli("events", "vm4", "--json"), Json.EventJson[].class));
    }
}
