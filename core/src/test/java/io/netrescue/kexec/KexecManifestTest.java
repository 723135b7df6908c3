package io.netrescue.kexec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class KexecManifestTest {
    static final String A = "a".repeat(64), B = "0123456789abcdef".repeat(4);
    static final KexecManifest M = new KexecManifest(new KexecManifest.Entry(7_340_032, A, "http://10.0.0.1:8080/assets/k612/vmlinuz"),
            List.of(new KexecManifest.Entry(0, B, "http://10.0.0.1:8080/assets/k612/initrd.img"),
                    new KexecManifest.Entry(12, A, "https://boot.example/extra.cpio")),
            "console=ttyS0 nr.token=abc nr.server=http://10.0.0.1:8080");

    static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    @Test
    void rendersOneLinePerFileAndParsesBack() throws Exception {
        assertThat(M.render()).isEqualTo("""
                netrescue-kexec-manifest 1
                kernel 7340032 %s http://10.0.0.1:8080/assets/k612/vmlinuz
                initrd 0 %s http://10.0.0.1:8080/assets/k612/initrd.img
                initrd 12 %s https://boot.example/extra.cpio
                cmdline console=ttyS0 nr.token=abc nr.server=http://10.0.0.1:8080
                """.formatted(A, B, A));
        assertThat(KexecManifest.parse(M.bytes())).isEqualTo(M);
        var bare = new KexecManifest(M.kernel(), List.of(), "");
        assertThat(KexecManifest.parse(bare.bytes())).isEqualTo(bare);
        assertThat(bare.render()).endsWith("\ncmdline \n");
    }

    @Test
    void onlyTheCanonicalFormIsAccepted() {
        String good = M.render();
        List<String> bad = List.of(
                "", good.strip(), good.replace("manifest 1", "manifest 2"), good + "kernel 1 " + A + " http://x/k\n",
                good.replace("kernel 7340032", "kernel 07340032"), good.replace("kernel 7340032", "kernel -1"),
                good.replace("kernel 7340032", "kernel  7340032"), good.replace(A + " http://10.0.0.1:8080/assets/k612/vmlinuz", A.toUpperCase() + " http://x/k"),
                good.replace("http://10.0.0.1:8080/assets/k612/vmlinuz", "file:///boot/vmlinuz"), good.replace("cmdline console", "cmdline\tconsole"),
                good.replace("\n", "\r\n"), good.replaceFirst("kernel .*\n", ""), good.replaceFirst("cmdline .*\n", ""),
                good.replaceFirst("(kernel .*\n)(initrd .*\n)", "$2$1"), good.replace("initrd 0", "initrd 99999999999999"),
                good.replace("cmdline ", "cmdline " + "x".repeat(2100)), "netrescue-kexec-manifest 1\nkernel 1 " + A + " http://x/k\n"
                        + ("initrd 1 " + A + " http://x/i\n").repeat(9) + "cmdline \n",
                "x".repeat(KexecManifest.MAX_BYTES + 1));
        for (String b : bad) {
            assertThatThrownBy(() -> KexecManifest.parse(ascii(b))).as(b).isInstanceOf(MalformedManifestException.class);
        }
        byte[] utf = M.render().replace("console", "consöle").getBytes(StandardCharsets.UTF_8);
        assertThatThrownBy(() -> KexecManifest.parse(utf)).hasMessageContaining("printable ASCII");
    }

    @Test
    void refusalsSayWhy() {
        assertThatThrownBy(() -> KexecManifest.parse(ascii(M.render().replace("kernel 7340032", "kernel 0x10"))))
                .hasMessageContaining("line 2: size '0x10' is not a canonical number");
        assertThatThrownBy(() -> KexecManifest.parse(ascii("netrescue-kexec-manifest 1\ncmdline x\n"))).hasMessageContaining("cmdline before kernel");
    }
}
