package io.netrescue.qemu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.netrescue.api.Json;
import io.netrescue.testing.TestServer;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;

/**
 * Boots QEMU's real iPXE ROM (BIOS, virtio-net, user-mode networking) against a real server and
 * checks what the machine actually does: fall through to its local disk, boot a rescue kernel, or
 * boot the rescue kernel once and then its disk. TCG only, so each boot takes seconds.
 *
 * <p>QEMU user networking NATs the guest (10.0.2.15) to 127.0.0.1, so the server is told that
 * 127.0.0.1 is a NAT source; the guest reaches the host's 127.0.0.1 as 10.0.2.2.
 */
@Tag("qemu")
class IpxeQemuTest {
    private static final String MAC = "52:54:00:12:34:56";
    private static final Duration BOOT_TIMEOUT = Duration.ofSeconds(120);
    private static final String DISK_MARKER = "NETRESCUE-LOCAL-DISK-MARKER";
    private static final String RESCUE_MARKER = RescueImage.MARKER;
    private static final String LOCAL_ECHO = "boots its local disk";
    private static final String CMDLINE = RescueImage.CMDLINE;

    /** Printed by the bootstrap or the netboot script when iPXE could not do what it was told. */
    private static final List<String> IPXE_FAILURES = List.of("no decision from", "failed, booting the local disk");
    /** What must not appear while waiting for a local boot: the bootstrap must not mistake our exit for a failure. */
    private static final List<String> NOT_LOCAL = List.of(RESCUE_MARKER, "boots profile", "failed, booting the local disk", "no decision from");

    private static Path qemu;
    private static RescueImage image;
    private static final List<String> timings = new CopyOnWriteArrayList<>();

    @TempDir
    Path tmp;
    private TestServer server;
    private final List<QemuVm> vms = new ArrayList<>();
    private String testName;

    @BeforeAll
    static void requirements() throws IOException {
        // QEMU, its iPXE ROM, a kernel and busybox: the rescue image says which is missing
        Optional<String> missing = RescueImage.missingRequirement();
        assumeTrue(missing.isEmpty(), () -> missing.orElseThrow());
        qemu = onPath("qemu-system-x86_64").orElseThrow();
        image = RescueImage.build();
    }

    @BeforeEach
    void startServer(TestInfo info) throws IOException {
        testName = info.getTestMethod().map(m -> m.getName()).orElse("test");
        server = TestServer.start(List.of("127.0.0.1/32"), "local", Clock.systemUTC());
        image.install(server.assets());
        Files.write(tmp.resolve("disk.img"), diskImage());

        created(server.api("POST", "hosts", """
                {"name":"vm1","macs":["%s"]}""".formatted(MAC)), 201);
        created(server.api("POST", "profiles", """
                {"name":"rescue","kernel":"vmlinuz","initrds":["initrd.gz"],"cmdline":"%s"}""".formatted(CMDLINE)), 201);
    }

    @AfterEach
    void stop() {
        for (QemuVm vm : vms) vm.close();
        vms.clear();
        if (server != null) server.close();
    }

    @AfterAll
    static void printTimings() {
        if (!timings.isEmpty()) System.out.println("[IpxeQemuTest] boot timings (QEMU start -> marker):\n  " + String.join("\n  ", timings));
    }

    @Test
    void modeLocalFallsThroughToTheLocalDisk() throws Exception {
        setMode("""
                {"mode":"local"}""");
        QemuVm vm = boot("local");
        String serial = expect(vm, DISK_MARKER, NOT_LOCAL);
        assertTrue(serial.contains(LOCAL_ECHO), "iPXE did not echo our local-boot script\n" + vm.tail(40));
        assertThat(serial.indexOf(LOCAL_ECHO)).as("our echo comes before the disk's marker\n" + vm.tail(40))
                .isLessThan(serial.indexOf(DISK_MARKER));
        assertThat(serial).as(vm.tail(40)).contains("netrescue: vm1 boots its local disk: mode local");
    }

    @Test
    void modeRescueBootsTheRescueKernel() throws Exception {
        setMode("""
                {"mode":"rescue"}""");
        QemuVm vm = boot("rescue");
        String serial = expect(vm, RESCUE_MARKER + " host=vm1 ", concat(IPXE_FAILURES, DISK_MARKER, "Kernel panic"));
        assertThat(serial).as(vm.tail(40)).contains("netrescue: vm1 boots profile rescue");
        String line = serial.lines().filter(l -> l.contains(RESCUE_MARKER)).findFirst().orElseThrow();
        assertThat(line).as("the kernel got the profile's command line with {host} filled in")
                .contains("cmdline:").contains("console=ttyS0").contains("rdinit=/init").contains("host=vm1")
                .doesNotContain("{host}");
    }

