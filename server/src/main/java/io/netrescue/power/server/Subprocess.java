package io.netrescue.power.server;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Runs one external program for a power driver: a fixed environment (nothing inherited but PATH, so a
 * secret goes only where the driver puts it), stdin from /dev/null (ipmitool would otherwise prompt for
 * a password), stdout and stderr into private temporary files rather than pipes (a background child
 * that keeps them open cannot hold the call up), and on timeout the whole process tree is killed.
 */
final class Subprocess {
    /** How much of each output stream is read back; the rest is ignored. */
    static final int MAX_OUTPUT = 64 * 1024;
    private static final String DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    record Result(int exit, String stdout, String stderr, Duration elapsed) {}

    /** The program did not finish within the timeout; it and its descendants have been killed. */
    static final class TimedOut extends Exception {
        TimedOut() {
            super(null, null, false, false);
        }
    }

    private Subprocess() {}

    static Result run(List<String> argv, Map<String, String> env, Duration timeout) throws IOException, TimedOut, InterruptedException {
        Path out = Files.createTempFile("netrescue-power-", ".out"); // 0600 on POSIX
        Path err = Files.createTempFile("netrescue-power-", ".err");
        long start = System.nanoTime();
        try {
            ProcessBuilder pb = new ProcessBuilder(argv)
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .redirectOutput(out.toFile())
                    .redirectError(err.toFile());
            Map<String, String> e = pb.environment();
            String path = e.getOrDefault("PATH", DEFAULT_PATH);
            e.clear();
            e.put("PATH", path);
            e.put("LC_ALL", "C"); // messages in English: the drivers parse them
            e.putAll(env);
            Process p = pb.start();
            Set<ProcessHandle> seen = new LinkedHashSet<>();
            long deadline = start + timeout.toNanos();
            try {
                // Poll instead of one waitFor so the tree is known while the parent still holds it together:
                // once the parent dies its children are re-parented and no longer its descendants.
                while (!p.waitFor(Math.min(50, Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()))), TimeUnit.MILLISECONDS)) {
                    p.descendants().forEach(seen::add);
                    if (System.nanoTime() - deadline >= 0) {
                        killTree(p, seen);
                        throw new TimedOut();
                    }
                }
            } catch (InterruptedException ie) {
                killTree(p, seen);
                throw ie;
            }
            return new Result(p.exitValue(), head(out), head(err), Duration.ofNanos(System.nanoTime() - start));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    /** Kills the children first (deepest last seen first) so none is left re-parented to init. */
    private static void killTree(Process p, Set<ProcessHandle> seen) {
        p.descendants().forEach(seen::add);
        List<ProcessHandle> all = new ArrayList<>(seen);
        for (int i = all.size() - 1; i >= 0; i--) all.get(i).destroyForcibly();
        p.destroyForcibly();
        try {
            p.waitFor(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static String head(Path f) throws IOException {
        try (InputStream in = Files.newInputStream(f)) {
            return new String(in.readNBytes(MAX_OUTPUT), StandardCharsets.UTF_8);
        }
    }
}
