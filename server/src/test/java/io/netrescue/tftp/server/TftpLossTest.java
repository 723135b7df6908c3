package io.netrescue.tftp.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Real clients through a lossy path ({@link LossyUdpProxy}: every 25th datagram dropped each way,
 * 4%) finish a 512 KiB download in bounded time. A lock-step client pays the server's
 * retransmission timeout for every loss (about 80 here): at a fixed 1 s (tftp-hpa) or the 6 s curl
 * asks for, this took minutes; with the adaptive timeout (RTT estimate, 20 ms floor) seconds.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class TftpLossTest {
    static final int SIZE = 512 * 1024, EVERY = 25;
    /** Before the adaptive timeout: about 80 s with tftp-hpa, 8 minutes with curl. Now about 3 s. */
    static final long BOUND_SECONDS = 25;

    @TempDir Path root;
    TftpServer server;
    LossyUdpProxy proxy;

    @BeforeEach
    void start() throws Exception {
        byte[] b = new byte[SIZE];
        new Random(7).nextBytes(b);
        Files.write(root.resolve("f.bin"), b);
        server = new TftpServer(TftpSettings.listening("127.0.0.1:0"), TftpFileSource.directory(root)).start(); // the defaults
        proxy = new LossyUdpProxy(server.localAddress(), EVERY);
    }

    @AfterEach
    void stop() {
        if (proxy != null) proxy.close();
        if (server != null) server.close();
    }

    @ParameterizedTest
    @ValueSource(strings = {"curl", "tftp-hpa", "atftp-w8"})
    void clientsFinishThroughALossyPath(String client, @TempDir Path dir) throws Exception {
        Path out = dir.resolve("out.bin");
        String p = Integer.toString(proxy.port());
        List<String> cmd = switch (client) {
            case "curl" -> List.of("curl", "-sS", "tftp://127.0.0.1:" + p + "/f.bin", "-o", out.toString()); // asks for timeout 6
            case "tftp-hpa" -> List.of("tftp", "-m", "binary", "127.0.0.1", p, "-c", "get", "f.bin", out.toString()); // no options
            case "atftp-w8" -> List.of("atftp", "--option", "windowsize 8", "-g", "-r", "f.bin", "-l", out.toString(), "127.0.0.1", p);
            default -> throw new IllegalArgumentException(client);
        };
        String exe = TftpClientInteropTest.which(cmd.getFirst());
        assumeTrue(Files.isExecutable(Path.of(exe)), cmd.getFirst() + " is not installed (Debian: curl, tftp-hpa, atftp)");
        Path log = dir.resolve("client.log");
        long t0 = System.nanoTime();
        Process proc = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        boolean done = proc.waitFor(BOUND_SECONDS, TimeUnit.SECONDS);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        if (!done) proc.destroyForcibly().waitFor();
        String output = Files.readString(log, StandardCharsets.UTF_8);
        assertThat(done).as(client + " finished within " + BOUND_SECONDS + " s through " + proxy + "; " + output).isTrue();
        assertThat(proc.exitValue()).as(output).isZero();
        assertThat(TftpClientInteropTest.sha(out)).isEqualTo(TftpClientInteropTest.sha(root.resolve("f.bin")));
        assertThat(proxy.droppedToServer.get()).as("the path lost ACKs").isPositive();
        assertThat(proxy.droppedToClient.get()).as("the path lost DATA").isPositive();
        System.out.println(client + ": " + ms + " ms through " + proxy);
    }
}