    @Test
    void modeOnceBootsRescueOnceThenTheLocalDisk() throws Exception {
        setMode("""
                {"mode":"once","profile":"rescue"}""");

        QemuVm first = boot("once-1st");
        expect(first, RESCUE_MARKER + " host=vm1 ", concat(IPXE_FAILURES, DISK_MARKER, "Kernel panic"));
        first.close();

        QemuVm second = boot("once-2nd");
        String serial = expect(second, DISK_MARKER, NOT_LOCAL);
        assertFalse(serial.contains(RESCUE_MARKER), "second boot must not boot rescue again\n" + second.tail(40));
        assertFalse(serial.contains("boots profile"), "second boot must not get a netboot script\n" + second.tail(40));
        assertThat(serial).as(second.tail(40)).contains("netrescue: vm1 " + LOCAL_ECHO);

        TestServer.Reply boot = server.api("GET", "hosts/vm1/boot", null);
        assertEquals(200, boot.status(), boot.body());
        assertEquals("local", Json.MAPPER.readValue(boot.body(), Json.BootJson.class).mode(), boot.body());

        TestServer.Reply ev = server.api("GET", "events?host=vm1", null);
        assertEquals(200, ev.status(), ev.body());
        List<Json.EventJson> events = Arrays.asList(Json.MAPPER.readValue(ev.body(), Json.EventJson[].class));
        List<Json.EventJson> served = events.stream().filter(e -> "boot.served".equals(e.kind())).toList();
        assertThat(served).as("boot.served events: " + ev.body()).anyMatch(e -> "netboot rescue".equals(e.decision()));
        assertThat(served).as("boot.served events: " + ev.body()).anyMatch(e -> "local".equals(e.decision()));
        assertThat(served).as("one netboot, then local: " + ev.body())
                .filteredOn(e -> "netboot rescue".equals(e.decision())).hasSize(1);
    }

    // ---- helpers ----

    private QemuVm boot(String label) throws IOException {
        Path serial = tmp.resolve(label + ".serial");
        // No romfile= on the NIC: Debian's QEMU 7.2 loads efi-virtio.rom from /usr/lib/ipxe/qemu by
        // itself, while naming it (even as plain romfile=efi-virtio.rom) made SeaBIOS 1.16.2 skip the
        // NIC's ROM entirely and boot the disk straight away.
        List<String> cmd = List.of(qemu.toString(),
                "-accel", "tcg", "-m", "256", "-nographic", "-no-reboot", "-boot", "order=nc",
                "-netdev", "user,id=n0,bootfile=http://10.0.2.2:" + server.port() + "/ipxe",
                "-device", "virtio-net-pci,netdev=n0,mac=" + MAC,
                "-drive", "file=" + tmp.resolve("disk.img") + ",format=raw,if=ide");
        QemuVm vm = QemuVm.start(testName + "/" + label, cmd, serial);
        vms.add(vm);
        return vm;
    }

    /** Waits for the marker, kills the VM, records the time; fails with the serial tail otherwise. */
    private String expect(QemuVm vm, String marker, List<String> failures) throws InterruptedException {
        QemuVm.Outcome o = vm.await(marker, failures, BOOT_TIMEOUT);
        String serial = vm.serialText();
        String tail = vm.tail(40);
        vm.close();
        String t = "%s: %s after %.1f s".formatted(vm, o.found() ? "'" + marker.strip() + "'" : "FAILED (" + o.why() + ")",
                o.elapsed().toMillis() / 1000.0);
        timings.add(t);
        System.out.println("[IpxeQemuTest] " + t);
        assertTrue(o.found(), "waiting for '" + marker + "' on " + vm + ": " + o.why() + "\n" + tail);
        return serial;
    }

    private void setMode(String json) {
        TestServer.Reply r = server.api("PUT", "hosts/vm1/boot", json);
        assertEquals(200, r.status(), "PUT hosts/vm1/boot " + json + " -> " + r.body());
    }

    private static void created(TestServer.Reply r, int status) {
        assertEquals(status, r.status(), r.body());
    }

    private static List<String> concat(List<String> a, String... more) {
        List<String> l = new ArrayList<>(a);
        l.addAll(List.of(more));
        return l;
    }

