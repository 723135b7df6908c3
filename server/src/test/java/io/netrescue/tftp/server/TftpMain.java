package io.netrescue.tftp.server;

import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

/**
 * A standalone TFTP server on a directory, for experiments outside {@code netrescue serve} (e.g.
 * virtual against platform transfer threads); bench/tftp.sh runs {@code ./netrescue serve} itself. Prints {@code listening ADDRESS:PORT} once bound, then runs until killed.
 * <pre>TftpMain ROOT LISTEN [max-blksize [max-windowsize [per-source-limit [virtual|platform]]]]</pre>
 */
public final class TftpMain {
    private TftpMain() {}

    public static void main(String[] args) throws Exception {
        if (args.length < 2) {
            System.err.println("usage: TftpMain ROOT LISTEN [max-blksize [max-windowsize [per-source-limit [virtual|platform]]]]");
            System.exit(2);
        }
        int blk = args.length > 2 ? Integer.parseInt(args[2]) : 1468;
        int win = args.length > 3 ? Integer.parseInt(args[3]) : 64;
        int perSource = args.length > 4 ? Integer.parseInt(args[4]) : 16;
        boolean virtual = args.length > 5 && args[5].equals("virtual");
        TftpSettings s = new TftpSettings(args[1], blk, win, null, null, null, null, Math.max(1000, perSource), perSource);
        TftpFileSource dir = TftpFileSource.directory(Path.of(args[0]));
        TftpServer server = virtual ? new TftpServer(s, dir, Thread.ofVirtual().name("tftp-", 0).factory(), TransferSocket::open) : new TftpServer(s, dir);
        server.start();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            System.err.println("stats " + server.stats());
        }));
        System.out.println("listening " + server.localAddress().getAddress().getHostAddress() + ":" + server.localAddress().getPort());
        System.out.flush();
        new CountDownLatch(1).await();
    }
}
