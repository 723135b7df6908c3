package io.netrescue.qemu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netrescue.api.Json;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Power-on to a per-machine decision through netrescue's ProxyDHCP, end to end: the site's own
 * DHCP server (dnsmasq, no PXE options) leases the address; netrescue, in its own namespace on the
 * same link, answers as ProxyDHCP; the VM's iPXE ROM follows it to {@code /ipxe} and
 * {@code /boot.ipxe}, and boots the rescue kernel the operator chose with the CLI beforehand.
 * {@link PxeLabTest} is the control: the same site without netrescue boots nothing.
 */
@Tag("qemu")
class ProxyDhcpQemuTest extends PxeLabTests {
    static final String MAC = "52:54:00:6e:72:11";
    static final String UUID = "8c5b0b4e-2f6a-4d1e-9a61-0123456789ab";
    static final Duration BOOT_TIMEOUT = Duration.ofSeconds(80);
    /** Lines that mean the boot went wrong: fail at once instead of waiting for the timeout. */
    static final List<String> FAILURES = List.of("no decision from", "failed, booting the local disk", "Nothing to boot",
            "No bootable device", "Kernel panic");

    @BeforeAll
    static void requirements() throws Exception {
        requireLab(Optional.empty());
    }

    @Test
    void siteLeasesTheAddressNetrescueProxyDhcpBootsTheRescueDecision() throws Exception {
        lab = PxeLab.create(PxeLabTest.logRoot(), "proxydhcp");
        lab.capture();
        lab.startSiteDhcp(List.of()); // an ordinary site DHCP server: addresses only, no boot options
        String server = lab.serverAddress();
        NetrescueProcess nr = NetrescueProcess.start(lab, config(lab, true, false));
        image.install(nr.assets());
        nr.cli("host", "add", "vm1", "--mac", MAC, "--uuid", UUID);
        nr.cli("profile", "add", "rescue", "--kernel", "vmlinuz", "--initrd", "initrd.gz", "--cmdline", RescueImage.CMDLINE);
        nr.cli("boot", "vm1", "rescue");

        QemuVm vm = lab.startVm("vm1", MAC, UUID);
        QemuVm.Outcome o = vm.await(RescueImage.MARKER + " host=vm1 ", FAILURES, BOOT_TIMEOUT, nr::exited);
        System.out.printf("[ProxyDhcpQemuTest] %s: %s after %.1f s%n", vm, o.found() ? "rescue marker" : "FAILED (" + o.why() + ")",
                o.elapsed().toMillis() / 1000.0);
        String serial = vm.serialText();
        assertTrue(o.found(), () -> diagnosis(o, vm, nr));

        // the address came from the site's DHCP server, and the VM used that one
        String ip = lab.leasedAddress(MAC).orElseThrow(() -> new AssertionError("site dnsmasq leased nothing to " + MAC + "\n" + diagnosis(o, vm, nr)));
        assertThat(PxeLab.read(lab.siteDhcpLog())).as("site dnsmasq log").containsPattern("DHCPACK\\(br0\\) " + ip.replace(".", "\\.") + " " + MAC);
        assertThat(serial).as(vm.tail(40)).contains("net0: " + ip + "/");
        // the boot instructions came from us (the site's DHCP has none): our ProxyDHCP named the
        // bootstrap script, which chained to this machine's decision
        String url = "http://" + server + ":" + NetrescueProcess.HTTP_PORT;
        assertThat(serial).as(vm.tail(40)).contains("Filename: " + url + "/ipxe").contains(url + "/boot.ipxe... ok")
                .contains("netrescue: vm1 boots profile rescue");
        String line = serial.lines().filter(l -> l.contains(RescueImage.MARKER)).findFirst().orElseThrow();
        assertThat(line).as("the kernel got the profile's command line with {host} filled in").contains("console=ttyS0").doesNotContain("{host}");

        // the decision is on the host's timeline, for the machine at the leased address
        List<Json.EventJson> events = Arrays.asList(Json.MAPPER.readValue(nr.cli("events", "vm1", "--json"), Json.EventJson[].class));
        assertServed(events, "vm1", "netboot rescue", ip, MAC);
    }

    /** Why a boot failed, with everything needed to see where: VM console, server log, site DHCP log, the lab's log directory. */
    static String diagnosis(QemuVm.Outcome o, QemuVm vm, NetrescueProcess nr) {
        return "waiting on " + vm + ": " + o.why() + "\n" + vm.tail(40) + "\n" + nr.logTail(40)
                + "\n(all logs and a capture of the link in " + nr.log().getParent() + ")";
    }
}
