package io.netrescue.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.netrescue.server.ServerConfig;
import io.netrescue.testing.TestServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Attack finding F1: a request whose headers came at once and whose body then trickled (a byte every
 * 2 s, each restarting Jetty's idle timeout) held its connection for hours, and enough of them took
 * every connection. The whole request must arrive within {@link ConnectionLimits#BODY_FACTOR} header
 * timeouts of its first byte (here 1 s: 6 s).
 */
class SlowBodyTest {
    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aTrickledBodyIsCutAtTheRequestDeadline() throws Exception {
        try (TestServer s = TestServer.start(List.of(), "local", Clock.systemUTC(), c -> c.withHttp(
                new ServerConfig.Http(c.http().listen(), c.http().publicUrl(), c.http().assets(), 256, 0, "1s")))) {
            try (Socket sock = new Socket()) {
                sock.connect(new InetSocketAddress("127.0.0.1", s.port()), 2000);
                sock.setSoTimeout(500);
                OutputStream out = sock.getOutputStream();
                out.write(("POST /agent/jobs/1/output HTTP/1.1\r\nHost: x\r\nAuthorization: Netrescue-Agent host=h1 ts=1 nonce=00 mac=00\r\n"
                        + "Content-Length: 60000\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                out.flush();
                long t0 = System.nanoTime();
                InputStream in = sock.getInputStream();
                boolean closed = false;
                while (!closed && System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(20)) {
                    try {
                        out.write('x'); // a byte every 0.5 s: far inside the 30 s idle timeout
                        out.flush();
                        closed = in.read() < 0;
                    } catch (SocketTimeoutException quiet) {
                        // still open, nothing said
                    } catch (IOException reset) {
                        closed = true;
                    }
                }
                double after = (System.nanoTime() - t0) / 1e9;
                assertThat(closed).as("the server closed the trickling request").isTrue();
                assertThat(after).as("closed after (s)").isBetween(5.0, 9.0);
            }
        }
    }
}
