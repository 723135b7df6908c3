package io.netrescue.qemu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The harness itself, and the control experiment for the PXE tests: on a site with only its ordinary
 * DHCP server and no PXE server, the VM gets a lease from the site and then has nothing to boot. So
 * when {@link ProxyDhcpQemuTest}'s VM boots a kernel, the boot instructions came from netrescue.
 * Also proves the lab leaves nothing behind: no namespace, no process.
 */
@Tag("qemu")
class PxeLabTest {
    static final String MAC = "52:54:00:6e:72:01";
    static final String UUID = "8c5b0b4e-2f6a-4d1e-9a61-0123456789ab";

    @BeforeAll
    static void requirements() throws Exception {
        Optional<String> missing = PxeLab.missingRequirement().or(RescueImage::missingRequirement);
        assumeTrue(missing.isEmpty(), () -> missing.orElseThrow());
    }

    @Test
    void siteDhcpAloneLeasesAnAddressButOffersNothingToBoot() throws Exception {
        PxeLab lab = PxeLab.create(logRoot(), "control");
        Process dhcp;
        QemuVm vm;
        try (lab) {
            dhcp = lab.startSiteDhcp(List.of());
            vm = lab.startVm("vm", MAC, UUID);
            QemuVm.Outcome o = vm.await("Nothing to boot", List.of("Kernel panic"), Duration.ofSeconds(80));
            assertTrue(o.found(), o.why() + " " + lab + "\n" + vm.tail(30));
            String ip = lab.leasedAddress(MAC).orElseThrow(() -> new AssertionError("no lease for " + MAC + " in " + lab.siteLeases()));
            assertThat(vm.serialText()).as(vm.tail(30)).contains("net0: " + ip + "/255.255.255.0");
            // no boot server, so iPXE never tried one: no PXE boot server discovery, no download
            assertThat(vm.serialText()).as(vm.tail(30)).doesNotContain("PXEBS").doesNotContain("tftp://").doesNotContain(":8080");
        }
        assertThat(lab.remainingNamespaces()).as("namespaces left behind by " + lab).isEmpty();
        assertThat(dhcp.isAlive()).as("site dnsmasq still running").isFalse();
        assertThat(lab.survivors()).as("processes left running by " + lab).isEmpty();
        assertThat(vm.serialText()).isNotEmpty();
    }

    static Path logRoot() {
        return Path.of(System.getProperty("user.dir"), "target", "pxe-lab");
    }
}
