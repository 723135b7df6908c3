package io.netrescue.tftp.server;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The boot-storm load for bench/tftp.sh: N concurrent downloads of one file with {@link TftpTestClient},
 * the same client against every server. Prints {@code storm n=N ok=K bad=B seconds=S}; exit 1 unless all N
 * got the bytes of LOCAL_COPY.
 * <pre>TftpStorm HOST PORT FILE LOCAL_COPY N BLKSIZE</pre>
 */
public final class TftpStorm {
    private TftpStorm() {}

    public static void main(String[] a) throws Exception {
        InetSocketAddress server = new InetSocketAddress(InetAddress.ofLiteral(a[0]), Integer.parseInt(a[1]));
        String want = TftpTestClient.sha256(Files.readAllBytes(Path.of(a[3])));
        int n = Integer.parseInt(a[4]), blk = Integer.parseInt(a[5]);
        long t0 = System.nanoTime();
        int ok = 0, bad = 0;
        String firstError = "";
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<TftpTestClient.Result>> fs = new ArrayList<>();
            for (int i = 0; i < n; i++) fs.add(pool.submit(() -> TftpTestClient.get(server, null, a[2], blk, 1, 2000, 10)));
            for (Future<TftpTestClient.Result> f : fs) {
                try {
                    if (f.get().sha256().equals(want)) ok++;
                    else bad++;
                } catch (Exception e) {
                    bad++;
                    if (firstError.isEmpty()) firstError = String.valueOf(e.getCause());
                }
            }
        }
        double s = (System.nanoTime() - t0) / 1e9;
        System.out.printf("storm n=%d ok=%d bad=%d seconds=%.2f %s%n", n, ok, bad, s, firstError);
        System.exit(ok == n ? 0 : 1);
    }
}
