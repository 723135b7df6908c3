package io.netrescue.tftp;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TftpPathTest {
    static String ok(String raw) {
        return ((TftpPath.Result.Accepted) TftpPath.normalize(raw)).path();
    }

    static String refused(String raw) {
        return ((TftpPath.Result.Refused) TftpPath.normalize(raw)).reason();
    }

    @Test
    void normalisesWhatRealClientsSend() {
        assertThat(ok("pxelinux.0")).isEqualTo("pxelinux.0");
        assertThat(ok("pxelinux.cfg/01-52-54-00-12-34-56")).isEqualTo("pxelinux.cfg/01-52-54-00-12-34-56");
        assertThat(ok("/boot/grub/grub.cfg")).isEqualTo("boot/grub/grub.cfg");
        assertThat(ok("\\boot\\wdsnbp.com")).isEqualTo("boot/wdsnbp.com");
        assertThat(ok("./a//b/./c/")).isEqualTo("a/b/c");
        assertThat(ok("..a/b..")).isEqualTo("..a/b..");
    }

    @Test
    void refusesTraversalControlsAndEmpty() {
        assertThat(refused("../etc/passwd")).isEqualTo("'..' in path");
        assertThat(refused("a/../b")).isEqualTo("'..' in path"); // even when it would stay inside
        assertThat(refused("a\\..\\..\\b")).isEqualTo("'..' in path");
        assertThat(refused("/")).isEqualTo("empty path");
        assertThat(refused("./.")).isEqualTo("empty path");
        assertThat(refused("a\nb")).isEqualTo("control character in path");
        assertThat(refused("x".repeat(TftpPath.MAX_LENGTH + 1))).startsWith("path longer");
    }
}
