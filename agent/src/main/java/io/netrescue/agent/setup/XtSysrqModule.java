package io.netrescue.agent.setup;

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
record XtSysrqModule(List<Path> files, Optional<String> version, String from) {
    static final String FIXED = "3.26";

    static XtSysrqModule inspect(Path root) {
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

    /** Numeric, component by component ("3.9" < "3.26"); an upstream version with a Debian revision or epoch is compared on its upstream part. */
    static int compare(String a, String b) {
        String[] x = upstream(a).split("\\."), y = upstream(b).split("\\.");
        for (int i = 0; i < Math.max(x.length, y.length); i++) {
            int p = i < x.length ? number(x[i]) : 0, q = i < y.length ? number(y[i]) : 0;
            if (p != q) return Integer.compare(p, q);
        }
        return 0;
    }

    private static String upstream(String v) {
        String s = v.contains(":") ? v.substring(v.indexOf(':') + 1) : v;
        return s.contains("-") ? s.substring(0, s.indexOf('-')) : s;
    }

    private static int number(String s) {
        String d = s.replaceAll("[^0-9].*$", "");
        return d.isEmpty() ? 0 : Integer.parseInt(d.length() > 9 ? d.substring(0, 9) : d);
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
