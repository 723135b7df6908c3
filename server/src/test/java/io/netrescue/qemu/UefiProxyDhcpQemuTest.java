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
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * UEFI firmware PXE through netrescue's ProxyDHCP, end to end: OVMF's own PXE client (QEMU's iPXE
 * option ROM is left off the NIC, so the firmware's VirtioNetDxe and PxeBcDxe do the first stage)
 * gets its address from the site's dnsmasq (no PXE options) and the boot file from our ProxyDHCP
 * (client architecture 7), loads that iPXE EFI binary from our TFTP; iPXE does DHCP again, follows
 * our ProxyDHCP to {@code /ipxe} and {@code /boot.ipxe}, and boots the profile's kernel, whose
 * command line carries the machine's SMBIOS UUID and MAC as iPXE reported them.
 *
 * <p>Run once per iPXE build Debian ships for x86-64 UEFI: {@code snponly.efi} (the default: only the
 * firmware's SNP driver) and {@code ipxe.efi} (iPXE's own drivers, SNP when none binds; on OVMF
 * Debian's 2019 build also ends up on SNP). With {@code -Dbench.uefi.runs=N} it also times both,
 * interleaved (bench/uefi-pxe.sh; figures in bench/RESULTS.md).
 */
@Tag("qemu")
class UefiProxyDhcpQemuTest extends PxeLabTests {
    static final String MAC = "52:54:00:6e:72:51";
    static final String UUID = "8c5b0b4e-2f6a-4d1e-9a61-0123456789af";
    static final Path OVMF = Path.of("/usr/share/ovmf/OVMF.fd");
    static final Path IPXE_DIR = Path.of("/usr/lib/ipxe");
    /** The profile names the machine's identity so the kernel's /proc/cmdline shows what reached it. */
    static final String CMDLINE = RescueImage.CMDLINE + " uuid={uuid} mac={mac}";
    static final Duration BOOT_TIMEOUT = Duration.ofSeconds(180);
    /** iPXE's first line, EFI and BIOS builds alike: the firmware's part of the boot is over. */
    static final String IPXE_STARTS = "iPXE initialising devices";
    static final List<String> FAILURES = List.of("no decision from", "failed, booting the local disk", "Kernel panic",
            "PXE-E", "Shell>", "boots its local disk");

    @BeforeAll
    static void requirements() throws Exception {
        assumeTrue(Files.isReadable(OVMF), "no " + OVMF + " (apt-get install ovmf)");
        for (String f : List.of("ipxe.efi", "snponly.efi")) {
            assumeTrue(Files.isReadable(IPXE_DIR.resolve(f)), "no " + IPXE_DIR.resolve(f) + " (apt-get install ipxe)");
        }
        requireLab(Optional.empty());
    }

    @ParameterizedTest
    @ValueSource(strings = {"snponly.efi", "ipxe.efi"})
    void firmwarePxeFollowsOurProxyDhcpToIpxeAndTheProfilesKernel(String efi) throws Exception {
        Boot b = boot("uefi-" + efi.replace('.', '-'), efi);
        String serial = b.vm().serialText();
        String server = lab.serverAddress();
        String url = b.nr().url();
        String ip = lab.leasedAddress(MAC).orElseThrow(() -> new AssertionError("site dnsmasq leased nothing to " + MAC));

        // first stage: the firmware's own PXE client, not an iPXE ROM, loaded our binary from our TFTP
        assertThat(serial).as(b.vm().tail(40)).contains("Start PXE over IPv4").contains("Server IP address is " + server)
                .contains("NBP filename is " + efi);
        assertThat(serial.substring(0, serial.indexOf(IPXE_STARTS))).as("no iPXE before the binary we named").doesNotContain("iPXE");
        List<String> log = PxeLab.read(b.nr().log()).lines().toList();
        assertThat(BiosChainQemuTest.indexes(log, "msg=\"TFTP transfer completed\"", "client=\"/" + ip + ":", "file=\"" + efi + "\"",
                "bytes=\"" + Files.size(IPXE_DIR.resolve(efi)) + "\"")).as("%s went over our TFTP to %s (%s)", efi, ip, b.nr().log()).isNotEmpty();
        // second stage: that iPXE took our bootstrap URL from our ProxyDHCP (the site's DHCP has none) and got the decision
        if (efi.equals("snponly.efi")) assertThat(serial).as("snponly drives the NIC through the firmware's driver").contains("net0: " + MAC + " using SNP on");
        assertThat(serial).as(b.vm().tail(40)).contains("net0: " + ip + "/").contains(url + "/boot.ipxe").contains("netrescue: vm5 boots profile rescue");

        String line = serial.lines().filter(l -> l.contains(RescueImage.MARKER)).findFirst().orElseThrow();
        assertThat(line).as("the kernel's /proc/cmdline: the profile's, with this machine's SMBIOS UUID and MAC filled in")
                .contains("console=ttyS0").contains(" host=vm5").contains(" uuid=" + UUID).contains(" mac=" + MAC)
                .contains("initrd=initrd0") // the EFI variant of the script: iPXE reported platform efi
                .doesNotContain("{");
        assertServed(events(b.nr()), "vm5", "netboot rescue", ip, MAC);
    }

    /**
     * Not a check: with {@code -Dbench.uefi.runs=N}, N boots with each binary, alternating (the CPU is
     * shared with other work, so neither gets the quiet minutes), VM start to iPXE and to the kernel's marker.
     */
    @Test
    void benchIpxeEfiAgainstSnponly() throws Exception {
        int runs = Integer.getInteger("bench.uefi.runs", 0);
        assumeTrue(runs > 0, "a benchmark: -Dbench.uefi.runs=N (bench/uefi-pxe.sh)");
        List<String> binaries = List.of("ipxe.efi", "snponly.efi");
        List<List<Duration>> toIpxe = List.of(new ArrayList<>(), new ArrayList<>());
        List<List<Duration>> toKernel = List.of(new ArrayList<>(), new ArrayList<>());
        for (int r = 0; r < runs; r++) {
            for (int i = 0; i < binaries.size(); i++) {
                Boot b = boot("bench-" + r + "-" + binaries.get(i).replace('.', '-'), binaries.get(i));
                toIpxe.get(i).add(b.toIpxe());
                toKernel.get(i).add(b.toKernel());
                System.out.printf("[UefiProxyDhcpQemuTest] bench run %d %s: VM start -> iPXE %.1f s, -> kernel marker %.1f s%n",
                        r + 1, binaries.get(i), secs(b.toIpxe()), secs(b.toKernel()));
                lab.close();
                lab = null;
            }
        }
        for (int i = 0; i < binaries.size(); i++) {
            List<Duration> inIpxe = new ArrayList<>();
            for (int r = 0; r < runs; r++) inIpxe.add(toKernel.get(i).get(r).minus(toIpxe.get(i).get(r)));
            System.out.printf("[UefiProxyDhcpQemuTest] bench %s median of %d: VM start -> iPXE %.1f s, iPXE -> kernel marker %.1f s,"
                            + " VM start -> kernel marker %.1f s (all: %s)%n", binaries.get(i), runs, secs(median(toIpxe.get(i))),
                    secs(median(inIpxe)), secs(median(toKernel.get(i))), toKernel.get(i).stream().map(d -> "%.1f".formatted(secs(d))).toList());
        }
    }

    private record Boot(NetrescueProcess nr, QemuVm vm, Duration toIpxe, Duration toKernel) {}

    /** A fresh lab whose ProxyDHCP names {@code efi} for UEFI clients; vm5 set to rescue, powered on and booted to its kernel. */
    private Boot boot(String label, String efi) throws Exception {
        lab = PxeLab.create(PxeLabTest.logRoot(), label);
        lab.capture();
        lab.startSiteDhcp(List.of()); // addresses only: the boot file comes from our ProxyDHCP
        NetrescueProcess nr = NetrescueProcess.start(lab, config(lab, true, true) + "\n[dhcp.ipxe]\nefi-x64 = \"" + efi + "\"\n");
        image.install(nr.assets());
        nr.cli("host", "add", "vm5", "--mac", MAC, "--uuid", UUID);
        nr.cli("profile", "add", "rescue", "--kernel", "vmlinuz", "--initrd", "initrd.gz", "--cmdline", CMDLINE);
        nr.cli("boot", "vm5", "rescue");
        QemuVm vm = lab.startUefiVm("vm5", MAC, UUID, OVMF);
        QemuVm.Outcome i = vm.await(IPXE_STARTS, FAILURES, BOOT_TIMEOUT, nr::exited);
        assertTrue(i.found(), () -> ProxyDhcpQemuTest.diagnosis(i, vm, nr));
        QemuVm.Outcome k = vm.await(RescueImage.MARKER + " host=vm5 ", FAILURES, BOOT_TIMEOUT, nr::exited);
        System.out.printf("[UefiProxyDhcpQemuTest] %s %s: iPXE after %.1f s, %s after %.1f s%n", efi, vm, secs(i.elapsed()),
                k.found() ? "kernel marker" : "FAILED (" + k.why() + ")", secs(k.elapsed()));
        assertTrue(k.found(), () -> ProxyDhcpQemuTest.diagnosis(k, vm, nr));
        return new Boot(nr, vm, i.elapsed(), k.elapsed());
    }

    static Duration median(List<Duration> l) {
        List<Duration> s = l.stream().sorted().toList();
        int n = s.size();
        return n % 2 == 1 ? s.get(n / 2) : s.get(n / 2 - 1).plus(s.get(n / 2)).dividedBy(2);
    }

    private static double secs(Duration d) {
        return d.toMillis() / 1000.0;
    }

    static List<Json.EventJson> events(NetrescueProcess nr) throws Exception {
        return Arrays.asList(Json.MAPPER.readValue(nr.cli("events", "vm5", "--json"), Json.EventJson[].class));
    }
}
