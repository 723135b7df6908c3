package io.netrescue.qemu;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The rescue system the PXE tests boot: the host's newest Debian kernel and a busybox initrd built
 * at test time (as in {@link IpxeQemuTest}) whose /init prints {@link #MARKER} with the {@code host=}
 * argument of its command line, then powers off. Seeing {@code MARKER host=NAME} on the serial
 * console proves that kernel, that initrd and that machine's command line were all delivered.
 */
final class RescueImage {
    static final String MARKER = "NETRESCUE-RESCUE-MARKER";
    /** The profile's command line; {host} is filled in per machine by the server. */
    static final String CMDLINE = "console=ttyS0 rdinit=/init panic=-1 loglevel=4 host={host}";

    private static final String INIT = """
            #!/bin/busybox sh
            mount -t proc proc /proc
            h=
            for a in $(cat /proc/cmdline); do
                case "$a" in host=*) h="${a#host=}" ;; esac
            done
            echo "NETRESCUE-RESCUE-MARKER host=$h cmdline: $(cat /proc/cmdline)"
            poweroff -f
            """;

    private final Path kernel;
    private final byte[] initrd;

    private RescueImage(Path kernel, byte[] initrd) {
        this.kernel = kernel;
        this.initrd = initrd;
    }

    /** Why the image cannot be built here, if it cannot. */
    static Optional<String> missingRequirement() {
        try {
            return missing();
        } catch (IOException e) {
            return Optional.of("cannot check the rescue image's inputs: " + e);
        }
    }

    private static Optional<String> missing() throws IOException {
        if (PxeLab.find("qemu-system-x86_64").isEmpty()) return Optional.of("qemu-system-x86_64 not found (apt-get install qemu-system-x86)");
        if (!Files.isReadable(Path.of("/usr/lib/ipxe/qemu/pxe-virtio.rom")) && !Files.isReadable(Path.of("/usr/lib/ipxe/qemu/efi-virtio.rom"))) {
            return Optional.of("no iPXE ROM for virtio-net in /usr/lib/ipxe/qemu (apt-get install ipxe-qemu)");
        }
        Optional<Path> k = newestKernel();
        if (k.isEmpty()) return Optional.of("no /boot/vmlinuz-* (apt-get install linux-image-amd64)");
        if (!readable(k.get())) return Optional.of(k.get() + " is not readable by this user");
        Path busybox = Path.of("/bin/busybox");
        if (!Files.isReadable(busybox) || !IpxeQemuTest.isStaticX8664Elf(busybox)) {
            return Optional.of("/bin/busybox is missing or not a static x86-64 executable (apt-get install busybox-static)");
        }
        return Optional.empty();
    }

    static RescueImage build() throws IOException {
        Initramfs cpio = new Initramfs()
                .dir("bin", 0755).dir("proc", 0755).dir("sys", 0755).dir("dev", 0755)
                .file("bin/busybox", 0755, Files.readAllBytes(Path.of("/bin/busybox")));
        for (String applet : List.of("sh", "mount", "cat", "echo", "poweroff")) cpio.symlink("bin/" + applet, "busybox");
        cpio.file("init", 0755, INIT.getBytes(StandardCharsets.US_ASCII));
        return new RescueImage(newestKernel().orElseThrow(), cpio.gzipped());
    }

    /** Copies the kernel and initrd into {@code assets} as {@code vmlinuz} and {@code initrd.gz}. */
    void install(Path assets) throws IOException {
        Files.copy(kernel, assets.resolve("vmlinuz"));
        Files.write(assets.resolve("initrd.gz"), initrd);
    }

    /** The newest /boot/vmlinuz-* by version (6.1.0-56 after 6.1.0-9). */
    static Optional<Path> newestKernel() throws IOException {
        Path boot = Path.of("/boot");
        if (!Files.isDirectory(boot)) return Optional.empty();
        try (Stream<Path> s = Files.list(boot)) {
            return s.filter(p -> p.getFileName().toString().startsWith("vmlinuz-"))
                    .max(Comparator.comparing(p -> p.getFileName().toString(), IpxeQemuTest::compareVersions));
        }
    }

    private static boolean readable(Path p) {
        try (InputStream in = Files.newInputStream(p)) {
            return in.read() >= 0;
        } catch (IOException e) {
            return false;
        }
    }
}
