package io.netrescue.tftp.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netrescue.inventory.InvalidInputException;
import io.netrescue.tftp.TftpCodec;
import io.netrescue.tftp.TftpOption;
import io.netrescue.tftp.TftpPacket;
import io.netrescue.tftp.TransferMode;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The server against hand-made packets from a raw socket: exact error packets, TIDs, retransmission, limits. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TftpServerTest {
    @TempDir Path root;
    TftpServer server;
    byte[] data;
    final List<DatagramSocket> sockets = new ArrayList<>();

    @BeforeEach
    void setUp() throws IOException {
        data = new byte[3000];
        new Random(1).nextBytes(data);
        Files.write(root.resolve("f.bin"), data);
        Files.createDirectories(root.resolve("dir"));
    }

    @AfterEach
    void tearDown() {
        if (server != null) server.close();
        sockets.forEach(DatagramSocket::close);
    }

    /** The transfers' sockets: the platform's default here, the portable ones in {@link TftpServerPortableSocketTest}. */
    TransferSocket.Factory sockets() {
        return TransferSocket::open;
    }

    TftpServer start(TftpSettings s) throws IOException {
        server = new TftpServer(s, TftpFileSource.directory(root), Thread.ofPlatform().daemon().factory(), sockets()).start();
        return server;
    }

    TftpServer start() throws IOException {
        return start(TftpSettings.listening("127.0.0.1:0").withTimeout("200ms", 3));
    }

    DatagramSocket socket(String bindIp) throws IOException {
        DatagramSocket s = new DatagramSocket(new InetSocketAddress(InetAddress.ofLiteral(bindIp), 0));
        s.setSoTimeout(3000);
        sockets.add(s);
        return s;
    }

    static void send(DatagramSocket s, TftpPacket p, InetSocketAddress to) throws IOException {
        byte[] b = TftpCodec.encode(p);
        s.send(new DatagramPacket(b, b.length, to));
    }

    record Got(TftpPacket packet, InetSocketAddress from) {}

    static Got receive(DatagramSocket s) throws Exception {
        byte[] buf = new byte[70000];
        DatagramPacket dp = new DatagramPacket(buf, buf.length);
        s.receive(dp);
        return new Got(TftpCodec.decode(java.nio.ByteBuffer.wrap(buf, 0, dp.getLength())), (InetSocketAddress) dp.getSocketAddress());
    }

    static TftpPacket.ReadRequest rrq(String file, TftpOption... options) {
        return new TftpPacket.ReadRequest(file, TransferMode.OCTET, List.of(options));
    }

    Got request(DatagramSocket s, TftpPacket p) throws Exception {
        send(s, p, server.localAddress());
        return receive(s);
    }

    /**
     * PXELINUX resends its request after about 100 ms when no DATA has come; a generated file (a boot
     * decision) can take longer. The repeat must not start a second transfer, or the decision runs twice.
     */
    @Test
    void aRepeatedRequestFromTheSameTidIsTheSameTransfer() throws Exception {
        java.util.concurrent.atomic.AtomicInteger opens = new java.util.concurrent.atomic.AtomicInteger();
        TftpFileSource slow = (path, client) -> {
            opens.incrementAndGet();
            try {
                Thread.sleep(400);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return Optional.of(TftpFile.of("decided once\n".getBytes(StandardCharsets.UTF_8)));
        };
        server = new TftpServer(TftpSettings.listening("127.0.0.1:0").withTimeout("200ms", 3), slow).start();
        DatagramSocket s = socket("127.0.0.1");
        TftpPacket.ReadRequest rrq = rrq("pxelinux.cfg/01-52-54-00-12-34-56");
        send(s, rrq, server.localAddress());
        Thread.sleep(100);
        send(s, rrq, server.localAddress());
        send(s, rrq, server.localAddress());
        Got g = receive(s);
        assertThat(g.packet()).isInstanceOfSatisfying(TftpPacket.Data.class, d -> {
            assertThat(d.block()).isEqualTo(1);
            assertThat(new String(d.payload(), StandardCharsets.UTF_8)).isEqualTo("decided once\n");
        });
        send(s, new TftpPacket.Ack(1), g.from());
        s.setSoTimeout(800);
        assertThatThrownBy(() -> receive(s)).isInstanceOf(SocketTimeoutException.class); // no second transfer's DATA
        assertThat(opens.get()).isEqualTo(1);
        assertThat(server.stats().duplicateRequests()).isEqualTo(2);
        assertThat(server.stats().started()).isEqualTo(1);
        // once that transfer is over, the same TID may ask again (a new boot)
        send(s, rrq, server.localAddress());
        s.setSoTimeout(3000);
        assertThat(receive(s).packet()).isInstanceOf(TftpPacket.Data.class);
        assertThat(opens.get()).isEqualTo(2);
    }

    @Test
    void notFoundIsErrorOne() throws Exception {
        start();
        Got g = request(socket("127.0.0.1"), rrq("missing.bin"));
        assertThat(g.packet()).isEqualTo(new TftpPacket.Error(1, "File not found"));
        assertThat(g.from().getPort()).as("answered from the transfer's own TID").isNotEqualTo(server.localAddress().getPort());
        waitIdle();
        assertThat(server.stats().notFound()).isEqualTo(1);
    }

    @Test
    void directoriesAndEscapingLinksAreNotFound() throws Exception {
        Path outside = Files.createTempFile("tftp-outside", ".txt");
        try {
            Files.writeString(outside, "secret");
            Files.createSymbolicLink(root.resolve("escape"), outside);
            Files.createSymbolicLink(root.resolve("inside"), root.resolve("f.bin"));
            start();
            DatagramSocket s = socket("127.0.0.1");
            assertThat(request(s, rrq("dir")).packet()).isEqualTo(new TftpPacket.Error(1, "File not found"));
            assertThat(request(s, rrq("escape")).packet()).isEqualTo(new TftpPacket.Error(1, "File not found"));
            assertThat(TftpTestClient.get(server.localAddress(), "inside", 512, 1).sha256()).isEqualTo(TftpTestClient.sha256(data));
        } finally {
            Files.deleteIfExists(outside);
        }
    }

    @Test
    void traversalIsAccessViolation() throws Exception {
        start();
        DatagramSocket s = socket("127.0.0.1");
        for (String bad : List.of("../etc/passwd", "/../../etc/passwd", "dir/../../x", "..\\..\\boot.ini", "a\u0001b")) {
            Got g = request(s, rrq(bad));
            assertThat(g.packet()).as(bad).isInstanceOf(TftpPacket.Error.class);
            TftpPacket.Error e = (TftpPacket.Error) g.packet();
            assertThat(e.code()).as(bad).isEqualTo(2);
            assertThat(e.message()).as(bad).startsWith("Access violation: ");
        }
        assertThat(server.stats().refused()).isEqualTo(5);
        assertThat(server.stats().started()).isZero();
    }

    @Test
    void leadingSlashAndBackslashesMeanTheRoot() throws Exception {
        Files.write(root.resolve("dir/x.cfg"), "x".getBytes(StandardCharsets.US_ASCII));
        start();
        for (String p : List.of("/f.bin", "//f.bin", "\\f.bin", "./f.bin")) {
            assertThat(TftpTestClient.get(server.localAddress(), p, 512, 1).sha256()).as(p).isEqualTo(TftpTestClient.sha256(data));
        }
        assertThat(TftpTestClient.get(server.localAddress(), "dir\\x.cfg", 512, 1).bytes()).isEqualTo(1);
    }

    @Test
    void writeRequestsAreRefused() throws Exception {
        start();
        Got g = request(socket("127.0.0.1"), new TftpPacket.WriteRequest("upload.bin", TransferMode.OCTET, List.of()));
        assertThat(g.packet()).isEqualTo(new TftpPacket.Error(2, "Write requests are refused: this server is read-only"));
        assertThat(Files.exists(root.resolve("upload.bin"))).isFalse();
    }

    @Test
    void mailModeIsRefused() throws Exception {
        start();
        Got g = request(socket("127.0.0.1"), new TftpPacket.ReadRequest("f.bin", TransferMode.MAIL, List.of()));
        assertThat(g.packet()).isEqualTo(new TftpPacket.Error(4, "Mail mode is not supported"));
    }

    @Test
    void netasciiConvertsLineEnds() throws Exception {
        Files.write(root.resolve("t.txt"), "a\nb\rc".getBytes(StandardCharsets.US_ASCII));
        start();
        DatagramSocket s = socket("127.0.0.1");
        Got g = request(s, new TftpPacket.ReadRequest("t.txt", TransferMode.NETASCII, List.of(new TftpOption("tsize", "0"))));
        assertThat(g.packet()).isEqualTo(new TftpPacket.OptionAck(List.of(new TftpOption("tsize", "7"))));
        send(s, new TftpPacket.Ack(0), g.from());
        assertThat(receive(s).packet()).isEqualTo(new TftpPacket.Data(1, "a\r\nb\r\0c".getBytes(StandardCharsets.US_ASCII)));
    }

    @Test
    void malformedRequestsAreCountedAndDropped() throws Exception {
        start();
        DatagramSocket s = socket("127.0.0.1");
        for (byte[] junk : List.of(new byte[] {0, 1, 'x'}, new byte[] {0, 9, 0, 0}, new byte[] {0, 1, 'f', 0, 'b', 'a', 'd', 0}, new byte[2])) {
            s.send(new DatagramPacket(junk, junk.length, server.localAddress()));
        }
        s.setSoTimeout(300);
        assertThatThrownBy(() -> receive(s)).isInstanceOf(SocketTimeoutException.class);
        assertThat(server.stats().malformed()).isEqualTo(4);
        // and the server still works
        assertThat(TftpTestClient.get(server.localAddress(), "f.bin", 512, 1).bytes()).isEqualTo(data.length);
    }

    @Test
    void wrongTidGetsErrorFiveAndTheTransferGoesOn() throws Exception {
        start();
        DatagramSocket client = socket("127.0.0.1"), stranger = socket("127.0.0.1");
        Got d1 = request(client, rrq("f.bin"));
        assertThat(d1.packet()).isInstanceOf(TftpPacket.Data.class);
        send(stranger, new TftpPacket.Ack(1), d1.from());
        assertThat(receive(stranger).packet()).isEqualTo(new TftpPacket.Error(5, "Unknown transfer ID"));
        byte[] got = new byte[0];
        TftpPacket.Data d = (TftpPacket.Data) d1.packet();
        while (true) {
            got = concat(got, d.payload());
            send(client, new TftpPacket.Ack(d.block()), d1.from());
            if (d.length() < 512) break;
            d = (TftpPacket.Data) receive(client).packet();
        }
        assertThat(got).isEqualTo(data);
        waitIdle();
        assertThat(server.stats().completed()).isEqualTo(1);
        assertThat(server.stats().unknownTid()).isEqualTo(1);
    }

    @Test
    void aLostAckIsRecoveredByTheServersTimeout() throws Exception {
        start();
        DatagramSocket s = socket("127.0.0.1");
        Got first = request(s, rrq("f.bin"));
        long t0 = System.nanoTime();
        Got again = receive(s); // we "lost" our ACK of block 1: the server must resend block 1
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertThat(again.packet()).isEqualTo(first.packet());
        assertThat(ms).as("resent after the 200 ms timeout").isBetween(100L, 1500L);
        send(s, new TftpPacket.Ack(1), first.from());
        assertThat(((TftpPacket.Data) receive(s).packet()).block()).isEqualTo(2);
    }

    @Test
    void duplicateAcksDoNotCauseDuplicateData() throws Exception {
        // a fixed 200 ms timeout (floor = ceiling): the adaptive one would rightly resend block 2 after ~20 ms
        start(TftpSettings.listening("127.0.0.1:0").withTimeout("200ms", 3).withMinTimeout("200ms"));
        DatagramSocket s = socket("127.0.0.1");
        Got first = request(s, rrq("f.bin"));
        send(s, new TftpPacket.Ack(1), first.from());
        send(s, new TftpPacket.Ack(1), first.from()); // a delayed duplicate: the sorcerer's apprentice case
        assertThat(((TftpPacket.Data) receive(s).packet()).block()).isEqualTo(2);
        s.setSoTimeout(150); // under the 200 ms retransmission timeout: only a bug would send block 2 again now
        assertThatThrownBy(() -> receive(s)).isInstanceOf(SocketTimeoutException.class);
    }

    @Test
    void aSilentClientIsAbandonedAfterTheRetries() throws Exception {
        start();
        DatagramSocket s = socket("127.0.0.1");
        Got first = request(s, rrq("f.bin"));
        int copies = 0;
        TftpPacket last;
        while (true) {
            last = receive(s).packet();
            if (last instanceof TftpPacket.Error) break;
            assertThat(last).isEqualTo(first.packet());
            copies++;
        }
        assertThat(copies).isEqualTo(3);
        assertThat(last).isEqualTo(new TftpPacket.Error(0, "Transfer timed out"));
        waitIdle();
        assertThat(server.stats().failed()).isEqualTo(1);
    }

    @Test
    void windowedTransferResendsFromTheAckedGap() throws Exception {
        start();
        DatagramSocket s = socket("127.0.0.1");
        Got oack = request(s, rrq("f.bin", new TftpOption("windowsize", "4")));
        assertThat(oack.packet()).isEqualTo(new TftpPacket.OptionAck(List.of(new TftpOption("windowsize", "4"))));
        send(s, new TftpPacket.Ack(0), oack.from());
        for (int b = 1; b <= 4; b++) assertThat(((TftpPacket.Data) receive(s).packet()).block()).isEqualTo(b);
        send(s, new TftpPacket.Ack(2), oack.from()); // "3 and 4 never arrived"
        List<Integer> blocks = new ArrayList<>();
        for (int i = 0; i < 4; i++) blocks.add(((TftpPacket.Data) receive(s).packet()).block());
        assertThat(blocks).containsExactly(3, 4, 5, 6); // 6 is the last, empty block of a 3000-byte file at 512
        send(s, new TftpPacket.Ack(6), oack.from());
        waitIdle();
        assertThat(server.stats().completed()).isEqualTo(1);
    }

    @Test
    void aFloodFromOneSourceIsLimitedAndOthersStillGetServed() throws Exception {
        start(TftpSettings.listening("127.0.0.1:0").withTimeout("2s", 2).withLimits(4, 100));
        // 50 requests from one address, each from its own port (one request per TID: a repeat from the
        // same TID is the same transfer, see aRepeatedRequestFromTheSameTidIsTheSameTransfer)
        List<DatagramSocket> flooders = new ArrayList<>();
        for (int i = 0; i < 50; i++) flooders.add(socket("127.0.0.1"));
        for (DatagramSocket f : flooders) send(f, rrq("f.bin"), server.localAddress()); // never acknowledged
        int refusals = 0, data = 0;
        for (DatagramSocket f : flooders) {
            TftpPacket p = receive(f).packet();
            if (p instanceof TftpPacket.Error e) {
                assertThat(e).isEqualTo(new TftpPacket.Error(0, "Too many transfers from 127.0.0.1, try again later"));
                refusals++;
            } else {
                data++;
            }
        }
        assertThat(data).isEqualTo(4);
        assertThat(refusals).isEqualTo(46);
        // another machine (127.0.0.2 is a loopback address too) is not affected
        TftpTestClient.Result r = TftpTestClient.get(server.localAddress(), new InetSocketAddress(InetAddress.ofLiteral("127.0.0.2"), 0),
                "f.bin", 512, 1, 1000, 3);
        assertThat(r.sha256()).isEqualTo(TftpTestClient.sha256(this.data));
        assertThat(server.stats().refused()).isEqualTo(46);
    }

    @Test
    void closeEndsTransfersInProgress() throws Exception {
        start(TftpSettings.listening("127.0.0.1:0").withTimeout("10s", 5));
        DatagramSocket s = socket("127.0.0.1");
        request(s, rrq("f.bin"));
        assertThat(server.stats().active()).isEqualTo(1);
        long t0 = System.nanoTime();
        server.close();
        assertThat((System.nanoTime() - t0) / 1_000_000).isLessThan(2000);
        assertThat(server.stats().active()).isZero();
    }

    @Test
    void chainedSourcesTryInOrder() throws Exception {
        TftpFileSource generated = (path, client) -> path.equals("pxelinux.cfg/default")
                ? Optional.of(TftpFile.of(("client " + client.getAddress().getHostAddress()).getBytes(StandardCharsets.US_ASCII)))
                : Optional.empty();
        server = new TftpServer(TftpSettings.listening("127.0.0.1:0"), generated.or(TftpFileSource.directory(root))).start();
        assertThat(TftpTestClient.get(server.localAddress(), "pxelinux.cfg/default", 512, 1).bytes()).isEqualTo("client 127.0.0.1".length());
        assertThat(TftpTestClient.get(server.localAddress(), "f.bin", 512, 1).sha256()).isEqualTo(TftpTestClient.sha256(data));
    }

    @Test
    void settingsNameTheBadSetting() {
        assertThat(TftpSettings.defaults().enabled()).isFalse();
        assertThat(TftpSettings.defaults().validate().maxBlksize()).isEqualTo(1468);
        assertThatThrownBy(() -> TftpSettings.listening("localhost:69").validate()).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("tftp.listen");
        assertThatThrownBy(() -> TftpSettings.listening("0.0.0.0:99999").validate()).hasMessageContaining("tftp.listen");
        assertThatThrownBy(() -> TftpSettings.defaults().withMaxBlksize(7).validate()).hasMessageContaining("tftp.max-blksize");
        assertThatThrownBy(() -> TftpSettings.defaults().withTimeout("5x", 3).validate()).hasMessageContaining("tftp.timeout");
        assertThatThrownBy(() -> TftpSettings.defaults().withTimeout("1s", -1).validate()).hasMessageContaining("tftp.retries");
        assertThatThrownBy(() -> TftpSettings.defaults().withMinTimeout("0ms").validate()).hasMessageContaining("tftp.min-timeout");
        assertThat(TftpSettings.defaults().minTimeoutDuration()).isEqualTo(java.time.Duration.ofMillis(20));
        assertThatThrownBy(() -> TftpSettings.defaults().withLimits(20, 10).validate()).hasMessageContaining("tftp.max-transfers-per-source");
        assertThat(TftpSettings.listening("[::1]:0").validate().listenAddress().getAddress().getHostAddress()).isEqualTo("0:0:0:0:0:0:0:1");
    }

    void waitIdle() throws InterruptedException {
        for (int i = 0; i < 200 && server.stats().active() > 0; i++) Thread.sleep(10);
        assertThat(server.stats().active()).isZero();
    }

    static byte[] concat(byte[] a, byte[] b) {
        byte[] r = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }
}
