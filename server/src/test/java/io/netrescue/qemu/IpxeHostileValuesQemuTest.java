package io.netrescue.qemu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.netrescue.api.Json;
import io.netrescue.testing.TestServer;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 15, finding 4.5: the real iPXE (QEMU's BIOS ROM, user networking) runs our scripts with hostile
 * values in every place one reaches a script, and still boots what was meant or falls back to its disk.
 *
 * <p>What iPXE 1.0.0+git-20190125 does with a line, measured with probe scripts in QEMU: it splits at
 * white space (runs of spaces and tabs become one space in the kernel's command line), with no
 * quoting ({@code "} {@code '} {@code \} are plain characters); a word that is exactly {@code ;},
 * {@code &&} or {@code ||} ends the command, a word starting with {@code #} ends the line; inside a
 * word they are plain ({@code a;b}, {@code x&&y}, {@code h#x}). Then each word is expanded on its
 * own ({@code ${v}} whose value holds {@code " && echo X"} stays one argument: no new command), but
 * expansion repeats over what it produced: an SMBIOS serial {@code SN-${asset}} prints the asset tag,
 * and a serial {@code ${serial}} hangs iPXE on the line that names it, for good (the fallback after
 * {@code ||} never runs). So a profile may name only settings iPXE types (hex, address, UUID: test 1
 * boots with a self-naming serial read as {@code ${serial:hex}}); {@code ${serial}} is refused. Before
 * that check, test 1 with {@code sn=${serial}} and test 2 both timed out: no kernel, no fallback.
 *
 * <p>Also seen: this iPXE decodes a percent-encoded {@code &} in a query and sends it raw, so a field
 * with {@code &&} reaches us cut there (harmless: the rest becomes an ignored parameter).
 */
@Tag("qemu")
class IpxeHostileValuesQemuTest {
    private static final String MAC = "52:54:00:12:34:57";
    private static final String UUID = "8c5b0b4e-2f6a-4d1e-9a61-0123456789b0";
    private static final Duration BOOT_TIMEOUT = Duration.ofSeconds(120);
    private static final String DISK_MARKER = "NETRESCUE-LOCAL-DISK-MARKER";
    /** A machine that names itself in its SMBIOS serial: iPXE would expand {@code ${serial}} forever. */
    private static final String SELF_NAMING_SERIAL = "${serial}";
    /**
     * Words iPXE treats as plain text inside a word, quotes, backslashes, a lone '$', braces, a double
     * space, and iPXE settings in the forms a profile may use (typed).
     */
    private static final String HOSTILE_ARGS = "a;b x&&y p||q h#x \"dq  x\" 'sq' back\\slash d=$HOME br={ } pct=%41"
            + " BOOTIF=01-${mac:hexhyp} m=${net0/mac} sn=${serial:hex} u={uuid} mac={mac}";
    /** What the kernel must get for those words: iPXE joins the words with one space and expands the typed settings. */
    private static final String EXPECTED_ARGS = "a;b x&&y p||q h#x \"dq x\" 'sq' back\\slash d=$HOME br={ } pct=%41"
            + " BOOTIF=01-" + MAC.replace(':', '-') + " m=" + MAC + " sn=" + hex(SELF_NAMING_SERIAL) + " u=" + UUID + " mac=" + MAC;
    private static final List<String> NOT_RESCUE = List.of("no decision from", "failed, booting the local disk", DISK_MARKER, "Kernel panic", "iPXE>");

    private static Path qemu;
    private static RescueImage image;

    @TempDir
    Path tmp;
    private TestServer server;
    private final List<QemuVm> vms = new ArrayList<>();

    @BeforeAll
    static void requirements() throws IOException {
        Optional<String> missing = RescueImage.missingRequirement();
        assumeTrue(missing.isEmpty(), () -> missing.orElseThrow());
        qemu = PxeLab.find("qemu-system-x86_64").orElseThrow();
        image = RescueImage.build();
    }

    @BeforeEach
    void start() throws IOException {
        server = TestServer.start(List.of("127.0.0.1/32"), "local", Clock.systemUTC());
        image.install(server.assets());
        Files.write(tmp.resolve("disk.img"), IpxeQemuTest.diskImage());
        assertEquals(201, server.api("POST", "hosts", """
                {"name":"vm1","macs":["%s"],"uuid":"%s"}""".formatted(MAC, UUID)).status());
    }

    @AfterEach
    void stop() {
        for (QemuVm vm : vms) vm.close();
        if (server != null) server.close();
    }

    @Test
    void hostileWordsAndTypedSettingsReachTheKernelAsWritten() throws Exception {
        profile("hostile", "vmlinuz", RescueImage.CMDLINE + " " + HOSTILE_ARGS);
        rescue("hostile");
        QemuVm vm = boot("hostile", bootstrap());
        QemuVm.Outcome o = vm.await(RescueImage.MARKER + " host=vm1 ", NOT_RESCUE, BOOT_TIMEOUT);
        assertTrue(o.found(), () -> o.why() + "\n" + vm.tail(40));
        String line = vm.serialText().lines().filter(l -> l.contains(RescueImage.MARKER)).findFirst().orElseThrow();
        System.out.println("[IpxeHostileValuesQemuTest] " + line);
        assertThat(line).as("the kernel's /proc/cmdline").endsWith(RescueImage.CMDLINE.replace("{host}", "vm1") + " " + EXPECTED_ARGS);
    }

    /** The same words after a kernel that cannot be fetched: the line's {@code || goto failed} still runs. */
    @Test
    void aFailingKernelLineWithHostileWordsStillFallsBackToTheDisk() throws Exception {
        profile("broken", "no/such/vmlinuz", RescueImage.CMDLINE + " " + HOSTILE_ARGS);
        rescue("broken");
        QemuVm vm = boot("broken", bootstrap());
        QemuVm.Outcome o = vm.await(DISK_MARKER, List.of(RescueImage.MARKER, "no decision from", "iPXE>"), BOOT_TIMEOUT);
        assertTrue(o.found(), () -> o.why() + "\n" + vm.tail(40));
        assertThat(vm.serialText()).as(vm.tail(40)).contains("netrescue: vm1 boots profile broken")
                .contains("netrescue: booting profile broken failed, booting the local disk");
    }

    /** A setting iPXE would expand again cannot be saved; the machine whose serial names itself therefore never meets it. */
    @Test
    void aProfileNamingAStringSettingIsRefused() {
        TestServer.Reply r = server.api("POST", "profiles", json(Map.of("name", "serial", "kernel", "vmlinuz", "cmdline", "console=ttyS0 sn=${serial}")));
        assertThat(r.status()).as(r.body()).isEqualTo(400);
        assertThat(r.body()).contains("${serial}").contains("${serial:hex}");
    }

    /**
     * Request fields as a hostile requester sends them: the machine's boot file is a script of ours in
     * the assets that chains to /boot.ipxe with them in the query (percent-encoded, so this iPXE sends
     * them as they are). A UUID that does not parse is echoed in the refusal; arch and platform are
     * free text. Neither echo nor decision gives them a command.
     */
    @Test
    void hostileRequestFieldsAreInertInTheScript() throws Exception {
        String evil = "${net0/mac} ; shell || echo INJECTED && chain http://10.0.2.2/x #c 'q\" \\b";
        QemuVm refused = boot("refused", requester("refused", "&uuid=" + enc(evil) + "&arch=" + enc(evil) + "&platform=" + enc(evil)));
        QemuVm.Outcome o = refused.await(DISK_MARKER, List.of(RescueImage.MARKER, "iPXE>"), BOOT_TIMEOUT);
        assertTrue(o.found(), () -> o.why() + "\n" + refused.tail(40));
        String serial = refused.serialText();
        String who = "netrescue: " + MAC + " boots its local disk: bad request";
        assertThat(serial).as(refused.tail(40)).contains(who);
        // the console wraps at 80 columns: the echo runs until SeaBIOS goes on to the disk
        int from = serial.indexOf(who) + who.length();
        String echo = serial.substring(from, serial.indexOf("Booting from Hard Disk", from)).replaceAll("[\r\n]", "");
        System.out.println("[IpxeHostileValuesQemuTest] echoed: " + who + echo);
        assertThat(echo).as("the echoed UUID: no expansion, no separator").contains("shell").doesNotContain(MAC).doesNotContain(";")
                .doesNotContain("$").doesNotContain("&&").doesNotContain("||").doesNotContain("#");
        assertThat(serial.lines()).as("nothing after the echo ran").noneMatch(l -> l.strip().equals("INJECTED"));
        refused.close();

        profile("plain", "vmlinuz", RescueImage.CMDLINE);
        rescue("plain");
        QemuVm booted = boot("fields", requester("fields", "&uuid=" + UUID + "&arch=" + enc(evil) + "&platform=" + enc("efi ; shell")));
        QemuVm.Outcome b = booted.await(RescueImage.MARKER + " host=vm1 ", NOT_RESCUE, BOOT_TIMEOUT);
        assertTrue(b.found(), () -> b.why() + "\n" + booted.tail(40));
        assertThat(booted.serialText().lines().filter(l -> l.contains(RescueImage.MARKER)).findFirst().orElseThrow())
                .as("a platform that is not exactly efi gets the BIOS script").doesNotContain("initrd=");
    }

    // ---- helpers ----

    private void profile(String name, String kernel, String cmdline) {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("name", name);
        p.put("kernel", kernel);
        p.put("initrds", List.of("initrd.gz"));
        p.put("cmdline", cmdline);
        TestServer.Reply r = server.api("POST", "profiles", json(p));
        assertEquals(201, r.status(), r.body());
    }

    private void rescue(String profile) {
        TestServer.Reply r = server.api("PUT", "hosts/vm1/boot", json(Map.of("mode", "rescue", "profile", profile)));
        assertEquals(200, r.status(), r.body());
    }

    /** A script in the assets that asks for this machine's decision with {@code query} after its MAC; its URL. */
    private String requester(String name, String query) throws IOException {
        String url = "http://10.0.2.2:" + server.port();
        Files.writeString(server.assets().resolve(name + ".ipxe"), "#!ipxe\nchain " + url + "/boot.ipxe?mac=" + MAC.replace(':', '-') + query + "\n");
        return url + "/assets/" + name + ".ipxe";
    }

    private String bootstrap() {
        return "http://10.0.2.2:" + server.port() + "/ipxe";
    }

    /** A BIOS VM with QEMU's iPXE ROM whose DHCP names {@code bootFile}; its SMBIOS serial names itself. */
    private QemuVm boot(String label, String bootFile) throws IOException {
        List<String> cmd = List.of(qemu.toString(), "-accel", "tcg", "-m", "256", "-nographic", "-no-reboot", "-boot", "order=nc",
                "-uuid", UUID, "-smbios", "type=1,serial=" + SELF_NAMING_SERIAL,
                "-netdev", "user,id=n0,bootfile=" + bootFile.replace(",", ",,"),
                "-device", "virtio-net-pci,netdev=n0,mac=" + MAC,
                "-drive", "file=" + tmp.resolve("disk.img") + ",format=raw,if=ide");
        QemuVm vm = QemuVm.start(label, cmd, tmp.resolve(label + ".serial"));
        vms.add(vm);
        return vm;
    }

    private static String json(Map<String, ?> m) {
        try {
            return Json.MAPPER.writeValueAsString(m);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static String hex(String s) {
        StringBuilder b = new StringBuilder();
        for (byte c : s.getBytes(StandardCharsets.US_ASCII)) b.append(b.isEmpty() ? "" : ":").append("%02x".formatted(c));
        return b.toString();
    }
}
