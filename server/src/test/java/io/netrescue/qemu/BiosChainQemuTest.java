package io.netrescue.qemu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.netrescue.api.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The chainload path of a firmware PXE ROM: the site's DHCP server names {@code undionly.kpxe} on
 * netrescue's TFTP, the ROM loads it, and the second iPXE it starts (running on the ROM's UNDI) does
 * DHCP again, gets {@code http://SERVER:8080/ipxe} from our ProxyDHCP and reaches the host's decision.
 *
 * <p>What iPXE does with two filenames, measured here and read in its source (1.0.0+git-20190125,
 * Debian's build; unchanged on master): a DHCP reply is registered as settings block {@code net0.dhcp},
 * a ProxyDHCP reply as {@code proxydhcp} at the root, after it ({@code dhcp_request_rx} in
 * {@code src/net/udp/dhcp.c}). Sibling blocks are ordered by their {@code priority} setting (DHCP
 * option 175.1) and then by registration ({@code reprioritise_settings} in {@code src/core/settings.c}),
 * and {@code fetch_next_server_and_filename} takes the first filename found. So without a priority a
 * filename from the site's DHCP server always beats ours: a site that names undionly.kpxe for every
 * client loops forever (test 2, first half, with {@code dhcp.ipxe.override-site-filename = false}).
 * Our ProxyDHCP therefore sends iPXE clients priority 1 (175.1), and the same site then reaches the
 * decision (test 2, second half).
 *
 * <p>QEMU's ROM is iPXE and sends user class {@code iPXE} itself, so the usual site rule (no boot file
 * for user class iPXE, test 3) sends the ROM straight to our URL and never chainloads. On the wire the
 * ROM and the undionly.kpxe it loaded differ only in the vendor class: the ROM sends
 * {@code PXEClient:Arch:00000:UNDI:002001}, undionly copies option 60 from the replies the ROM cached
 * (iPXE's {@code dhcp_request_settings}) and sends {@code PXEClient}. Test 1's site keys its boot file
 * on that, standing in for a real ROM that sends no user class; it turns our priority off, since with
 * it the iPXE ROM itself would take our URL at once and never chainload.
 */
@Tag("qemu")
class BiosChainQemuTest extends PxeLabTests {
    static final String MAC = "52:54:00:6e:72:31";
    static final String UUID = "8c5b0b4e-2f6a-4d1e-9a61-0123456789ad";
    static final Path UNDIONLY = Path.of("/usr/lib/ipxe/undionly.kpxe");
    /** How many times the looping test waits to see undionly.kpxe loaded (the ROM's load, then the loop). */
    static final int LOOP_LOADS = 3;

    @BeforeAll
    static void requirements() throws Exception {
        assumeTrue(Files.isReadable(UNDIONLY), "no " + UNDIONLY + " (apt-get install ipxe)");
        requireLab(Optional.empty());
    }

    @Test
    void romLoadsUndionlyFromOurTftpAndTheSecondStageFollowsOurProxyDhcpToTheDecision() throws Exception {
        // QEMU's ROM is iPXE: with our priority (the default) it would take our URL at once and never
        // chainload. Letting the site's filename win makes it behave like a firmware ROM here.
        Site s = start("bioschain", List.of(
                "--dhcp-vendorclass=set:pxerom,PXEClient:Arch:00000", // the ROM, not the undionly it loads
                "--dhcp-boot=tag:pxerom,undionly.kpxe,,SERVER"), "\n[dhcp.ipxe]\noverride-site-filename = false\n");
        QemuVm.Outcome o = s.vm().await(RescueImage.MARKER + " host=vm3 ", ProxyDhcpQemuTest.FAILURES, ProxyDhcpQemuTest.BOOT_TIMEOUT, s.nr()::exited);
        report("chain", s.vm(), o);
        assertTrue(o.found(), () -> ProxyDhcpQemuTest.diagnosis(o, s.vm(), s.nr()));

        String serial = s.vm().serialText();
        String server = lab.serverAddress();
        String url = s.nr().url();
        long size = Files.size(UNDIONLY);
        // first stage: the ROM took the site's boot file from our TFTP, and exactly once (no loop)
        assertThat(serial).as(s.vm().tail(40)).contains("Next server: " + server + "\nFilename: undionly.kpxe\ntftp://" + server + "/undionly.kpxe... ok")
                .contains("undionly.kpxe : " + size + " bytes");
        assertThat(count(serial, "undionly.kpxe... ok")).as("undionly.kpxe loads on the console").isEqualTo(1);
        // second stage: the undionly.kpxe on the ROM's UNDI got our URL and chained to the decision
        String second = serial.substring(serial.indexOf("using undionly on"));
        assertThat(second).as(s.vm().tail(40)).contains("Filename: " + url + "/ipxe").contains(url + "/boot.ipxe... ok")
                .contains("netrescue: vm3 boots profile rescue");

        String ip = lab.leasedAddress(MAC).orElseThrow(() -> new AssertionError("site dnsmasq leased nothing to " + MAC));
        List<String> log = PxeLab.read(s.nr().log()).lines().toList();
        List<Integer> transfers = indexes(log, "msg=\"TFTP transfer completed\" client=\"/" + ip + ":", "file=\"undionly.kpxe\"", "bytes=\"" + size + "\"");
        assertThat(transfers).as("undionly.kpxe transfers to %s in %s", ip, s.nr().log()).hasSize(1);
        assertThat(indexes(log, "msg=\"dhcp reply\" mac=\"" + MAC + "\"", "file=\"" + url + "/ipxe\"", "ipxe=\"true\""))
                .as("our ProxyDHCP answered the second stage (after the transfer) with our URL, in %s", s.nr().log())
                .anySatisfy(i -> assertThat(i).isGreaterThan(transfers.getFirst()));
        assertServed(events(s.nr()), "vm3", "netboot rescue", ip, MAC);
    }

    /**
     * The classic chainload loop, which our ProxyDHCP cannot break: undionly.kpxe asks again, we answer
     * it with our URL, and iPXE still takes the site's filename (see the class comment for why).
     */
    @Test
    void siteNamingUndionlyForEveryClientLoopsWithoutOurPriorityAndNotWithIt() throws Exception {
        // without iPXE priority the classic loop: the site's filename always wins (the measurement that led to 175.1)
        Site s = start("bioschain-loop", List.of("--dhcp-boot=undionly.kpxe,,SERVER"), "\n[dhcp.ipxe]\noverride-site-filename = false\n");
        String load = "tftp://" + lab.serverAddress() + "/undionly.kpxe... ok";
        long deadline = System.nanoTime() + ProxyDhcpQemuTest.BOOT_TIMEOUT.toNanos();
        String serial;
        while (count(serial = s.vm().serialText(), load) < LOOP_LOADS && !serial.contains("/boot.ipxe") && s.nr().exited().isEmpty()
                && System.nanoTime() < deadline) {
            Thread.sleep(200);
        }
        System.out.printf("[BiosChainQemuTest] loop %s: %d undionly.kpxe loads after %.1f s%n", s.vm(), count(serial, load),
                s.vm().elapsed().toMillis() / 1000.0);
        assertThat(serial).as("without priority, a stage that reached our script: iPXE's filename order has changed\n" + s.vm().tail(40))
                .doesNotContain("/boot.ipxe");
        assertThat(count(serial, load)).as("undionly.kpxe loads (the ROM's, then undionly loading itself)\n" + s.vm().tail(40))
                .isGreaterThanOrEqualTo(LOOP_LOADS);
        assertThat(events(s.nr())).as("no decision was ever asked for").noneMatch(e -> "boot.served".equals(e.kind()));
        PxeLab first = lab;
        first.close();
        assertThat(first.remainingNamespaces()).as("namespaces left behind by " + first).isEmpty();

        // with it (the default): the same site, and the machine reaches its decision without looping
        Site p = start("bioschain-priority", List.of("--dhcp-boot=undionly.kpxe,,SERVER"));
        QemuVm.Outcome o = p.vm().await(RescueImage.MARKER + " host=vm3 ", ProxyDhcpQemuTest.FAILURES, ProxyDhcpQemuTest.BOOT_TIMEOUT, p.nr()::exited);
        report("priority", p.vm(), o);
        assertTrue(o.found(), () -> ProxyDhcpQemuTest.diagnosis(o, p.vm(), p.nr()));
        assertThat(count(p.vm().serialText(), "tftp://" + lab.serverAddress() + "/undionly.kpxe... ok")).as("undionly.kpxe loads with our priority\n" + p.vm().tail(40)).isLessThanOrEqualTo(1);
        assertThat(events(p.nr())).anySatisfy(e -> assertThat(e.decision()).isEqualTo("netboot rescue"));
    }

    @Test
    void siteUserClassRuleLeavesIpxeClientsToOurProxyDhcp() throws Exception {
        Site s = start("bioschain-userclass", List.of("--dhcp-userclass=set:ipxe,iPXE", "--dhcp-boot=tag:!ipxe,undionly.kpxe,,SERVER"));
        QemuVm.Outcome o = s.vm().await(RescueImage.MARKER + " host=vm3 ", ProxyDhcpQemuTest.FAILURES, ProxyDhcpQemuTest.BOOT_TIMEOUT, s.nr()::exited);
        report("user class", s.vm(), o);
        assertTrue(o.found(), () -> ProxyDhcpQemuTest.diagnosis(o, s.vm(), s.nr()));
        String url = s.nr().url();
        assertThat(s.vm().serialText()).as(s.vm().tail(40)).contains("Filename: " + url + "/ipxe").contains(url + "/boot.ipxe... ok")
                .doesNotContain("undionly.kpxe");
        assertThat(PxeLab.read(lab.siteDhcpLog())).as("site dnsmasq log").contains("tags: ipxe").doesNotContain("undionly.kpxe");
    }

    private record Site(NetrescueProcess nr, QemuVm vm) {}

    /** A fresh lab with {@code siteArgs} (SERVER: netrescue's address) on the site's DHCP, netrescue as ProxyDHCP + TFTP, vm3 in rescue mode, powered on. */
    private Site start(String label, List<String> siteArgs) throws Exception {
        return start(label, siteArgs, "");
    }

    private Site start(String label, List<String> siteArgs, String extraConfig) throws Exception {
        lab = PxeLab.create(PxeLabTest.logRoot(), label);
        lab.capture();
        lab.startSiteDhcp(siteArgs.stream().map(a -> a.replace("SERVER", lab.serverAddress())).toList());
        NetrescueProcess nr = NetrescueProcess.start(lab, config(lab, true, true) + extraConfig);
        image.install(nr.assets());
        nr.cli("host", "add", "vm3", "--mac", MAC, "--uuid", UUID);
        nr.cli("profile", "add", "rescue", "--kernel", "vmlinuz", "--initrd", "initrd.gz", "--cmdline", RescueImage.CMDLINE);
        nr.cli("boot", "vm3", "rescue");
        return new Site(nr, lab.startVm("vm3", MAC, UUID));
    }

    private static void report(String what, QemuVm vm, QemuVm.Outcome o) {
        System.out.printf("[BiosChainQemuTest] %s %s: %s after %.1f s%n", what, vm, o.found() ? "rescue marker" : "FAILED (" + o.why() + ")",
                o.elapsed().toMillis() / 1000.0);
    }

    static int count(String text, String needle) {
        int n = 0;
        for (int i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + needle.length())) n++;
        return n;
    }

    /** Line numbers of {@code lines} that contain every one of {@code parts}. */
    static List<Integer> indexes(List<String> lines, String... parts) {
        return IntStream.range(0, lines.size()).filter(i -> Arrays.stream(parts).allMatch(lines.get(i)::contains)).boxed().toList();
    }

    static List<Json.EventJson> events(NetrescueProcess nr) throws Exception { // its own host, not vm1
        return Arrays.asList(Json.MAPPER.readValue(nr.cli("events", "vm3", "--json"), Json.EventJson[].class));
    }
}
