package io.netrescue.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.netrescue.store.ServerProcess;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 15, finding 4.3: connections that trickle header bytes (each byte restarts Jetty's idle
 * timeout) used up the server's file descriptors, and boot requests went unanswered. The server runs
 * as its own process with 1024 descriptors, on its default limits; four loopback addresses open 300
 * connections each and send a byte on every one of them twice a second, and a fifth address boots.
 */
class ConnectionFloodTest {
    private static final int FDS = 1024;
    private static final int SOURCES = 4;
    private static final int PER_SOURCE = 300; // 1,200 in all: more than the server has descriptors
    private static final byte[] TRICKLE = "GET /api/v1/hosts HTTP/1.1\r\nHost: x\r\nX-Slow: ".getBytes(StandardCharsets.US_ASCII);

    @TempDir Path dir;

    record Flooder(InetAddress source, SocketChannel channel, int[] sent) {}

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void aTricklingFloodIsCappedPerSourceAndCutAtTheHeaderDeadlineWhileBootsAreAnswered() throws Exception {
        try (ServerProcess server = ServerProcess.startWithFdLimit(dir.resolve("logs"), dir.resolve("data"), FDS)) {
            InetSocketAddress target = new InetSocketAddress("127.0.0.1", server.port);
            List<Flooder> flood = new CopyOnWriteArrayList<>();
            Thread trickler = Thread.ofPlatform().daemon().start(() -> trickle(flood));
            long floodStart = System.nanoTime();
            try {
                for (int s = 0; s < SOURCES; s++) {
                    InetAddress source = InetAddress.getByName("127.0.0." + (2 + s));
                    for (int i = 0; i < PER_SOURCE; i++) {
                        SocketChannel ch = SocketChannel.open();
                        ch.bind(new InetSocketAddress(source, 0));
                        try {
                            ch.socket().connect(target, 2000);
                        } catch (IOException e) { // a full backlog: the server is not accepting
                            ch.close();
                            continue;
                        }
                        ch.configureBlocking(false);
                        flood.add(new Flooder(source, ch, new int[1]));
                    }
                }
                Thread.sleep(1500); // the trickler has written to each at least twice

                long t0 = System.nanoTime();
                assertThat(boot("127.0.0.9", target)).as("/boot.ipxe from another address during the flood").startsWith("HTTP/1.1 200");
                assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).as("boot answered within 2 s (ms)").isLessThan(2000);

                for (int s = 0; s < SOURCES; s++) {
                    InetAddress source = InetAddress.getByName("127.0.0." + (2 + s));
                    assertThat(flood.stream().filter(f -> f.source().equals(source) && open(f.channel())).count())
                            .as("connections the server keeps open from %s", source).isLessThanOrEqualTo(256);
                }

                // default http.header-timeout is 10 s from the accept: every trickler is cut by then, bytes or not
                long deadline = floodStart + TimeUnit.SECONDS.toNanos(10 + 3);
                Thread.sleep(Math.max(0, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
                assertThat(flood.stream().filter(f -> f.sent()[0] > 20).count())
                        .as("tricklers that kept sending for 10 s and more (a byte each 500 ms)").isGreaterThan(0);
                assertThat(flood.stream().filter(f -> open(f.channel())).count())
                        .as("trickling connections still open 13 s after the flood began").isZero();
                assertThat(boot("127.0.0.2", target)).as("the flooding address boots once its connections are gone").startsWith("HTTP/1.1 200");
            } finally {
                trickler.interrupt();
                for (Flooder f : flood) f.channel().close();
            }
        }
    }

    /** One byte of a never-ending header to every flooder each 500 ms: well inside Jetty's 30 s idle timeout. */
    private static void trickle(List<Flooder> flood) {
        try {
            while (true) {
                for (Flooder f : flood) {
                    if (!f.channel().isOpen()) continue;
                    int n = f.sent()[0];
                    try {
                        f.channel().write(ByteBuffer.wrap(new byte[] {n < TRICKLE.length ? TRICKLE[n] : (byte) 'a'}));
                        f.sent()[0] = n + 1;
                    } catch (IOException closedByServer) {
                        // counted by open() later
                    }
                }
                Thread.sleep(500);
            }
        } catch (InterruptedException done) {
            // test over
        }
    }

    /** Whether the server still holds the connection: no end of stream, no reset. */
    private static boolean open(SocketChannel ch) {
        try {
            return ch.read(ByteBuffer.allocate(512)) >= 0;
        } catch (IOException reset) {
            return false;
        }
    }

    private static String boot(String from, InetSocketAddress target) throws IOException {
        try (Socket s = new Socket()) {
            s.bind(new InetSocketAddress(from, 0));
            s.connect(target, 5000);
            s.setSoTimeout(5000);
            s.getOutputStream().write(("GET /boot.ipxe HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            InputStream in = s.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
        }
    }
}
