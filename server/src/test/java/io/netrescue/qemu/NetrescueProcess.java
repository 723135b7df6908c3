package io.netrescue.qemu;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * {@code netrescue serve} as a separate process inside a lab's server namespace, exactly as an
 * operator runs it (the test JVM's own JDK and class path, a TOML file, a data directory), and the
 * operator's CLI run the same way against it. The lab kills the server when it closes.
 */
final class NetrescueProcess {
    static final int HTTP_PORT = 8080;
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(90);
    private static final Duration CLI_TIMEOUT = Duration.ofSeconds(60);

    private final PxeLab lab;
    private final Process process;
    private final Path data;
    private final Path log;

    private NetrescueProcess(PxeLab lab, Process process, Path data, Path log) {
        this.lab = lab;
        this.process = process;
        this.data = data;
        this.log = log;
    }

    /**
     * Writes {@code toml} to {@code dir/netrescue.toml} and starts the server on {@code dir/data}
     * (whose {@code assets/} it serves); returns when its HTTP port answers inside the namespace.
     */
    static NetrescueProcess start(PxeLab lab, String toml) throws IOException, InterruptedException {
        Path config = Files.writeString(lab.dir().resolve("netrescue.toml"), toml);
        Path data = lab.dir().resolve("data");
        Files.createDirectories(data.resolve("assets"));
        List<String> cmd = new ArrayList<>(java());
        // native access as ./netrescue grants it: the DHCP socket binds to its interface through FFM
        cmd.addAll(List.of("-Xmx256m", "--enable-native-access=ALL-UNNAMED", "io.netrescue.cli.Main", "serve", "--config", config.toString(), "--data", data.toString()));
        // DEBUG: routine boot decisions are logged at that level, useful when a boot goes wrong
        Process p = lab.inServer("netrescue", cmd, List.of("NETRESCUE_LOG_LEVEL=DEBUG"));
        NetrescueProcess n = new NetrescueProcess(lab, p, data, lab.dir().resolve("netrescue.log"));
        n.awaitHttp();
        return n;
    }

    /** The test JVM's java and class path: the server runs the code under test, not an installed build. */
    private static List<String> java() {
        String java = ProcessHandle.current().info().command().orElseThrow(() -> new IllegalStateException("cannot tell this JVM's executable"));
        return List.of(java, "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"));
    }

    private void awaitHttp() throws IOException, InterruptedException {
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        String url = "http://" + lab.serverAddress() + ":" + HTTP_PORT + "/ipxe";
        while (true) {
            if (!process.isAlive()) throw new IllegalStateException("netrescue exited with " + process.exitValue() + " at start\n" + logTail(40));
            try {
                String code = lab.execIn(lab.serverNs(), Duration.ofSeconds(10), "curl", "-s", "-o", "/dev/null", "-w", "%{http_code}",
                        "--max-time", "2", url);
                if (code.strip().equals("200")) return;
            } catch (IOException notYet) {
                // connection refused until Jetty listens
            }
            if (System.nanoTime() > deadline) throw new IllegalStateException("netrescue did not answer " + url + " within "
                    + READY_TIMEOUT.toSeconds() + " s\n" + logTail(40));
            Thread.sleep(250);
        }
    }

    String url() {
        return "http://" + lab.serverAddress() + ":" + HTTP_PORT;
    }

    Path assets() {
        return data.resolve("assets");
    }

    /** Runs {@code netrescue ARGS --server URL --data DATA} in the server namespace; its stdout, or a failure with stderr. */
    String cli(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", lab.serverNs()));
        cmd.addAll(java());
        cmd.add("-XX:TieredStopAtLevel=1"); // a short-lived client: start fast
        cmd.add("io.netrescue.cli.Main");
        cmd.addAll(List.of(args));
        cmd.addAll(List.of("--server", url(), "--data", data.toString()));
        try {
            return PxeLab.run(cmd, CLI_TIMEOUT);
        } catch (IOException e) {
            throw new AssertionError("netrescue " + String.join(" ", args) + " failed: " + e.getMessage() + "\n" + logTail(30), e);
        }
    }

    /** Empty while the server runs; why not, once it has exited (a VM waiting on it can stop waiting). */
    Optional<String> exited() {
        return process.isAlive() ? Optional.empty() : Optional.of("netrescue exited with status " + process.exitValue());
    }

    Path log() {
        return log;
    }

    String logTail(int lines) {
        return "---- netrescue log " + log + " (last " + lines + " lines) ----\n" + PxeLab.tail(PxeLab.read(log), lines) + "\n---- end ----";
    }
}
