package io.netrescue.job.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The built-in jobs' scripts for real: tools/test-builtin-jobs.sh runs each one as the agent runs it
 * ({@code env -i setsid /bin/sh}) on loop devices in a private mount namespace: disks' JSON, fsck that
 * finds a corruption without writing, mount-root finding and mounting an installed system by its fstab,
 * reinstall streaming raw/gz/xz/zst images and refusing mounted disks and hostile values. Needs root.
 */
class BuiltinJobsTest {
    @Test
    void theBuiltinScriptsDoWhatTheySayOnRealBlockDevices() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "needs root (loop devices, mount namespaces)");
        assumeTrue(Files.exists(Path.of("/dev/loop-control")), "no loop devices here (/dev/loop-control)");
        Path script = Path.of(System.getProperty("user.dir")).getParent().resolve("tools/test-builtin-jobs.sh");
        Process p = new ProcessBuilder("bash", script.toString()).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        assertThat(p.waitFor(300, TimeUnit.SECONDS)).isTrue();
        String text = new String(out, StandardCharsets.UTF_8);
        System.out.println(text.lines().filter(l -> l.startsWith("FAIL") || l.contains("passed")).reduce("", (a, b) -> a + b + "\n"));
        assertThat(p.exitValue()).as(text).isZero();
        assertThat(text).doesNotContain("\nFAIL ").contains("PASS ");
    }
}
