package io.netrescue.rescue.server;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * The build script as a process tree that cannot outlive this JVM. The command runs as
 * {@code setsid setpriv --pdeathsig KILL unshare --pid --mount-proc --fork --kill-child=KILL -- COMMAND}:
 * <ul>
 *   <li>its own session, so a terminal's Ctrl-C or hangup reaches only the CLI, which then stops the build;</li>
 *   <li>{@code unshare} gets SIGKILL when this JVM dies, even by SIGKILL ({@code PR_SET_PDEATHSIG});</li>
 *   <li>the command is PID 1 of a new PID namespace, which {@code unshare} kills when it dies: the kernel then
 *       kills every process in the namespace, mmdebstrap's, apt's and dpkg's children included, even those
 *       that left the process group or session;</li>
 *   <li>a new mount namespace: mmdebstrap's {@code proc}, {@code sys} and {@code dev} mounts exist only in
 *       it and vanish with it, so a killed build leaves no mounts behind.</li>
 * </ul>
 * PR_SET_PDEATHSIG follows the thread that forked the child, not the process: the child is started from a
 * platform thread of its own that waits for it, so the caller's thread may be anything.
 * Needs root (namespaces), as the build does.
 */
final class BuildProcess implements AutoCloseable {
    static final List<String> WRAPPER = List.of("setsid", "setpriv", "--pdeathsig", "KILL",
            "unshare", "--pid", "--mount-proc", "--fork", "--kill-child=KILL", "--");

    private final Process process;
    private final Thread onShutdown;
    private volatile boolean stopped;

    private BuildProcess(Process process) {
        this.process = process;
        this.onShutdown = new Thread(this::kill, "rescue-build-stop");
        Runtime.getRuntime().addShutdownHook(onShutdown);
    }

    /** Starts {@code command} in the wrapper, stdin from /dev/null, stderr into stdout. */
    static BuildProcess start(List<String> command, Map<String, String> env) throws IOException {
        List<String> cmd = new ArrayList<>(WRAPPER);
        cmd.addAll(command);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        pb.environment().putAll(env);
        CompletableFuture<Process> started = new CompletableFuture<>();
        Thread.ofPlatform().daemon().name("rescue-build").start(() -> {
            Process p;
            try {
                p = pb.start();
            } catch (Throwable e) {
                started.completeExceptionally(e);
                return;
            }
            started.complete(p);
            // this thread is the child's parent for PR_SET_PDEATHSIG: it must live as long as the child
            while (true) {
                try {
                    p.waitFor();
                    return;
                } catch (InterruptedException e) {
                    // keep waiting
                }
            }
        });
        try {
            return new BuildProcess(started.get());
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IOException io) throw io;
            throw new IOException("cannot start the build: " + e.getCause(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            started.thenAccept(Process::destroyForcibly);
            throw new IOException("interrupted while starting the build");
        }
    }

    InputStream output() {
        return process.getInputStream();
    }

    long pid() {
        return process.pid();
    }

    /** Whether {@link #kill} stopped it (on close, or because this JVM is exiting: Ctrl-C, SIGTERM). */
    boolean stopped() {
        return stopped;
    }

    int waitFor() throws InterruptedException {
        return process.waitFor();
    }

    /**
     * Stops the whole tree: SIGKILL to {@code unshare} (it ignores SIGTERM and SIGINT while its child runs),
     * whose death kills the namespace; waits a few seconds for every process of the tree to be gone.
     */
    void kill() {
        stopped = true;
        List<ProcessHandle> tree = process.descendants().toList();
        process.destroyForcibly();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        try {
            process.waitFor(5, TimeUnit.SECONDS);
            for (ProcessHandle h : tree) {
                long left = deadline - System.nanoTime();
                if (left <= 0) break;
                try {
                    h.onExit().get(left, TimeUnit.NANOSECONDS);
                } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
                    // gone or stuck (uninterruptible I/O): the kernel finishes it
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Kills the tree if it still runs; the shutdown hook is no longer needed. */
    @Override
    public void close() {
        if (process.isAlive()) kill();
        try {
            Runtime.getRuntime().removeShutdownHook(onShutdown);
        } catch (IllegalStateException shuttingDown) {
            // the hook runs or ran
        }
    }
}
