package io.netrescue.agent.setup;

import io.netrescue.sysrq.XtSysrqVersion;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Which xt_SYSRQ a root has, before {@code --xt-sysrq} arms it: xtables-addons before 3.26 (Debian 12
 * ships 3.23) crashes the kernel on the first hashed request, password or not, so arming it there turns
 * a rescue tool into a remote kill switch. The module carries no version of its own; its version is
 * the xtables-addons that built it: a DKMS tree ({@code /var/lib/dkms/xtables-addons/VERSION}) or the
 * installed {@code xtables-addons-dkms} package.
 */
public record XtSysrqModule(List<Path> files, Optional<String> version, String from) {
    static final String FIXED = XtSysrqVersion.FIXED;

    public static XtSysrqModule inspect(Path root) {
        List<Path> files = new ArrayList<>();
        for (String dir : List.of("lib/modules", "usr/lib/modules")) {
            Path d = root.resolve(dir);
            if (!Files.isDirectory(d)) continue;
            try (Stream<Path> s = Files.walk(d)) {
                s.filter(p -> p.getFileName().toString().matches("xt_SYSRQ\\.ko(\\.(xz|zst|gz))?")).forEach(p -> files.add(root.relativize(p)));
            } catch (IOException | java.io.UncheckedIOException e) {
                // unreadable corners: what was found stands
            }
        }
        Optional<String> dkms = Optional.empty();
        Path trees = root.resolve("var/lib/dkms/xtables-addons");
        if (Files.isDirectory(trees)) {
            try (Stream<Path> s = Files.list(trees)) {
                dkms = s.map(p -> p.getFileName().toString()).filter(v -> v.matches("[0-9]+(\\.[0-9]+)+")).max(XtSysrqModule::compare);
            } catch (IOException e) {
                // none readable
            }
        }
        if (dkms.isPresent()) return new XtSysrqModule(files, dkms, "DKMS tree /var/lib/dkms/xtables-addons/" + dkms.get());
        Optional<String> pkg = dpkgVersion(root, "xtables-addons-dkms");
        return new XtSysrqModule(files, pkg, pkg.map(v -> "package xtables-addons-dkms " + v).orElse("no xtables-addons-dkms package or DKMS tree"));
    }

    /** What a heartbeat reports: the version, {@code unknown} for a module of unknown origin, nothing when there is no module. */
    public Optional<String> report() {
        if (version.isPresent()) {
            String v = version.get().replaceAll("[^\\x21-\\x7e]", "?");
            return Optional.of(v.length() <= XtSysrqVersion.MAX ? v : v.substring(0, XtSysrqVersion.MAX));
        }
        return files.isEmpty() ? Optional.empty() : Optional.of(XtSysrqVersion.UNKNOWN);
    }

    /** Why arming it would be unsafe, if it would be. */
    Optional<String> refusal() {
        if (files.isEmpty() && version.isEmpty()) {
            return Optional.of("no xt_SYSRQ kernel module on this host: install xtables-addons " + FIXED
                    + " or later first (Debian 13's xtables-addons-dkms, or a module built from its source)");
        }
        if (version.isEmpty()) {
            return Optional.of("xt_SYSRQ is installed (" + files.getFirst() + ") but which xtables-addons built it is unknown (" + from
                    + "); versions before " + FIXED + " crash the kernel on the first hashed request");
        }
        if (compare(version.get(), FIXED) < 0) {
            return Optional.of("xt_SYSRQ here is xtables-addons " + version.get() + " (" + from + "), which crashes the kernel on the first"
                    + " hashed request (fixed in " + FIXED + "): install Debian 13's xtables-addons-dkms, or build the module from "
                    + FIXED + " or later");
        }
        return Optional.empty();
    }

    String describe() {
        return "xt_SYSRQ: " + version.map(v -> "xtables-addons " + v).orElse("version unknown") + " (" + from + ")"
                + (files.isEmpty() ? ", no module file found" : ", " + files.getFirst());
    }

    static int compare(String a, String b) {
        return XtSysrqVersion.compare(a, b);
    }

    /** The installed version of {@code pkg} from dpkg's status file. */
    static Optional<String> dpkgVersion(Path root, String pkg) {
        Path status = root.resolve("var/lib/dpkg/status");
        if (!Files.isRegularFile(status)) return Optional.empty();
        try {
            for (String para : Files.readString(status).split("\n\n")) {
                if (!para.startsWith("Package: " + pkg + "\n") && !para.contains("\nPackage: " + pkg + "\n")) continue;
                if (!para.contains("Status: install ok installed")) continue;
                for (String line : para.split("\n")) if (line.startsWith("Version: ")) return Optional.of(line.substring(9).strip());
            }
        } catch (IOException e) {
            return Optional.empty();
        }
        return Optional.empty();
    }
}
