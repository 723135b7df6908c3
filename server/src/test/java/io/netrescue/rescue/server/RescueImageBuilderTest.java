package io.netrescue.rescue.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The build's hygiene, with scripts standing in for build.sh (no mmdebstrap): one build per directory at a
 * time, no process of a build outlives its CLI (even SIGKILLed), nothing left mounted is ever deleted through,
 * one-line failures.
 */
class RescueImageBuilderTest {
    @TempDir Path dir;

    private static final RescueImageBuilder.Settings SETTINGS = new RescueImageBuilder.Settings("bookworm",
            RescueImageBuilder.Settings.MIRROR_DEFAULT, RescueImageBuilder.Settings.SECURITY_DEFAULT, List.of(), Optional.empty(), false);

    static boolean isRoot() {
        try {
            return Integer.valueOf(0).equals(Files.getAttribute(Path.of("/proc/self"), "unix:uid"));
        } catch (IOException e) {
            return false;
        }
    }

    private RescueImageBuilder builder(Path work, String script) throws IOException {
        Path f = dir.resolve("script-" + System.nanoTime() + ".sh");
        Files.writeString(f, script);
        return new RescueImageBuilder(new RescueImages(dir.resolve("assets")), work, work.resolve("debs"), Optional.of(f));
    }

    @Test
    void oneLockPerDirectoryNamingItsHolder() throws Exception {
        Path work = dir.resolve("rescue-build"), otherCache = dir.resolve("debs");
        long me = ProcessHandle.current().pid();
        try (BuildLock first = BuildLock.acquire(List.of(work, otherCache))) {
            assertThat(Files.readString(work.resolve(BuildLock.FILE))).isEqualTo(me + "\n");
            assertThatThrownBy(() -> BuildLock.acquire(List.of(work, dir.resolve("elsewhere"))))
                    .isInstanceOf(RescueImageBuilder.BuildFailed.class)
                    .hasMessage("another rescue image build (pid " + me + ") is using " + work + ": wait for it to finish");
            // the same cache under another work directory is the same conflict; the work lock taken first is given back
            assertThatThrownBy(() -> BuildLock.acquire(List.of(dir.resolve("w2"), otherCache))).hasMessageContaining("is using " + otherCache);
            try (BuildLock w2 = BuildLock.acquire(List.of(dir.resolve("w2")))) {
                assertThat(w2).isNotNull();
            }
            // the refused attempts did not release the holder's OS lock
            assertThatThrownBy(() -> BuildLock.acquire(List.of(work))).hasMessageContaining("pid " + me);
        }
        try (BuildLock again = BuildLock.acquire(List.of(work, otherCache))) {
            assertThat(again).isNotNull();
        }
    }

