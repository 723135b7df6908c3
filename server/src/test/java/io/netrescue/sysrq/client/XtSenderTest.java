package io.netrescue.sysrq.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.netrescue.inventory.IpAddresses;
import io.netrescue.sysrq.SysrqKeys;
import io.netrescue.sysrq.XtSysrq;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The xt_SYSRQ dialect on loopback: three identical copies, each a request the module accepts. */
class XtSenderTest {
    static final byte[] PASSWORD = "s3cret".getBytes(StandardCharsets.US_ASCII);

    @Test
    void sendsThreeIdenticalCopiesThatVerifyForTheHashAddress() throws Exception {
        InetAddress hashAddress = IpAddresses.parse("10.0.2.15"); // as the host sees itself behind a NAT
        try (DatagramSocket rx = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
            rx.setSoTimeout(5000);
            long start = System.nanoTime();
            new XtSender().send((InetSocketAddress) rx.getLocalSocketAddress(), new SysrqKeys("sub"), 42, hashAddress, PASSWORD,
                    XtSysrq.Hash.SHA256);
            long elapsedMs = (System.nanoTime() - start) / 1_000_000;
            assertThat(elapsedMs).as("copies are spaced").isGreaterThanOrEqualTo((XtSender.COPIES - 1) * XtSender.INTERVAL.toMillis());

            List<byte[]> copies = new ArrayList<>();
            for (int i = 0; i < XtSender.COPIES; i++) copies.add(receive(rx));
            rx.setSoTimeout(300);
            assertThat(receiveOrNull(rx)).as("no fourth copy").isNull();

            assertThat(copies).hasSize(3).allSatisfy(c -> assertThat(c).isEqualTo(copies.getFirst()));
            // decode as the module does: keys, seqno, salt, then a digest over those with the address and password
            String[] f = new String(copies.getFirst(), StandardCharsets.US_ASCII).split(",", -1);
            assertThat(f).hasSize(4);
            assertThat(f[0]).isEqualTo("sub");
            assertThat(f[1]).isEqualTo("42");
            assertThat(f[2]).matches("[0-9a-f]{16}");
            assertThat(XtSysrq.request(new SysrqKeys(f[0]), Long.parseLong(f[1]), f[2], hashAddress, PASSWORD, XtSysrq.Hash.SHA256))
                    .isEqualTo(copies.getFirst());
            assertThat(XtSysrq.request(new SysrqKeys(f[0]), Long.parseLong(f[1]), f[2], IpAddresses.parse("127.0.0.1"), PASSWORD,
                    XtSysrq.Hash.SHA256)).as("hashed for the host's view of the address, not ours").isNotEqualTo(copies.getFirst());
        }
    }

    @Test
    void eachRequestHasAFreshSalt() throws Exception {
        try (DatagramSocket rx = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
            rx.setSoTimeout(5000);
            XtSender sender = new XtSender();
            InetSocketAddress to = (InetSocketAddress) rx.getLocalSocketAddress();
            sender.send(to, new SysrqKeys("s"), 1, to.getAddress(), PASSWORD, XtSysrq.Hash.SHA1);
            sender.send(to, new SysrqKeys("s"), 1, to.getAddress(), PASSWORD, XtSysrq.Hash.SHA1);
            List<String> salts = new ArrayList<>();
            for (int i = 0; i < 2 * XtSender.COPIES; i++) salts.add(new String(receive(rx), StandardCharsets.US_ASCII).split(",")[2]);
            assertThat(salts.stream().distinct()).hasSize(2);
        }
    }

    static byte[] receive(DatagramSocket rx) throws Exception {
        DatagramPacket p = new DatagramPacket(new byte[2048], 2048);
        rx.receive(p);
        return Arrays.copyOf(p.getData(), p.getLength());
    }

    static byte[] receiveOrNull(DatagramSocket rx) throws Exception {
        try {
            return receive(rx);
        } catch (SocketTimeoutException e) {
            return null;
        }
    }
}
