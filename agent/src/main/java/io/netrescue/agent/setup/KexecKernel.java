package io.netrescue.agent.setup;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * Where the kernel and initrd to kexec into are, per distribution. The load happens at shutdown, so
 * the paths must always name the newest installed kernel: Debian's {@code /vmlinuz} symlinks and
 * Arch's fixed names do; Fedora/RHEL's Boot Loader Specification entries are read at shutdown by a
 * helper. Anything else is refused, with what we looked for.
 */
sealed interface KexecKernel {
    /** Fixed paths (symlinks kept current by the distribution's kernel packages). */
    record Paths(String kernel, String initrd) implements KexecKernel {}

    /** BLS entries in /boot/loader/entries: resolved at shutdown by the generated helper. */
    record Bls() implements KexecKernel {}

    record Refused(String why) implements KexecKernel {}

    static KexecKernel find(Path root, Distro d) {
        return switch (d.family()) {
            case DEBIAN -> {
                if (present(root, "vmlinuz") && present(root, "initrd.img")) yield new Paths("/vmlinuz", "/initrd.img");
                if (present(root, "boot/vmlinuz") && present(root, "boot/initrd.img")) yield new Paths("/boot/vmlinuz", "/boot/initrd.img");
                yield new Refused(d.prettyName() + ": neither /vmlinuz + /initrd.img nor /boot/vmlinuz + /boot/initrd.img exist"
                        + " (the symlinks Debian's kernel packages keep on the newest kernel; set do_symlinks = yes in /etc/kernel-img.conf)");
            }
            case ARCH -> {
                if (present(root, "boot/vmlinuz-linux") && present(root, "boot/initramfs-linux.img")) {
                    yield new Paths("/boot/vmlinuz-linux", "/boot/initramfs-linux.img");
                }
                yield new Refused(d.prettyName() + ": /boot/vmlinuz-linux or /boot/initramfs-linux.img is missing (another kernel package? only 'linux' is supported)");
            }
            case FEDORA -> {
                Path entries = root.resolve("boot/loader/entries");
                boolean any;
                try (Stream<Path> s = Files.isDirectory(entries) ? Files.list(entries) : Stream.empty()) {
                    any = s.anyMatch(p -> p.getFileName().toString().endsWith(".conf"));
                } catch (IOException e) {
                    any = false;
                }
                yield any ? new Bls() : new Refused(d.prettyName() + ": no Boot Loader Specification entries in /boot/loader/entries");
            }
            case UNKNOWN -> new Refused(d.prettyName() + " is not a distribution we know how to find kernels on"
                    + " (supported: Debian/Ubuntu, Arch, Fedora/RHEL)");
        };
    }

    /** A file or a symlink (Debian's may point into /boot, which need not be mounted in a test root). */
    private static boolean present(Path root, String rel) {
        Path p = root.resolve(rel);
        return Files.exists(p, LinkOption.NOFOLLOW_LINKS);
    }
}