    @Test
    void aSigkilledBuildLeavesNoProcessAndNoLock() throws Exception {
        assumeTrue(isRoot(), "needs root: the build runs in PID and mount namespaces of its own (unshare)");
        String marker = "nrtest-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
        Path work = dir.resolve("rescue-build");
        Path script = dir.resolve("long.sh");
        // a build-like tree: a grandchild that ignores the polite signals, one that left for a session of its own
        Files.writeString(script, """
                ( trap '' TERM INT HUP; exec -a %1$s-stubborn sleep 300 ) &
                setsid bash -c 'exec -a %1$s-setsid sleep 300' &
                echo "ready: pid $$ in its namespace"
                wait
                """.formatted(marker));
        Path log = dir.resolve("child.log");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process child = new ProcessBuilder(java, "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
                BuildChild.class.getName(), work.toString(), work.resolve("debs").toString(), script.toString())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            for (int i = 0; i < 300 && (markers(marker).size() < 2 || !Files.readString(log).contains("ready")); i++) {
                assertThat(child.isAlive()).as("the child build exited early: %s", Files.readString(log)).isTrue();
                Thread.sleep(50);
            }
            assertThat(Files.readString(log)).contains("ready: pid ");
            assertThat(markers(marker)).hasSize(2);

            // a second build on the same directory fails at once and names the holder
            var second = builder(work, "echo fake build failed; exit 7\n");
            assertThatThrownBy(() -> second.build(SETTINGS, l -> {})).isInstanceOf(RescueImageBuilder.BuildFailed.class)
                    .hasMessage("another rescue image build (pid " + child.pid() + ") is using " + work + ": wait for it to finish");

            child.destroyForcibly();
            assertThat(child.waitFor()).as("SIGKILL").isEqualTo(137);
            for (int i = 0; i < 100 && !markers(marker).isEmpty(); i++) Thread.sleep(50);
            assertThat(markers(marker)).as("the build's grandchildren die with the SIGKILLed CLI").isEmpty();
            assertThat(Files.readString(log)).as("the script was PID 1 of a namespace of its own").contains("ready: pid 1 in its namespace");

            // the dead build's lock blocks nothing: the next build runs (and fails as its script says, in one line)
            List<String> lines = new ArrayList<>();
            assertThatThrownBy(() -> second.build(SETTINGS, lines::add)).isInstanceOf(RescueImageBuilder.BuildFailed.class)
                    .hasMessage("the rescue image build failed (exit 7): fake build failed");
            assertThat(lines).containsExactly("fake build failed");
        } finally {
            child.destroyForcibly();
            for (long pid : markers(marker)) ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        }
    }

    @Test
    void whatIsLeftMountedIsUnmountedNotDeleted() throws Exception {
        assumeTrue(isRoot(), "needs root: mounts tmpfs and bind mounts");
        Path work = dir.resolve("rescue-build");
        Path w = Files.createDirectories(work.resolve("work"));
        Path rootfs = w.resolve("rootfs");
        Path source = Files.createDirectories(dir.resolve("source"));
        Files.writeString(source.resolve("keep.txt"), "precious");
        List<Path> points = List.of(rootfs.resolve("run"), rootfs.resolve("run/inner"), rootfs.resolve("dev"), rootfs.resolve("with space"));
        try {
            mount(w, "-t", "tmpfs", "nrtest-work", w.toString()); // the work directory itself may be a mount: it stays
            Files.createDirectories(rootfs.resolve("run"));
            mount(w, "-t", "tmpfs", "nrtest", points.get(0).toString());
            Files.createDirectories(points.get(1));
            mount(w, "-t", "tmpfs", "nrtest", points.get(1).toString());
            Files.createDirectories(points.get(2));
            mount(w, "--bind", source.toString(), points.get(2).toString());
            Files.createDirectories(points.get(3));
            mount(w, "--bind", source.toString(), points.get(3).toString());
            assertThat(Files.readString(rootfs.resolve("dev/keep.txt"))).isEqualTo("precious");

            assertThat(RescueImageBuilder.unmountUnder(w)).as("deepest first, then the later first")
                    .containsExactly(points.get(1).toString(), points.get(3).toString(), points.get(2).toString(), points.get(0).toString());
            assertThat(under(w)).isEmpty();
            assertThat(RescueImageBuilder.mountPoints()).contains(w.toString());
            assertThat(Files.readString(source.resolve("keep.txt"))).isEqualTo("precious");

            // the same through a build: a leftover bind mount in the root file system is gone before the script
            // deletes it (the script's rm is the real build.sh's: --one-file-system)
            Files.createDirectories(points.get(2));
            mount(w, "--bind", source.toString(), points.get(2).toString());
            var b = builder(work, "rm -rf --one-file-system \"$WORK/rootfs\" && echo removed; exit 7\n");
            List<String> lines = new ArrayList<>();
            assertThatThrownBy(() -> b.build(SETTINGS, lines::add)).hasMessage("the rescue image build failed (exit 7): removed");
            assertThat(under(w)).isEmpty();
            assertThat(rootfs).doesNotExist();
            assertThat(Files.readString(source.resolve("keep.txt"))).isEqualTo("precious");
        } finally {
            for (String m : under(dir).reversed()) new ProcessBuilder("umount", "--lazy", m).start().waitFor();
        }
    }

    private static void mount(Path w, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("mount"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor()).as("%s: %s", cmd, out).isZero();
    }

    private static List<String> under(Path d) throws IOException {
        String prefix = d.toRealPath() + "/";
        return RescueImageBuilder.mountPoints().stream().filter(m -> m.startsWith(prefix)).toList();
    }

    /** Processes whose command line carries {@code marker}. */
    private static List<Long> markers(String marker) {
        List<Long> found = new ArrayList<>();
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            for (Path p : procs.filter(p -> p.getFileName().toString().matches("[0-9]+")).toList()) {
                try {
                    if (new String(Files.readAllBytes(p.resolve("cmdline"))).contains(marker)) found.add(Long.parseLong(p.getFileName().toString()));
                } catch (IOException gone) {
                    // exited meanwhile
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return found;
    }
}
