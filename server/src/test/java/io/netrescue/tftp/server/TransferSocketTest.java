package io.netrescue.tftp.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Both {@link TransferSocket}s against a plain JDK socket on loopback. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class TransferSocketTest {
    static final InetAddress LO = InetAddress.ofLiteral("127.0.0.1");

    static TransferSocket open(String kind, InetSocketAddress client, int slots, int slotBytes) throws Exception {
        if (kind.equals("linux")) {
            assumeTrue(LinuxTransferSocket.supports(client), "the FFM socket needs Linux on x86-64 or arm64");
            return new LinuxTransferSocket(LO, client, slots, slotBytes);
        }
        return new PortableTransferSocket(LO, client, slots, slotBytes);
    }

    static DatagramPacket receive(DatagramSocket c) throws Exception {
        DatagramPacket p = new DatagramPacket(new byte[2000], 2000);
        c.receive(p);
        return p;
    }

    /** Full slots then a short last one go out segmented by the kernel (UDP GSO) on Linux; a short one inside, one by one. */
    @ParameterizedTest
    @CsvSource({"linux,8 1 5", "portable,8 1 5", "linux,8 8 3", "portable,8 8 3", "linux,8 8 8", "linux,4 8 8"})
    void sendsAWindowAsSeparateDatagramsAndReceivesTheClientsAnswer(String kind, String sizes) throws Exception {
        try (DatagramSocket c = new DatagramSocket(new InetSocketAddress(LO, 0)); TransferSocket s = open(kind, (InetSocketAddress) c.getLocalSocketAddress(), 3, 8)) {
            c.setSoTimeout(3000);
            int[] lengths = Arrays.stream(sizes.split(" ")).mapToInt(Integer::parseInt).toArray();
            for (int i = 0; i < 3; i++) {
                ByteBuffer slot = s.slot(i);
                assertThat(slot.remaining()).isEqualTo(8);
                for (int j = 0; j < lengths[i]; j++) slot.put((byte) (10 * i + j));
            }
            s.sendSlots(3, lengths);
            InetSocketAddress tid = null;
            for (int i = 0; i < 3; i++) {
                DatagramPacket p = receive(c);
                byte[] want = new byte[lengths[i]];
                for (int j = 0; j < want.length; j++) want[j] = (byte) (10 * i + j);
                assertThat(Arrays.copyOf(p.getData(), p.getLength())).isEqualTo(want);
                tid = (InetSocketAddress) p.getSocketAddress();
            }
            c.send(new DatagramPacket(new byte[] {0, 4, 0, 3}, 4, tid));
            assertThat(s.receive(2_000_000_000L)).isEqualTo(4);
            ByteBuffer got = s.received();
            assertThat(got.remaining()).isEqualTo(4);
            assertThat(got.getInt(0)).isEqualTo(0x00040003);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"linux", "portable"})
    void aStrangerIsReportedWithItsAddress(String kind) throws Exception {
        try (DatagramSocket c = new DatagramSocket(new InetSocketAddress(LO, 0)); DatagramSocket x = new DatagramSocket(new InetSocketAddress(LO, 0));
                TransferSocket s = open(kind, (InetSocketAddress) c.getLocalSocketAddress(), 1, 8)) {
            c.setSoTimeout(3000);
            s.slot(0).put((byte) 1);
            s.sendSlots(1, new int[] {1});
            InetSocketAddress tid = (InetSocketAddress) receive(c).getSocketAddress();
            x.send(new DatagramPacket(new byte[] {0, 4, 0, 1}, 4, tid));
            assertThat(s.receive(2_000_000_000L)).isEqualTo(TransferSocket.STRANGER);
            assertThat(s.stranger()).isEqualTo(x.getLocalSocketAddress());
            s.send(ByteBuffer.wrap(new byte[] {0, 5, 0, 5, 0}), s.stranger());
            x.setSoTimeout(3000);
            assertThat(receive(x).getLength()).isEqualTo(5);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"linux", "portable"})
    void receiveTimesOutAndStopWakesIt(String kind) throws Exception {
        try (DatagramSocket c = new DatagramSocket(new InetSocketAddress(LO, 0)); TransferSocket s = open(kind, (InetSocketAddress) c.getLocalSocketAddress(), 1, 8)) {
            long t0 = System.nanoTime();
            assertThat(s.receive(50_000_000L)).isEqualTo(TransferSocket.TIMEOUT);
            assertThat(System.nanoTime() - t0).isGreaterThanOrEqualTo(40_000_000L).isLessThan(1_000_000_000L);
            assertThat(s.receive(0)).isEqualTo(TransferSocket.TIMEOUT);
            Thread.ofPlatform().start(() -> {
                try {
                    Thread.sleep(100);
                } catch (InterruptedException ignored) {
                    // stop anyway
                }
                s.stop();
            });
            long t1 = System.nanoTime();
            assertThatThrownBy(() -> s.receive(20_000_000_000L)).isInstanceOf(ClosedChannelException.class);
            assertThat(System.nanoTime() - t1).isLessThan(5_000_000_000L);
        }
    }
}
