package io.netrescue.qemu;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * One QEMU process whose serial console (stdout, with {@code -nographic}) goes to a file. The test
 * polls that file for marker lines and kills the VM as soon as it has what it waited for.
 * {@link #close} always ends the process and its descendants; {@link #powerCut} ends it the way a
 * power cut ends a machine. Public for the tests outside this package that boot a guest
 * ({@code io.netrescue.store.PowerLossQemuTest}).
 */
public final class QemuVm implements AutoCloseable {
    /** CSI sequences (colours, cursor moves), two-byte charset selections and other lone escapes. */
    private static final Pattern ANSI = Pattern.compile("\u001B\\[[0-?]*[ -/]*[@-~]|\u001B[()][0-9A-Za-z]|\u001B[@-_c]");
    private static final long POLL_MILLIS = 100;

    private final String name;
    private final Process process;
    private final Path serial;
    private final long startNanos;

    private QemuVm(String name, Process process, Path serial, long startNanos) {
        this.name = name;
        this.process = process;
        this.serial = serial;
        this.startNanos = startNanos;
    }

    public static QemuVm start(String name, List<String> command, Path serial) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(command)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(serial.toFile())
                .redirectErrorStream(true);
        long t0 = System.nanoTime();
        return new QemuVm(name, pb.start(), serial, t0);
    }

    /** What {@link #await} saw: the marker (or a failure line, or nothing) and when. */
    public record Outcome(boolean found, String matched, Duration elapsed, String why) {}

    /**
     * Polls the serial log until {@code expected} appears (found), one of {@code failures} appears,
     * the process exits, or {@code timeout} passes (all three: not found).
     */
    public Outcome await(String expected, List<String> failures, Duration timeout) throws InterruptedException {
        return await(expected, failures, timeout, Optional::empty);
    }

    /** As above, and also gives up as soon as {@code abort} names a reason (e.g. the server the VM needs has died). */
    public Outcome await(String expected, List<String> failures, Duration timeout, Supplier<Optional<String>> abort) throws InterruptedException {
        long deadline = startNanos + timeout.toNanos();
        while (true) {
            boolean exited = !process.isAlive(); // read after checking, so output written before exit is seen
            String text = serialText();
            if (text.contains(expected)) return new Outcome(true, expected, elapsed(), "found");
            for (String f : failures) {
                if (text.contains(f)) return new Outcome(false, f, elapsed(), "failure line '" + f + "' appeared");
            }
            Optional<String> why = abort.get();
            if (why.isPresent()) return new Outcome(false, null, elapsed(), why.get());
            if (exited) return new Outcome(false, null, elapsed(), "QEMU exited with status " + process.exitValue());
            if (System.nanoTime() > deadline) return new Outcome(false, null, elapsed(), "timed out after " + timeout.toSeconds() + " s");
            Thread.sleep(POLL_MILLIS);
        }
    }

    public Duration elapsed() {
        return Duration.ofNanos(System.nanoTime() - startNanos);
    }

    /** The serial log so far, without ANSI escapes and carriage returns. */
    public String serialText() {
        try {
            if (!Files.exists(serial)) return "";
            return clean(new String(Files.readAllBytes(serial), StandardCharsets.ISO_8859_1));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String clean(String raw) {
        return ANSI.matcher(raw).replaceAll("").replace("\r", "").replace("\b \b", "").replace("\b", "");
    }

    /** The last {@code lines} non-blank lines of the serial log, for assertion messages. */
    public String tail(int lines) {
        List<String> nonBlank = new ArrayList<>();
        for (String l : serialText().split("\n")) {
            String s = l.strip();
            if (!s.isEmpty()) nonBlank.add(s.replaceAll(" {4,}", "   "));
        }
        List<String> t = nonBlank.subList(Math.max(0, nonBlank.size() - lines), nonBlank.size());
        return "---- serial log of " + name + " (last " + t.size() + " lines) ----\n" + String.join("\n", t) + "\n---- end ----";
    }

    /** Whether the QEMU process still runs. */
    public boolean isAlive() {
        return process.isAlive();
    }

    /**
     * SIGKILL to QEMU and nothing else first: the guest gets no chance to write back its page cache
     * or to flush, so what it had not sent to its disks is lost, as in a power cut. What it had
     * sent is in the disk image (the host's page cache or disk), as on a disk without a volatile
     * cache. Returns once the process is gone.
     */
    public void powerCut() throws InterruptedException {
        process.destroyForcibly();
        if (!process.waitFor(30, TimeUnit.SECONDS)) throw new IllegalStateException(this + " still runs 30 s after SIGKILL");
    }

    @Override
    public void close() {
        List<ProcessHandle> children = process.descendants().toList();
        process.destroy();
        children.forEach(ProcessHandle::destroy);
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        children.forEach(ProcessHandle::destroyForcibly);
    }

    @Override
    public String toString() {
        return name + " (pid " + process.pid() + ")";
    }
}