    /**
     * A 1 MiB raw disk whose MBR prints the marker through BIOS int 0x10 teletype (SeaBIOS mirrors it
     * to the serial console with -nographic), then halts. Hand-assembled, org 0x7c00:
     * <pre>
     * 7c00 31 C0     xor ax,ax
     * 7c02 8E D8     mov ds,ax
     * 7c04 FC        cld
     * 7c05 BE 1A 7C  mov si,0x7c1a
     * 7c08 AC        lodsb
     * 7c09 08 C0     or al,al
     * 7c0b 74 09     jz 0x7c16
     * 7c0d B4 0E     mov ah,0x0e
     * 7c0f BB 07 00  mov bx,7
     * 7c12 CD 10     int 0x10
     * 7c14 EB F2     jmp 0x7c08
     * 7c16 FB        sti            (not cli: SeaBIOS's serial console flushes its last characters
     *                                lazily from the timer interrupt; with cli the final "R\r\n" of
     *                                the marker never reaches the serial port)
     * 7c17 F4        hlt
     * 7c18 EB FD     jmp 0x7c17
     * 7c1a           "\r\nNETRESCUE-LOCAL-DISK-MARKER\r\n\0"
     * 01fe 55 AA     boot signature
     * </pre>
     */
    static byte[] diskImage() {
        byte[] code = {
                0x31, (byte) 0xC0, (byte) 0x8E, (byte) 0xD8, (byte) 0xFC, (byte) 0xBE, 0x1A, 0x7C,
                (byte) 0xAC, 0x08, (byte) 0xC0, 0x74, 0x09, (byte) 0xB4, 0x0E, (byte) 0xBB, 0x07, 0x00,
                (byte) 0xCD, 0x10, (byte) 0xEB, (byte) 0xF2, (byte) 0xFB, (byte) 0xF4, (byte) 0xEB, (byte) 0xFD};
        if (code.length != 0x1a) throw new AssertionError("MBR code must end at 0x7c1a");
        byte[] msg = ("\r\n" + DISK_MARKER + "\r\n\0").getBytes(StandardCharsets.US_ASCII);
        byte[] img = new byte[1 << 20];
        System.arraycopy(code, 0, img, 0, code.length);
        System.arraycopy(msg, 0, img, 0x1a, msg.length);
        img[510] = 0x55;
        img[511] = (byte) 0xAA;
        return img;
    }

    static boolean onPathPublic(String exe) {
        return onPath(exe).isPresent();
    }

    private static Optional<Path> onPath(String exe) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            if (dir.isEmpty()) continue;
            Path p = Path.of(dir, exe);
            if (Files.isExecutable(p)) return Optional.of(p);
        }
        return Optional.empty();
    }

    static int compareVersions(String a, String b) {
        String[] x = a.split("(?<=\\d)(?=\\D)|(?<=\\D)(?=\\d)");
        String[] y = b.split("(?<=\\d)(?=\\D)|(?<=\\D)(?=\\d)");
        for (int i = 0; i < Math.min(x.length, y.length); i++) {
            boolean nx = Character.isDigit(x[i].charAt(0)), ny = Character.isDigit(y[i].charAt(0));
            int c = nx && ny ? new java.math.BigInteger(x[i]).compareTo(new java.math.BigInteger(y[i])) : x[i].compareTo(y[i]);
            if (c != 0) return c;
        }
        return Integer.compare(x.length, y.length);
    }

    private static boolean readable(Path p) {
        try (InputStream in = Files.newInputStream(p)) {
            return in.read() >= 0;
        } catch (IOException e) {
            return false;
        }
    }

    /** ELF64, little-endian, x86-64, and no PT_INTERP program header (so no dynamic loader needed). */
    static boolean isStaticX8664Elf(Path p) throws IOException {
        byte[] b = Files.readAllBytes(p);
        if (b.length < 64 || b[0] != 0x7f || b[1] != 'E' || b[2] != 'L' || b[3] != 'F' || b[4] != 2 || b[5] != 1) return false;
        ByteBuffer bb = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        if (bb.getShort(0x12) != 0x3E) return false;
        long phoff = bb.getLong(0x20);
        int phentsize = Short.toUnsignedInt(bb.getShort(0x36));
        int phnum = Short.toUnsignedInt(bb.getShort(0x38));
        if (phoff <= 0 || phentsize < 4 || phoff + (long) phentsize * phnum > b.length) return false;
        for (int i = 0; i < phnum; i++) {
            if (bb.getInt((int) phoff + i * phentsize) == 3 /* PT_INTERP */) return false;
        }
        return true;
    }
}
