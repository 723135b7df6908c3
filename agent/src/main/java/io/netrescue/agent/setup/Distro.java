package io.netrescue.agent.setup;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/** Which family of distribution a root holds, from its {@code /etc/os-release} (ID, then ID_LIKE). */
record Distro(Family family, String id, String prettyName) {
    enum Family { DEBIAN, ARCH, FEDORA, UNKNOWN }

    static Distro detect(Path root) {
        Path f = root.resolve("etc/os-release");
        if (!Files.isRegularFile(f)) f = root.resolve("usr/lib/os-release");
        Map<String, String> v = new HashMap<>();
        try {
            for (String line : Files.readAllLines(f)) {
                int eq = line.indexOf('=');
                if (eq <= 0 || line.startsWith("#")) continue;
                String val = line.substring(eq + 1).strip();
                if (val.length() >= 2 && (val.startsWith("\"") || val.startsWith("'"))) val = val.substring(1, val.length() - 1);
                v.put(line.substring(0, eq).strip(), val);
            }
        } catch (IOException e) {
            return new Distro(Family.UNKNOWN, "unknown", "an unknown distribution (no readable os-release)");
        }
        String id = v.getOrDefault("ID", "linux").toLowerCase(Locale.ROOT);
        String like = v.getOrDefault("ID_LIKE", "").toLowerCase(Locale.ROOT);
        String pretty = v.getOrDefault("PRETTY_NAME", id);
        for (String candidate : (id + " " + like).split("\\s+")) {
            Family fam = switch (candidate) {
                case "debian", "ubuntu" -> Family.DEBIAN;
                case "arch" -> Family.ARCH;
                case "fedora", "rhel", "centos" -> Family.FEDORA;
                default -> null;
            };
            if (fam != null) return new Distro(fam, id, pretty);
        }
        return new Distro(Family.UNKNOWN, id, pretty);
    }

    /** The OpenSSH server's unit: Debian calls it ssh.service, everyone else sshd.service. */
    String sshUnit() {
        return family == Family.DEBIAN ? "ssh.service" : "sshd.service";
    }
}
