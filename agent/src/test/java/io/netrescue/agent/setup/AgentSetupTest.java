package io.netrescue.agent.setup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code agent setup} on directory trees shaped like Debian, Arch and Fedora systems: golden files,
 * idempotence, byte-exact undo over files that were already there, refusals, and the generated units
 * checked by systemd's own {@code systemd-analyze verify}.
 */
class AgentSetupTest {
    @TempDir Path tmp;

    record Run(int exit, String out, String err) {}

    static Run setup(Path root, String... args) {
        ByteArrayOutputStream o = new ByteArrayOutputStream(), e = new ByteArrayOutputStream();
        List<String> a = new ArrayList<>(List.of("--root", root.toString()));
        a.addAll(List.of(args));
        int rc = AgentSetup.run(a, new PrintStream(o, true, StandardCharsets.UTF_8), new PrintStream(e, true, StandardCharsets.UTF_8));
        return new Run(rc, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
    }

    static Path debian(Path root) throws IOException {
        write(root, "etc/os-release", "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nID=debian\n", "rw-r--r--");
        write(root, "usr/bin/systemctl", "", "rwxr-xr-x");
        write(root, "usr/sbin/kexec", "", "rwxr-xr-x");
        write(root, "usr/sbin/iptables", "", "rwxr-xr-x");
        xtModule(root, "6.1.0-28-amd64", "3.27");
        write(root, "boot/vmlinuz-6.1.0-28-amd64", "kernel", "rw-r--r--");
        write(root, "boot/initrd.img-6.1.0-28-amd64", "initrd", "rw-r--r--");
        Files.createSymbolicLink(root.resolve("vmlinuz"), Path.of("boot/vmlinuz-6.1.0-28-amd64"));
        Files.createSymbolicLink(root.resolve("initrd.img"), Path.of("boot/initrd.img-6.1.0-28-amd64"));
        return root;
    }

    static Path arch(Path root) throws IOException {
        write(root, "etc/os-release", "NAME=\"Arch Linux\"\nPRETTY_NAME=\"Arch Linux\"\nID=arch\n", "rw-r--r--");
        write(root, "usr/bin/systemctl", "", "rwxr-xr-x");
        write(root, "usr/bin/kexec", "", "rwxr-xr-x");
        write(root, "usr/bin/iptables", "", "rwxr-xr-x");
        xtModule(root, "6.12.1-arch1-1", "3.27");
        write(root, "boot/vmlinuz-linux", "kernel", "rw-r--r--");
        write(root, "boot/initramfs-linux.img", "initrd", "rw-r--r--");
        return root;
    }

    static Path fedora(Path root) throws IOException {
        write(root, "etc/os-release", "NAME=\"Fedora Linux\"\nPRETTY_NAME=\"Fedora Linux 41\"\nID=fedora\n", "rw-r--r--");
        write(root, "usr/bin/systemctl", "", "rwxr-xr-x");
        write(root, "usr/sbin/kexec", "", "rwxr-xr-x");
        write(root, "usr/sbin/iptables", "", "rwxr-xr-x");
        xtModule(root, "6.11.4-301.fc41.x86_64", "3.27");
        write(root, "boot/loader/entries/0123-6.11.4-301.fc41.x86_64.conf",
                "title Fedora Linux\nversion 6.11.4-301.fc41.x86_64\nlinux /vmlinuz-6.11.4-301.fc41.x86_64\ninitrd /initramfs-6.11.4-301.fc41.x86_64.img\n", "rw-r--r--");
        return root;
    }

    /** An xt_SYSRQ module built by DKMS from xtables-addons {@code version}. */
    static void xtModule(Path root, String kernel, String version) throws IOException {
        write(root, "lib/modules/" + kernel + "/updates/dkms/xt_SYSRQ.ko.xz", "module", "rw-r--r--");
        Files.createDirectories(root.resolve("var/lib/dkms/xtables-addons/" + version + "/" + kernel));
    }

    static void write(Path root, String rel, String content, String perms) throws IOException {
        Path p = root.resolve(rel);
        Files.createDirectories(p.getParent());
        Files.writeString(p, content);
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(perms));
    }

