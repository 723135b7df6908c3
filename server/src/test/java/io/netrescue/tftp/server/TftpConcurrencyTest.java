package io.netrescue.tftp.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** A boot storm: 500 machines fetch the same 1 MiB file at once; every one gets every byte. */
class TftpConcurrencyTest {
    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void fiveHundredConcurrentDownloadsAllComplete(@TempDir Path root) throws Exception {
        byte[] data = new byte[1 << 20];
        new Random(7).nextBytes(data);
        Files.write(root.resolve("boot.img"), data);
        String want = TftpTestClient.sha256(data);
        int n = 500;
        try (TftpServer server = new TftpServer(TftpSettings.listening("127.0.0.1:0").withLimits(n, n), TftpFileSource.directory(root)).start();
             ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<TftpTestClient.Result>> results = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                results.add(pool.submit(() -> TftpTestClient.get(server.localAddress(), null, "boot.img", 1468, 1, 2000, 10)));
            }
            for (Future<TftpTestClient.Result> f : results) {
                TftpTestClient.Result r = f.get();
                assertThat(r.bytes()).isEqualTo(data.length);
                assertThat(r.sha256()).isEqualTo(want);
            }
            for (int i = 0; i < 100 && server.stats().active() > 0; i++) Thread.sleep(20);
            TftpStats s = server.stats();
            assertThat(s.started()).isEqualTo(n);
            assertThat(s.completed()).isEqualTo(n);
            assertThat(s.refused() + s.failed() + s.malformed()).isZero();
        }
    }
}
