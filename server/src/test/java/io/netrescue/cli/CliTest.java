package io.netrescue.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.netrescue.testing.TestServer;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The CLI against a real server: tables for people, JSON for scripts, one-line errors with exit 1. */
class CliTest {
    static TestServer s;

    record Run(int code, String out, String err) {}

    @BeforeAll
    static void start() {
        s = TestServer.start();
    }

    @AfterAll
    static void stop() {
        s.close();
    }

    static Run run(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        List<String> a = new ArrayList<>(List.of(args));
        // global client options go after the subcommand path; put them at the end
        a.addAll(List.of("--server", s.url().toString(), "--data", s.dataDir().toString()));
        int code = Main.run(a.toArray(String[]::new), new PrintWriter(out), new PrintWriter(err));
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void rescueImageBuildRefusesABadMirrorInOneLine(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        int code = Main.run(new String[] {"rescue", "image", "build", "--data", dir.toString(), "--no-agent",
                "--mirror", "http://user:secret@mirror.example/debian"}, new PrintWriter(out), new PrintWriter(err));
        assertThat(code).isEqualTo(1);
        assertThat(err.toString()).isEqualTo("netrescue: mirror must not carry a user name or password (they would show in the build's logs and "
                + "process listings): use a mirror without a login, or a local proxy: http://***@mirror.example/debian\n");
    }

    @Test
    void rescueActivationPrintsThePasswordOnceAndKnownHostsNeedReadiness(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        assertThat(run("host", "add", "db9", "--mac", "52:54:00:00:10:99").code()).isZero();
        java.nio.file.Path key = java.nio.file.Files.writeString(dir.resolve("id.pub"),
                "# my key\nssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKJorwhW84BJK7gwpeH38Gs16ZH8IhlXNLmCBmD0j3dL op@desk\n");
        Run a = run("rescue", "activate", "db9", "--ssh-key", key.toString(), "--password", "--for", "1h");
        assertThat(a.code()).as(a.err()).isZero();
        String pw = a.out().replaceFirst("(?s).*root password \\(shown once, never again\\): (\\S+).*", "$1");
        assertThat(pw).matches("([a-zA-Z2-9]{4}-){4}[a-zA-Z2-9]{4}");
        assertThat(a.out()).contains("ssh key ssh-ed25519 SHA256:");
        Run st = run("rescue", "status", "db9");
        assertThat(st.out()).contains("activation ", ": activated", "root password: issued").doesNotContain(pw);
        Run kh = run("rescue", "known-hosts", "db9");
        assertThat(kh.code()).isEqualTo(1);
        assertThat(kh.err()).contains("not reported ready");
        assertThat(run("rescue", "end", "db9").out()).contains("ended; the previous boot mode is back");
        assertThat(run("rescue", "activate", "db9").err()).contains("SSH key or a password");
        assertThat(run("host", "rm", "db9").code()).isZero();
    }

    /** Key files are read with a limit, and what is wrong with one is said plainly, before anything is sent. */
    @Test
    void keyFilesAreReadWithALimitAndTheirProblemsNamed(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        assertThat(run("host", "add", "db7", "--mac", "52:54:00:00:10:97").code()).isZero();
        for (List<String> cmd : List.of(List.of("host", "ssh-key", "add", "db7"), List.of("rescue", "activate", "db7", "--ssh-key"))) {
            java.util.function.Function<String, Run> with = f -> {
                List<String> a = new ArrayList<>(cmd);
                a.add(f);
                return run(a.toArray(String[]::new));
            };
            Run zero = with.apply("/dev/zero");
            assertThat(zero.code()).as(zero.err()).isEqualTo(1);
            assertThat(zero.err()).isEqualTo("netrescue: /dev/zero is larger than 256 KiB: not an OpenSSH public key file\n");
            assertThat(with.apply("/nonexistent").err()).isEqualTo("netrescue: no such file: /nonexistent\n");
            java.nio.file.Path priv = java.nio.file.Files.writeString(dir.resolve("id_ed25519"),
                    "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n-----END OPENSSH PRIVATE KEY-----\n");
            assertThat(with.apply(priv.toString()).err()).startsWith("netrescue: " + priv + " looks like a private key: give the public key");
            java.nio.file.Files.writeString(dir.resolve("id_ed25519.pub"), "x");
            assertThat(with.apply(priv.toString()).err()).contains("give the public key (" + priv + ".pub)");
            java.nio.file.Path cr = java.nio.file.Files.writeString(dir.resolve("cr.pub"),
                    "# ours\r\nssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKJorwhW84BJK7gwpeH38Gs16ZH8IhlXNLmCBmD0j3dL op\rdesk\r\n");
            assertThat(with.apply(cr.toString()).err()).isEqualTo("netrescue: line 2 of " + cr
                    + ": an SSH public key is one line of printable ASCII, separated by spaces: this one has a carriage return (CR) at character 84\n");
            java.nio.file.Path tab = java.nio.file.Files.writeString(dir.resolve("tab.pub"),
                    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKJorwhW84BJK7gwpeH38Gs16ZH8IhlXNLmCBmD0j3dL op\tdesk\n");
            assertThat(with.apply(tab.toString()).err()).startsWith("netrescue: line 1 of " + tab + ": ").contains("a TAB at character 84");
        }
        assertThat(run("host", "ssh-key", "list", "db7").out()).doesNotContain("ssh-ed25519"); // nothing was sent
        assertThat(run("rescue", "status", "db7").code()).isEqualTo(1);
        // a CRLF file is fine: its CRs end lines
        java.nio.file.Path crlf = java.nio.file.Files.writeString(dir.resolve("crlf.pub"),
                "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKJorwhW84BJK7gwpeH38Gs16ZH8IhlXNLmCBmD0j3dL op@desk\r\n");
        Run add = run("host", "ssh-key", "add", "db7", crlf.toString());
        assertThat(add.code()).as(add.err()).isZero();
        assertThat(run("host", "rm", "db7").code()).isZero();
    }

    @Test
    void activateHelpSaysTheCoresLimits() {
        Run h = run("rescue", "activate", "--help");
        assertThat(h.out().replaceAll("\\s+", " ")).contains("(" + io.netrescue.rescue.RescueActivation.MIN_TEXT + " to "
                + io.netrescue.rescue.RescueActivation.MAX_TEXT + "; the server's default is " + io.netrescue.rescue.RescueActivation.DEFAULT_TEXT + ")")
                .contains("(1m to 7d;");
    }

    @Test
    void registeredSshKeysAndRescueReboots(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        assertThat(run("host", "add", "db8", "--mac", "52:54:00:00:10:98").code()).isZero();
        assertThat(run("rescue", "activate", "db8").err()).contains("SSH key or a password", "netrescue host ssh-key add db8 FILE");
        java.nio.file.Path keys = java.nio.file.Files.writeString(dir.resolve("keys.pub"), """
                # the team
                ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKJorwhW84BJK7gwpeH38Gs16ZH8IhlXNLmCBmD0j3dL op@desk

                ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDXabiQrh40dzw8EXvsTpls0PJj3uEBJI5y+PAJRJzoQ team@ops
                """);
        Run add = run("host", "ssh-key", "add", "db8", keys.toString());
        assertThat(add.code()).as(add.err()).isZero();
        assertThat(add.out()).isEqualTo("""
                db8: registered ssh-ed25519 SHA256:mD3LyF++aQih8yJFVUuAT/3CR8RQtlXYQNJxDzdk7B4 op@desk
                db8: registered ssh-ed25519 SHA256:EAVeFCKAQ/eVgJqEdhv5MNwiZBWmLlPVfDzQ0a4nc0A team@ops
                """);
        assertThat(run("host", "ssh-key", "add", "db8", keys.toString()).out()).contains("db8: already registered ssh-ed25519 SHA256:mD3LyF");
        java.nio.file.Path bad = java.nio.file.Files.writeString(dir.resolve("bad.pub"), "command=\"sh\" ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKJorwhW84BJK7gwpeH38Gs16ZH8IhlXNLmCBmD0j3dL\n");
        assertThat(run("host", "ssh-key", "add", "db8", bad.toString()).err()).contains("authorized_keys options");
        Run list = run("host", "ssh-key", "list", "db8");
        assertThat(list.out().lines().toList().getFirst()).startsWith("FINGERPRINT").contains("TYPE", "COMMENT", "ADDED", "BY");
        assertThat(list.out()).contains("SHA256:EAVeFCKAQ/eVgJqEdhv5MNwiZBWmLlPVfDzQ0a4nc0A", "team@ops", "api:127.0.0.1");
        assertThat(run("host", "ssh-key", "remove", "db8", "SHA256:EAVeFCKAQ/eVgJqEdhv5MNwiZBWmLlPVfDzQ0a4nc0A").out())
                .isEqualTo("db8: removed SSH key SHA256:EAVeFCKAQ/eVgJqEdhv5MNwiZBWmLlPVfDzQ0a4nc0A\n");
        assertThat(run("host", "ssh-key", "remove", "db8", "SHA256:EAVeFCKAQ/eVgJqEdhv5MNwiZBWmLlPVfDzQ0a4nc0A").err()).contains("db8 has no registered SSH key");
        assertThat(run("host", "ssh-key", "remove", "db8", "nonsense").err()).contains("malformed SSH key fingerprint");

        // the registered key alone is enough now
        Run a = run("rescue", "activate", "db8");
        assertThat(a.code()).as(a.err()).isZero();
        assertThat(a.out()).contains("ssh key ssh-ed25519 SHA256:mD3LyF++aQih8yJFVUuAT/3CR8RQtlXYQNJxDzdk7B4 op@desk").doesNotContain("reboot");
        assertThat(run("rescue", "activate", "db8", "--reboot", "bogus").err()).isEqualTo("netrescue: unknown reboot 'bogus': use power, sysrq or none\n");
        assertThat(run("rescue", "activate", "db8", "--reboot", "power").err()).contains("no power driver of db8 can cycle it");
        java.nio.file.Path bmc = java.nio.file.Files.writeString(dir.resolve("bmc.sh"), "#!/bin/sh\necho 'BMC unreachable' >&2\nexit 1\n");
        java.nio.file.Files.setPosixFilePermissions(bmc, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        assertThat(run("host", "power", "db8", "--set", "exec", "command=" + bmc).code()).isZero();
        Run failed = run("rescue", "activate", "db8", "--reboot", "power");
        assertThat(failed.code()).isEqualTo(1); // the host was not rebooted: scripts see it
        assertThat(failed.out()).contains("rescue activation ", "reboot by power: failed (", "BMC unreachable",
                "the activation stands: power cycle db8 by hand (or netrescue power db8 cycle)");
        assertThat(run("rescue", "status", "db8").out()).contains(": activated");
        assertThat(run("host", "rm", "db8").code()).isZero();
    }

    @Test
    void hostsProfilesBootAndEvents() {
        assertThat(run("host", "add", "web1", "--mac", "52:54:00:00:10:01", "--mac", "52:54:00:00:10:02", "--ip", "10.0.0.5",
                "--label", "rack=r1", "--uuid", "8c5b0b4e-2f6a-4d1e-9a61-0123456789ab").out()).contains("added host web1");
        Run list = run("host", "list");
        assertThat(list.code()).isZero();
        assertThat(list.out().lines().toList().getFirst()).startsWith("NAME").contains("MACS", "BOOT");
        assertThat(list.out()).contains("web1", "52:54:00:00:10:01,52:54:00:00:10:02", "10.0.0.5", "rack=r1", "local");
        assertThat(run("host", "list", "--json").out()).contains("\"name\" : \"web1\"");
        assertThat(run("host", "list", "--label", "rack=r2").out()).doesNotContain("web1");
        assertThat(run("host", "show", "web1").out()).contains("uuid:    8c5b0b4e-2f6a-4d1e-9a61-0123456789ab");
        assertThat(run("profile", "add", "rescue", "--kernel", "vmlinuz", "--initrd", "initrd.gz", "--cmdline", "console=ttyS0 host={host}").code()).isZero();
        assertThat(run("profile", "list").out()).contains("rescue", "vmlinuz", "initrd.gz", "console=ttyS0 host={host}");
        assertThat(run("boot", "web1", "once", "rescue", "--for", "2h").out()).startsWith("web1: once rescue until ").contains(", then local");
        assertThat(run("boot", "web1").out()).startsWith("web1: once rescue");
        assertThat(run("boot", "web1", "local").out()).isEqualTo("web1: local\n");
        Run ev = run("events", "web1");
        assertThat(ev.out()).contains("host.added", "boot.mode", "by api:127.0.0.1");
        assertThat(run("events", "web1", "--json").out()).startsWith("[");
        assertThat(run("host", "rm", "web1").out()).contains("removed host web1");
    }

    @Test
    void showListAndRemoveSayTheSameForHostsAndProfiles() {
        assertThat(run("host", "add", "web2", "--mac", "52:54:00:00:20:01").out()).isEqualTo("added host web2 (52:54:00:00:20:01)\n");
        assertThat(run("host", "show", "web2").out()).isEqualTo("""
                name:    web2
                macs:    52:54:00:00:20:01
                uuid:    -
                ips:     - (any)
                labels:  -
                boot:    local
                disks:   - (job run web2 --builtin disks)
                """);
        assertThat(run("host", "list", "--label", "rack").err()).contains("malformed label");
        assertThat(run("host", "discovered").out().lines().toList().getFirst())
                .isEqualTo("MAC  UUID  LAST IP  ARCH  FIRST SEEN  LAST SEEN  REQUESTS");
        assertThat(run("profile", "add", "inst", "--kernel", "vmlinuz").out()).isEqualTo("added profile inst\n");
        assertThat(run("profile", "add", "inst", "--kernel", "vmlinuz2", "--replace").out()).isEqualTo("saved profile inst\n");
        assertThat(run("profile", "show", "inst").out()).isEqualTo("""
                name:     inst
                kernel:   vmlinuz2
                initrds:  -
                cmdline:\s\s
                """);
        assertThat(run("profile", "list").out().lines().toList()).first().asString().startsWith("NAME  ").contains("KERNEL", "INITRDS", "CMDLINE");
        assertThat(run("profile", "list").out().lines().toList()).anySatisfy(l -> assertThat(l).matches("inst +vmlinuz2 +- +-"));
        assertThat(run("profile", "show", "inst", "--json").out()).contains("\"kernel\" : \"vmlinuz2\"");
        assertThat(run("profile", "rm", "inst", "--json")).isEqualTo(new Run(0, "", ""));
        assertThat(run("profile", "show", "inst").err()).isEqualTo("netrescue: no profile named inst\n");
        assertThat(run("profile", "rm", "ghost").code()).isEqualTo(1);
        assertThat(run("host", "rm", "web2")).isEqualTo(new Run(0, "removed host web2\n", ""));
    }

    @Test
    void failuresAreOneLineWithExitOne() {
        Run r = run("host", "add", "bad", "--mac", "52:54:00:12:34");
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).isEqualTo("netrescue: malformed MAC address '52:54:00:12:34' (expected six hex pairs like 52:54:00:12:34:56)\n");
        assertThat(run("host", "show", "ghost").err()).isEqualTo("netrescue: no host named ghost\n");
        assertThat(run("boot", "ghost", "rescue").code()).isEqualTo(1);
        assertThat(run("host", "add", "x", "--mac", "02:00:00:00:00:01", "--label", "nokey").err()).contains("malformed label");
        StringWriter out = new StringWriter(), err = new StringWriter();
        int code = Main.run(new String[] {"host", "list", "--server", "http://127.0.0.1:1"}, new PrintWriter(out), new PrintWriter(err));
        assertThat(code).isEqualTo(1);
        assertThat(err.toString()).startsWith("netrescue: cannot reach the server at http://127.0.0.1:1");
        code = Main.run(new String[] {"host", "list", "--server", s.url().toString(), "--token", "nope"}, new PrintWriter(out), new PrintWriter(err = new StringWriter()));
        assertThat(code).isEqualTo(1);
        assertThat(err.toString()).contains("missing or wrong bearer token");
    }

    @Test
    void usageErrorsExitTwo() {
        StringWriter out = new StringWriter(), err = new StringWriter();
        assertThat(Main.run(new String[] {"host", "add", "x"}, new PrintWriter(out), new PrintWriter(err))).isEqualTo(2);
        assertThat(err.toString()).contains("Missing required option: '--mac=MAC'");
    }
}