    /** Every file and link under root with its content, mode and mtime (directories by name only: their mtimes change). */
    static String snapshot(Path root) throws IOException {
        TreeMap<String, String> m = new TreeMap<>();
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.toList()) {
                String rel = root.relativize(p).toString();
                if (Files.isSymbolicLink(p)) m.put(rel, "link " + Files.readSymbolicLink(p));
                else if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) m.put(rel, "dir");
                else m.put(rel, "file " + PosixFilePermissions.toString(Files.getPosixFilePermissions(p)) + " "
                            + Files.getLastModifiedTime(p).toMillis() + " " + Applier.sha256(Files.readAllBytes(p)));
            }
        }
        StringBuilder b = new StringBuilder();
        m.forEach((k, v) -> b.append(k).append(": ").append(v).append('\n'));
        return b.toString();
    }

    /** What setup generated, file by file, for golden comparison. */
    static String generated(Path root) throws IOException {
        StringBuilder b = new StringBuilder();
        for (String line : Files.readAllLines(root.resolve(SetupState.DIR).resolve("manifest"))) {
            if (!line.startsWith("entry\t")) continue;
            String path = line.split("\t")[1];
            Path p = root.resolve(path.substring(1));
            b.append("==> ").append(path);
            if (Files.isSymbolicLink(p)) {
                b.append(" -> ").append(Files.readSymbolicLink(p)).append('\n');
            } else {
                b.append(" (").append(PosixFilePermissions.toString(Files.getPosixFilePermissions(p))).append(")\n").append(Files.readString(p));
            }
        }
        return b.toString();
    }

    static int waitFor(Process p) {
        try {
            return p.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    static void assertGolden(String name, String actual) throws IOException {
        Path golden = Path.of("src/test/resources/io/netrescue/agent/setup/" + name);
        Path out = Path.of("target/golden-actual/" + name);
        Files.createDirectories(out.getParent());
        Files.writeString(out, actual);
        assertThat(golden).as("golden file (the actual output is in " + out.toAbsolutePath() + ")").exists();
        assertThat(actual).as("differs from " + golden + "; actual in " + out.toAbsolutePath()).isEqualTo(Files.readString(golden));
    }

    Path xtPassword() throws IOException {
        Path f = tmp.resolve("xt-password");
        if (!Files.exists(f)) {
            Files.writeString(f, "test-only-Secret42\n");
            Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-------"));
        }
        return f;
    }

    @Test
    void xtSysrqNeedsAPrivatePasswordFileAndTheServer() throws IOException {
        Path root = debian(Files.createDirectory(tmp.resolve("r")));
        Path open = tmp.resolve("open-password");
        Files.writeString(open, "test-only-Secret42");
        Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rw-r--r--"));
        assertThat(setup(root, "--xt-sysrq", "10.0.0.1", "--xt-sysrq-password-file", open.toString()).err()).contains("is readable by others: chmod 600");
        assertThat(setup(root, "--xt-sysrq", "10.0.0.1").err()).contains("go together");
        assertThat(setup(root, "--xt-sysrq", "server.example", "--xt-sysrq-password-file", xtPassword().toString()).err()).contains("IP address");
        Run ok = setup(root, "--xt-sysrq", "10.0.0.1", "--xt-sysrq-password-file", xtPassword().toString());
        assertThat(ok.exit()).as(ok.err()).isZero();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(root.resolve("etc/modprobe.d/netrescue-xt_sysrq.conf")))).isEqualTo("rw-------");
        assertThat(Files.readString(root.resolve("etc/systemd/system/netrescue-xt-sysrq.service")))
                .contains("ExecStart=/usr/sbin/iptables -I INPUT -p udp -s 10.0.0.1 --dport 9 -j SYSRQ");
    }

    /**
     * Issue 15, item 2: Debian 12's xtables-addons 3.23 crashes the kernel on the first hashed xt_SYSRQ
     * request. Setup reads which xtables-addons built the module and refuses before 3.26 (and when it cannot
     * tell, or there is no module), unless told to arm it anyway; the check shows in a dry run.
     */
    @Test
    void xtSysrqIsRefusedWhereTheInstalledModuleCrashesTheKernel() throws IOException {
        String[] xt = {"--xt-sysrq", "10.0.0.1", "--xt-sysrq-password-file", xtPassword().toString()};
        Path bookworm = Files.createDirectory(tmp.resolve("bookworm"));
        write(bookworm, "etc/os-release", "ID=debian\n", "rw-r--r--");
        write(bookworm, "usr/bin/systemctl", "", "rwxr-xr-x");
        write(bookworm, "usr/sbin/iptables", "", "rwxr-xr-x");
        write(bookworm, "lib/modules/6.1.0-28-amd64/updates/dkms/xt_SYSRQ.ko", "module", "rw-r--r--");
        write(bookworm, "var/lib/dpkg/status", "Package: iptables\nStatus: install ok installed\nVersion: 1.8.9-2\n\n"
                + "Package: xtables-addons-dkms\nStatus: install ok installed\nVersion: 3.23-1\n\n", "rw-r--r--");
        Run broken = setup(bookworm, xt);
        assertThat(broken.exit()).isEqualTo(1);
        assertThat(broken.err()).contains("xtables-addons 3.23-1 (package xtables-addons-dkms 3.23-1), which crashes the kernel",
                "fixed in 3.26", "--allow-broken-xt-sysrq");
        assertThat(bookworm.resolve("etc/modprobe.d/netrescue-xt_sysrq.conf")).doesNotExist();
        Run dry = setup(bookworm, concat(xt, "--dry-run"));
        assertThat(dry.exit()).as("the dry run shows the refusal").isEqualTo(1);
        assertThat(dry.err()).contains("crashes the kernel");
        Run anyway = setup(bookworm, concat(xt, "--allow-broken-xt-sysrq"));
        assertThat(anyway.exit()).as(anyway.err()).isZero();
        assertThat(anyway.err()).contains("WARNING: armed although xt_SYSRQ here is xtables-addons 3.23-1");

        Path trixie = Files.createDirectory(tmp.resolve("trixie"));
        write(trixie, "etc/os-release", "ID=debian\n", "rw-r--r--");
        write(trixie, "usr/bin/systemctl", "", "rwxr-xr-x");
        write(trixie, "usr/sbin/iptables", "", "rwxr-xr-x");
        write(trixie, "lib/modules/6.12.9-amd64/updates/dkms/xt_SYSRQ.ko.xz", "module", "rw-r--r--");
        write(trixie, "var/lib/dpkg/status", "Package: xtables-addons-dkms\nStatus: install ok installed\nVersion: 3.27-4\n\n", "rw-r--r--");
        Run good = setup(trixie, concat(xt, "--dry-run"));
        assertThat(good.exit()).as(good.err()).isZero();
        assertThat(good.err()).contains("xt_SYSRQ: xtables-addons 3.27-4 (package xtables-addons-dkms 3.27-4), lib/modules/6.12.9-amd64/updates/dkms/xt_SYSRQ.ko.xz");

        Path none = Files.createDirectory(tmp.resolve("none"));
        write(none, "etc/os-release", "ID=debian\n", "rw-r--r--");
        write(none, "usr/bin/systemctl", "", "rwxr-xr-x");
        write(none, "usr/sbin/iptables", "", "rwxr-xr-x");
        assertThat(setup(none, xt).err()).contains("no xt_SYSRQ kernel module on this host");
        write(none, "lib/modules/6.1.0-28-amd64/extra/xt_SYSRQ.ko", "module", "rw-r--r--");
        assertThat(setup(none, xt).err()).contains("which xtables-addons built it is unknown");
        assertThat(XtSysrqModule.compare("3.9", "3.26")).isNegative();
        assertThat(XtSysrqModule.compare("1:3.26-1", "3.26")).isZero();
    }

    static String[] concat(String[] a, String... b) {
        String[] r = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }

    @Test
    void goldenFilesPerDistribution() throws IOException {
        TreeMap<String, String> actual = new TreeMap<>();
        for (String d : List.of("debian", "arch", "fedora")) {
            Path root = Files.createDirectory(tmp.resolve(d));
            switch (d) {
                case "debian" -> debian(root);
                case "arch" -> arch(root);
                default -> fedora(root);
            }
            Run r = setup(root, "--kexec", "--watchdog", "30", "--ssh-early", "--panic", "15", "--netconsole", "10.0.0.1",
                    "--xt-sysrq", "10.0.0.1", "--xt-sysrq-password-file", xtPassword().toString(), "--xt-sysrq-hash", "sha256",
                    "--dead-man", "10m", "--dead-man-restart", "systemctl restart systemd-networkd");
            assertThat(r.exit()).as(r.err()).isZero();
            actual.put("golden-" + d + ".txt", generated(root));
            for (String script : List.of("usr/local/sbin/normal-reboot", "usr/local/libexec/netrescue-kexec-bls", "usr/local/libexec/netrescue-netconsole")) {
                if (!Files.exists(root.resolve(script))) continue;
                Process p = new ProcessBuilder("sh", "-n", root.resolve(script).toString()).redirectErrorStream(true).start();
                String o = new String(p.getInputStream().readAllBytes());
                assertThat(waitFor(p)).as(script + ": " + o).isZero(); // the shell parses it
            }
        }
        for (var e : actual.entrySet()) {
            Path out = Path.of("target/golden-actual/" + e.getKey());
            Files.createDirectories(out.getParent());
            Files.writeString(out, e.getValue());
        }
        for (var e : actual.entrySet()) assertGolden(e.getKey(), e.getValue());
    }

    @Test
    void deadManWritesAnAgentConfigDropInThatTheAgentReadsIdempotentlyAndUndoably() throws IOException {
        Path root = debian(Files.createDirectory(tmp.resolve("r")));
        write(root, "etc/netrescue/agent.conf", "host=web1\nkey=" + "ab".repeat(32) + "\nheartbeat-to=10.0.0.1:6100\n", "rw-------");
        String before = snapshot(root);
        // no --dead-man-restart and no network service enabled: refused, nothing written
        Run refused = setup(root, "--dead-man", "10m");
        assertThat(refused.exit()).isEqualTo(1);
        assertThat(refused.err()).contains("no enabled NetworkManager, systemd-networkd or networking service found", "--dead-man-restart CMD");
        assertThat(snapshot(root)).isEqualTo(before);
        assertThat(setup(root, "--dead-man-max-reboots", "2").err()).contains("--dead-man-* options need --dead-man PERIOD");
        assertThat(setup(root, "--dead-man", "5s").err()).contains("--dead-man needs a period of 10s-1d");
        // attack finding: a CR started a key of its own in the agent's config (dead-man-max-reboots = 999); backslashes, escapes
        for (String bad : new String[] {"true\rdead-man-max-reboots = 999", "true\u001b[2J", "a \\\nkey = x", "x\u0085y", "x\ty"}) {
            Run r = setup(root, "--dead-man", "10m", "--dead-man-restart", bad);
            assertThat(r.exit()).as(bad).isNotZero();
            assertThat(r.err()).as(bad).contains("without control characters or backslashes");
        }
        for (String bad : new String[] {"127.0.0.1", "0.0.0.0", "255.255.255.255", "224.0.0.1", "::1"}) {
            assertThat(setup(root, "--dead-man", "10m", "--dead-man-restart", "true", "--dead-man-target", bad).err()).as(bad)
                    .contains("another host's unicast address");
        }
        assertThat(snapshot(root)).isEqualTo(before);

        // systemd-networkd enabled: its restart is the default
        Files.createDirectories(root.resolve("etc/systemd/system/multi-user.target.wants"));
        Files.createSymbolicLink(root.resolve("etc/systemd/system/multi-user.target.wants/systemd-networkd.service"),
                Path.of("/usr/lib/systemd/system/systemd-networkd.service"));
        String withNetworkd = snapshot(root);
        Run first = setup(root, "--dead-man", "10m", "--dead-man-max-reboots", "2");
        assertThat(first.exit()).as(first.err()).isZero();
        assertThat(first.out()).contains("created /etc/netrescue/agent.conf.d/50-dead-man.conf");
        Path dropIn = root.resolve("etc/netrescue/agent.conf.d/50-dead-man.conf");
        assertThat(Files.readString(dropIn)).endsWith("""
                dead-man = 10m
                dead-man-target = gateway
                dead-man-restart = systemctl restart systemd-networkd
                dead-man-max-reboots = 2
                """);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dropIn))).isEqualTo("rw-------");
        assertThat(Files.readString(root.resolve("etc/netrescue/agent.conf"))).as("the server's file stays whole").doesNotContain("dead-man");

        // the agent reads it on top of agent.conf
        var c = io.netrescue.agent.AgentConfig.load(root.resolve("etc/netrescue/agent.conf"));
        assertThat(c.deadMan()).hasValueSatisfying(d -> {
            assertThat(d.period()).isEqualTo(java.time.Duration.ofMinutes(10));
            assertThat(d.restartCommand()).isEqualTo("systemctl restart systemd-networkd");
            assertThat(d.maxRebootsPerDay()).isEqualTo(2);
            assertThat(d.target()).isInstanceOf(io.netrescue.agent.deadman.DeadManSettings.Target.Gateway.class);
        });

        assertThat(setup(root, "--dead-man", "10m", "--dead-man-max-reboots", "2").out()).isEqualTo("nothing to do: the host is already as asked\n");
        Run other = setup(root, "--dead-man", "2h", "--dead-man-target", "10.0.0.254", "--dead-man-restart", "/usr/local/sbin/net-restart");
        assertThat(other.out()).contains("updated /etc/netrescue/agent.conf.d/50-dead-man.conf");
        assertThat(io.netrescue.agent.AgentConfig.load(root.resolve("etc/netrescue/agent.conf")).deadMan().orElseThrow().restartCommand())
                .isEqualTo("/usr/local/sbin/net-restart");
        Run dry = setup(root, "--dry-run", "--dead-man", "10m");
        assertThat(dry.out()).contains("-dead-man = 2h", "+dead-man = 10m", "would be updated /etc/netrescue/agent.conf.d/50-dead-man.conf");
        assertThat(setup(root, "--undo").exit()).isZero();
        assertThat(snapshot(root)).isEqualTo(withNetworkd);
        assertThat(io.netrescue.agent.AgentConfig.load(root.resolve("etc/netrescue/agent.conf")).deadMan()).isEmpty();
    }

    @Test
    void secondRunChangesNothingAndUndoRestoresEveryByte() throws IOException {
        Path root = debian(Files.createDirectory(tmp.resolve("r")));
        // files that were there before setup: a site's own normal-reboot script and an old agent config
        write(root, "usr/local/sbin/normal-reboot", "#!/bin/sh\n# the site's own\nreboot -f\n", "rwx------");
        write(root, "etc/netrescue/agent.conf", "host=old\n", "rw-------");
        Files.setLastModifiedTime(root.resolve("usr/local/sbin/normal-reboot"), FileTime.fromMillis(1_600_000_000_000L));
        Path newConfig = tmp.resolve("agent.conf");
        Files.writeString(newConfig, "host=web1\nkey=00\n");
        String before = snapshot(root);

        Run first = setup(root, "--kexec", "--watchdog", "30", "--ssh-early", "--agent-config", newConfig.toString());
        assertThat(first.exit()).as(first.err()).isZero();
        assertThat(first.out()).contains("replaced /usr/local/sbin/normal-reboot", "replaced /etc/netrescue/agent.conf", "created /etc/sysctl.d/90-netrescue.conf");
        assertThat(Files.readString(root.resolve("etc/netrescue/agent.conf"))).isEqualTo("host=web1\nkey=00\n");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(root.resolve("etc/netrescue/agent.conf")))).isEqualTo("rw-------");
        String afterFirst = snapshot(root);

        Run second = setup(root, "--kexec", "--watchdog", "30", "--ssh-early", "--agent-config", newConfig.toString());
        assertThat(second.exit()).isZero();
        assertThat(second.out()).isEqualTo("nothing to do: the host is already as asked\n");
        assertThat(snapshot(root)).isEqualTo(afterFirst);

        Run undo = setup(root, "--undo");
        assertThat(undo.exit()).as(undo.err()).isZero();
        assertThat(undo.out()).contains("restored /usr/local/sbin/normal-reboot", "removed /etc/sysctl.d/90-netrescue.conf");
        assertThat(snapshot(root)).isEqualTo(before);
        assertThat(setup(root, "--undo").err()).contains("nothing to undo");
    }

    @Test
    void droppingAnOptionTakesItsFilesBackOutAndUndoStillRestoresEverything() throws IOException {
        Path root = debian(Files.createDirectory(tmp.resolve("r")));
        write(root, "usr/local/sbin/normal-reboot", "mine\n", "rwxr-x---");
        String before = snapshot(root);
        assertThat(setup(root, "--kexec").exit()).isZero();
        Run without = setup(root);
        assertThat(without.out()).contains("removed /etc/systemd/system/netrescue-kexec-load.service", "restored /usr/local/sbin/normal-reboot");
        assertThat(Files.readString(root.resolve("usr/local/sbin/normal-reboot"))).isEqualTo("mine\n");
        assertThat(root.resolve("etc/sysctl.d/90-netrescue.conf")).exists();
        Run panic = setup(root, "--panic", "30");
        assertThat(panic.out()).contains("updated /etc/sysctl.d/90-netrescue.conf");
        assertThat(Files.readString(root.resolve("etc/sysctl.d/90-netrescue.conf"))).contains("kernel.panic = 30\n");
        assertThat(setup(root, "--undo").exit()).isZero();
        assertThat(snapshot(root)).isEqualTo(before);
    }

    @Test
    void undoRefusesToDiscardAnEditUnlessForced() throws IOException {
        Path root = debian(Files.createDirectory(tmp.resolve("r")));
        String before = snapshot(root);
        assertThat(setup(root).exit()).isZero();
        Files.writeString(root.resolve("etc/sysctl.d/90-netrescue.conf"), "kernel.panic = 99\n");
        Run refused = setup(root, "--undo");
        assertThat(refused.exit()).isEqualTo(1);
        assertThat(refused.err()).contains("changed by someone else since setup wrote them: /etc/sysctl.d/90-netrescue.conf", "--force");
        assertThat(root.resolve("etc/sysctl.d/90-netrescue.conf")).exists();
        assertThat(setup(root, "--undo", "--force").exit()).isZero();
        assertThat(snapshot(root)).isEqualTo(before);
    }

    @Test
    void dryRunPrintsTheDiffAndChangesNothing() throws IOException {
        Path root = debian(Files.createDirectory(tmp.resolve("r")));
        write(root, "usr/local/sbin/normal-reboot", "#!/bin/sh\nreboot\n", "rwxr-xr-x");
        String before = snapshot(root);
        Run r = setup(root, "--kexec", "--dry-run");
        assertThat(r.exit()).isZero();
        assertThat(r.out()).contains("--- /dev/null\n+++ /etc/sysctl.d/90-netrescue.conf\n@@ -0,0 +1,8 @@\n", "+kernel.panic = 10\n",
                "--- /usr/local/sbin/normal-reboot\n+++ /usr/local/sbin/normal-reboot\n", "-reboot\n",
                "link /etc/systemd/system/default.target.wants/netrescue-kexec-load.service -> /etc/systemd/system/netrescue-kexec-load.service",
                "would be replaced /usr/local/sbin/normal-reboot");
        assertThat(snapshot(root)).isEqualTo(before);
    }

    @Test
    void refusesWhereItCannotFindTheKernel() throws IOException {
        Path unknown = Files.createDirectory(tmp.resolve("u"));
        write(unknown, "etc/os-release", "PRETTY_NAME=\"Gentoo Linux\"\nID=gentoo\n", "rw-r--r--");
        write(unknown, "usr/bin/systemctl", "", "rwxr-xr-x");
        write(unknown, "usr/sbin/kexec", "", "rwxr-xr-x");
        Run r = setup(unknown, "--kexec");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).contains("--kexec refused: Gentoo Linux is not a distribution we know how to find kernels on");
        assertThat(unknown.resolve("etc/sysctl.d")).doesNotExist(); // nothing half-done

        Path noLinks = Files.createDirectory(tmp.resolve("d"));
        debian(noLinks);
        Files.delete(noLinks.resolve("vmlinuz"));
        assertThat(setup(noLinks, "--kexec").err()).contains("neither /vmlinuz + /initrd.img nor /boot/vmlinuz + /boot/initrd.img exist");

        Path noKexec = Files.createDirectory(tmp.resolve("k"));
        debian(noKexec);
        Files.delete(noKexec.resolve("usr/sbin/kexec"));
        assertThat(setup(noKexec, "--kexec").err()).contains("no kexec binary (install kexec-tools");

        assertThat(setup(noKexec, "--bogus").exit()).isEqualTo(2);
        assertThat(setup(noKexec, "--panic", "0").err()).contains("--panic must be 1..3600");
    }

    /** systemd's own checker on the generated units, with the host's systemd units in the root. */
    @Test
    void generatedUnitsPassSystemdAnalyzeVerify() throws Exception {
        Path analyze = Path.of("/usr/bin/systemd-analyze");
        Path units = Path.of("/usr/lib/systemd/system");
        assumeTrue(Files.isExecutable(analyze) && Files.isDirectory(units), "systemd-analyze (Debian systemd) is needed");
        Path root = debian(Files.createDirectory(tmp.resolve("r")));
        // the units ours depend on (sysinit.target, reboot.target, systemd-reboot.service), and an sshd unit as Debian ships it
        Files.createDirectories(root.resolve("usr/lib/systemd"));
        Process cp = new ProcessBuilder("cp", "-a", units.toString(), root.resolve("usr/lib/systemd/").toString()).inheritIO().start();
        assertThat(cp.waitFor()).isZero();
        write(root, "usr/lib/systemd/system/ssh.service", "[Unit]\nDescription=OpenBSD Secure Shell server\nAfter=network.target\n\n"
                + "[Service]\nExecStart=/usr/sbin/sshd -D\n\n[Install]\nWantedBy=multi-user.target\n", "rw-r--r--");
        write(root, "usr/sbin/sshd", "", "rwxr-xr-x");
        write(root, "opt/netrescue-agent/bin/netrescue-agent", "", "rwxr-xr-x");
        write(root, "usr/sbin/modprobe", "", "rwxr-xr-x");
        assertThat(setup(root, "--kexec", "--ssh-early", "--watchdog", "30", "--netconsole", "10.0.0.1:6666",
                "--xt-sysrq", "10.0.0.1", "--xt-sysrq-password-file", xtPassword().toString()).exit()).isZero();
        for (String unit : List.of("/etc/systemd/system/netrescue-agent.service", "/etc/systemd/system/netrescue-kexec-load.service",
                "/etc/systemd/system/netrescue-netconsole.service", "/etc/systemd/system/netrescue-xt-sysrq.service",
                "/usr/lib/systemd/system/systemd-reboot.service", "/usr/lib/systemd/system/ssh.service")) {
            Process p = new ProcessBuilder(analyze.toString(), "verify", "--man=no", "--root=" + root, unit).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            assertThat(p.waitFor()).as(unit + ": " + out).isZero();
            assertThat(out).as(unit).doesNotContain("netrescue");
        }
    }
}
