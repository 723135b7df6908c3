package io.netrescue.qemu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.netrescue.api.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A PXELINUX site: the site's DHCP server already points machines at a boot server (next-server =
 * netrescue, boot file {@code pxelinux.0}). Debian's PXELINUX is loaded over netrescue's TFTP, asks it
 * for its configuration by UUID, then by MAC ({@code pxelinux.cfg/01-52-54-00-...}), and netrescue
 * answers the MAC-specific file from the decision engine: the host is in rescue mode, so the rescue
 * kernel boots. (QEMU's ROM is iPXE, which does the first TFTP itself; PXELINUX then uses iPXE's PXE API.)
 */
@Tag("qemu")
class PxelinuxQemuTest extends PxeLabTests {
    static final String MAC = "52:54:00:6e:72:21";
    static final String UUID = "8c5b0b4e-2f6a-4d1e-9a61-0123456789ac";
    static final Path PXELINUX = Path.of("/usr/lib/PXELINUX/pxelinux.0");
    static final Path LDLINUX = Path.of("/usr/lib/syslinux/modules/bios/ldlinux.c32");
    /** Printed by PXELINUX when no configuration file was found at all. */
    static final List<String> FAILURES = List.of("Unable to locate configuration file", "Could not find kernel image", "Nothing to boot",
            "No bootable device", "Kernel panic");

    @BeforeAll
    static void requirements() throws Exception {
        assumeTrue(Files.isReadable(PXELINUX) && Files.isReadable(LDLINUX),
                "no " + PXELINUX + " or " + LDLINUX + " (apt-get install pxelinux syslinux-common)");
        requireLab(Optional.empty());
    }

    @Test
    void pxelinuxFetchesItsPerMacConfigFromNetrescueAndBootsTheRescueKernel() throws Exception {
        Booted b = boot("pxelinux", "rescue");
        String serial = b.vm().serialText();
        String server = lab.serverAddress();
        // the site's DHCP named us; iPXE loaded PXELINUX over our TFTP, and PXELINUX (not iPXE) loaded the kernel
        assertThat(serial).as(b.vm().tail(40)).contains("Next server: " + server).contains("tftp://" + server + "/pxelinux.0... ok")
                .contains("PXELINUX 6").contains("Loading vmlinuz");
        // the config PXELINUX used was ours (its SAY line), not a static file
        assertThat(serial).as(b.vm().tail(40)).contains("netrescue: vm2 boots profile rescue");
        String line = serial.lines().filter(l -> l.contains(RescueImage.MARKER)).findFirst().orElseThrow();
        assertThat(line).as("the kernel got the profile's command line with {host} filled in").contains("console=ttyS0").doesNotContain("{host}");

        // the per-MAC config was a decision: on the host's timeline, for the machine at the leased address
        String ip = lab.leasedAddress(MAC).orElseThrow(() -> new AssertionError("site dnsmasq leased nothing to " + MAC));
        assertServed(events(b.nr()), "vm2", "netboot rescue via pxelinux", ip, MAC);
    }

    /**
     * A once through PXELINUX is spent exactly once and by the boot that used it. PXELINUX resends its
     * read request for the config after about 100 ms without an answer, so the server sees the same
     * request twice whenever a decision takes longer than that (a once's is a durable write).
     */
    @Test
    void onceThroughPxelinuxBootsRescueAndIsSpentByExactlyOneDecision() throws Exception {
        Booted b = boot("pxelinux-once", "once", "rescue");
        // a second decision here means PXELINUX's retransmitted read request was served as a second
        // transfer: the timeline then shows a decision the machine never used, and had that transfer
        // answered first, the machine would have booted local with its once spent
        assertOnceSpentByOneDecision(b.nr(), "vm2", "netboot rescue via pxelinux", events(b.nr()),
                "one config fetch, one decision (TFTP log and br0.pcap)");
    }

    private record Booted(NetrescueProcess nr, QemuVm vm) {}

    /** A fresh lab and server, vm2 in the inventory with {@code mode}, powered on until the rescue marker. */
    private Booted boot(String label, String... mode) throws Exception {
        lab = PxeLab.create(PxeLabTest.logRoot(), label);
        lab.capture();
        String server = lab.serverAddress();
        // a site whose own DHCP server already names the boot server and file
        lab.startSiteDhcp(List.of("--dhcp-boot=pxelinux.0,," + server));
        NetrescueProcess nr = NetrescueProcess.start(lab, config(lab, false, true));
        image.install(nr.assets());
        Files.copy(PXELINUX, nr.assets().resolve("pxelinux.0"));
        Files.copy(LDLINUX, nr.assets().resolve("ldlinux.c32"));
        nr.cli("host", "add", "vm2", "--mac", MAC, "--uuid", UUID);
        nr.cli("profile", "add", "rescue", "--kernel", "vmlinuz", "--initrd", "initrd.gz", "--cmdline", RescueImage.CMDLINE);
        List<String> set = new ArrayList<>(List.of("boot", "vm2"));
        set.addAll(List.of(mode));
        nr.cli(set.toArray(String[]::new));

        QemuVm vm = lab.startVm("vm2", MAC, UUID);
        QemuVm.Outcome o = vm.await(RescueImage.MARKER + " host=vm2 ", FAILURES, ProxyDhcpQemuTest.BOOT_TIMEOUT, nr::exited);
        System.out.printf("[PxelinuxQemuTest] %s %s: %s after %.1f s%n", label, vm, o.found() ? "rescue marker" : "FAILED (" + o.why() + ")",
                o.elapsed().toMillis() / 1000.0);
        assertTrue(o.found(), () -> ProxyDhcpQemuTest.diagnosis(o, vm, nr));
        return new Booted(nr, vm);
    }

    static List<Json.EventJson> events(NetrescueProcess nr) throws Exception { // its own host, not vm1
        return Arrays.asList(Json.MAPPER.readValue(nr.cli("events", "vm2", "--json"), Json.EventJson[].class));
    }
}
