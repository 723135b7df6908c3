package io.netrescue.rescue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.netrescue.inventory.InvalidInputException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Keys made by OpenSSH's ssh-keygen (a peer no one here wrote): parsed, fingerprinted and vouched for as OpenSSH does. */
class SshPublicKeyTest {
    private static final Path KEYGEN = Path.of("/usr/bin/ssh-keygen");
    @TempDir Path dir;

    private static String run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        return out;
    }

    private Path keygen(String name, String... typeArgs) throws Exception {
        assumeTrue(Files.isExecutable(KEYGEN), "needs OpenSSH's ssh-keygen (Debian package openssh-client)");
        Path k = dir.resolve(name);
        var cmd = new java.util.ArrayList<>(List.of(KEYGEN.toString(), "-q", "-N", "", "-C", "op@desk " + name, "-f", k.toString()));
        cmd.addAll(List.of(typeArgs));
        run(cmd.toArray(String[]::new));
        return Path.of(k + ".pub");
    }

    @ParameterizedTest
    @ValueSource(strings = {"ed25519", "ecdsa-256", "ecdsa-384", "ecdsa-521", "rsa-3072"})
    void keysFromSshKeygenParseAndFingerprintAsOpenSshDoes(String kind) throws Exception {
        String[] t = kind.split("-");
        Path pub = t.length == 1 ? keygen(kind, "-t", t[0]) : keygen(kind, "-t", t[0], "-b", t[1]);
        String text = Files.readString(pub);
        SshPublicKey k = SshPublicKey.parse(text);
        assertThat(k.line()).isEqualTo(text.strip());
        assertThat(k.comment()).isEqualTo("op@desk " + kind);
        String keygenSays = run(KEYGEN.toString(), "-l", "-E", "sha256", "-f", pub.toString());
        assertThat(keygenSays).contains(" " + k.fingerprint() + " ");
    }

    @Test
    void knownHostsLinesAreWhatSshKeygenFinds() throws Exception {
        SshPublicKey k = SshPublicKey.parse(Files.readString(keygen("host", "-t", "ed25519")));
        Path kh = dir.resolve("known_hosts");
        Files.writeString(kh, KnownHosts.lines(List.of("web1", "web1.example.net", "10.0.0.5"), List.of(k)));
        for (String name : List.of("web1", "10.0.0.5")) {
            String found = run(KEYGEN.toString(), "-F", name, "-f", kh.toString());
            assertThat(found).contains(k.keyText());
        }
        assertThatThrownBy(() -> KnownHosts.lines(List.of("*"), List.of(k))).isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> KnownHosts.lines(List.of("web1,evil"), List.of(k))).isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> KnownHosts.lines(List.of("@revoked"), List.of(k))).isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> KnownHosts.lines(List.of("web1 ssh-ed25519"), List.of(k))).isInstanceOf(InvalidInputException.class);
    }

    @Test
    void weakOrHostileKeysAreRefusedWithAReason() throws Exception {
        String ed = Files.readString(keygen("ok", "-t", "ed25519")).strip();
        String b64 = ed.split(" ")[1];
        assertThatThrownBy(() -> SshPublicKey.parse("command=\"/bin/sh\" " + ed)).hasMessageContaining("options");
        assertThatThrownBy(() -> SshPublicKey.parse("no-pty,from=\"*\" " + ed)).hasMessageContaining("options");
        assertThatThrownBy(() -> SshPublicKey.parse(ed + "\nssh-ed25519 " + b64)).hasMessageContaining("one line");
        assertThatThrownBy(() -> SshPublicKey.parse("ssh-rsa " + b64)).hasMessageContaining("another key type");
        assertThatThrownBy(() -> SshPublicKey.parse("ssh-ed25519 " + b64.substring(0, 40))).isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> SshPublicKey.parse("ssh-dss AAAA")).hasMessageContaining("unsupported");
        assertThatThrownBy(() -> SshPublicKey.parse("ssh-ed25519")).hasMessageContaining("no key data");
        assertThatThrownBy(() -> SshPublicKey.parse("ssh-ed25519 " + b64 + " caf\u00e9")).hasMessageContaining("printable");
        byte[] blob = Base64.getDecoder().decode(b64);
        byte[] longer = java.util.Arrays.copyOf(blob, blob.length + 1);
        assertThatThrownBy(() -> SshPublicKey.parse("ssh-ed25519 " + Base64.getEncoder().encodeToString(longer))).hasMessageContaining("after the key");
        String rsa1024 = Files.readString(keygen("weak", "-t", "rsa", "-b", "1024"));
        assertThatThrownBy(() -> SshPublicKey.parse(rsa1024)).hasMessageContaining("at least 2048 bits");
        assertThatThrownBy(() -> SshPublicKey.parse("")).hasMessageContaining("empty");
        assertThatThrownBy(() -> SshPublicKey.parse("x".repeat(SshPublicKey.MAX_LINE + 1))).hasMessageContaining("longer");
    }

    /** "Printable ASCII" means it: a TAB or a control character anywhere is refused, and the message says what and where. */
    @Test
    void tabsAndControlCharactersAreRefusedSayingWhereAndWhichLine() {
        String key = RescueKeysTest.key(1, "op@desk");
        String[] f = key.split(" ");
        assertThat(SshPublicKey.parse(key).comment()).isEqualTo("op@desk");
        assertThat(SshPublicKey.parse(key + "\r").comment()).as("a CRLF line's CR is trailing whitespace").isEqualTo("op@desk");
        assertThatThrownBy(() -> SshPublicKey.parse(f[0] + " " + f[1] + " op\tdesk"))
                .hasMessage("an SSH public key is one line of printable ASCII, separated by spaces: this one has a TAB at character " + (f[0].length() + f[1].length() + 5));
        assertThatThrownBy(() -> SshPublicKey.parse(f[0] + "\t" + f[1])).hasMessageContaining("a TAB at character 12");
        assertThatThrownBy(() -> SshPublicKey.parse(f[0] + " " + f[1] + " op\rdesk")).hasMessageContaining("a carriage return (CR) at character");
        assertThatThrownBy(() -> SshPublicKey.parse(f[0] + " " + f[1] + " op\u0007")).hasMessageContaining("control character 0x07");
        assertThatThrownBy(() -> new SshPublicKey(f[0], f[1], "op\tdesk")).hasMessageContaining("no TAB or control characters");
        // several keys at once: the refusal names the one at fault
        assertThatThrownBy(() -> SshPublicKey.parseAll(List.of(key, f[0] + " " + f[1] + " a\rb"), i -> "sshKeys[" + i + "]"))
                .hasMessageStartingWith("sshKeys[1]: an SSH public key is one line of printable ASCII");
        assertThat(SshPublicKey.parseAll(List.of(key, RescueKeysTest.key(2, "b")), i -> "line " + i)).hasSize(2);
    }

    @Test
    void aHostKeyReportHoldsEachTypeOnce() throws Exception {
        String ed = Files.readString(keygen("h1", "-t", "ed25519"));
        String ec = Files.readString(keygen("h2", "-t", "ecdsa"));
        HostKeyReport r = HostKeyReport.parse(ed + "\n" + ec + "\n");
        assertThat(r.keys()).extracting(SshPublicKey::type).containsExactly("ssh-ed25519", "ecdsa-sha2-nistp256");
        String ed2 = Files.readString(keygen("h3", "-t", "ed25519"));
        assertThatThrownBy(() -> HostKeyReport.parse(ed + ed2)).hasMessageContaining("line 2: a second ssh-ed25519");
        assertThatThrownBy(() -> HostKeyReport.parse("\n \n")).hasMessageContaining("no host key");
        assertThatThrownBy(() -> HostKeyReport.parse(ed + "garbage\n")).hasMessageContaining("line 2:");
        assertThatThrownBy(() -> HostKeyReport.parse(ed + "x".repeat(HostKeyReport.MAX_BYTES))).hasMessageContaining("longer");
    }
}
