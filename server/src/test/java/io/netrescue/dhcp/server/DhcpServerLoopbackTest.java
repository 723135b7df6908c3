package io.netrescue.dhcp.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.netrescue.dhcp.DhcpInventory;
import io.netrescue.dhcp.DhcpPacket;
import io.netrescue.dhcp.MessageType;
import io.netrescue.dhcp.Sightings;
import io.netrescue.inventory.MacAddress;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.util.HexFormat;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The transport on loopback with high ports, no root: the unicast port-4011 path (iPXE's REQUEST
 * after it has its address), malformed datagrams counted and dropped without harm, and a flooding
 * MAC limited while another is still answered. Broadcast replies are covered by DhcpNetnsTest,
 * which keeps them inside a namespace.
 */
class DhcpServerLoopbackTest {
    static int freePort() throws Exception {
        try (DatagramSocket s = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** iPXE's unicast ProxyDHCP REQUEST (lab README): ciaddr set, 60 = PXEClient, 77 = iPXE, 43 sub 71. */
    static byte[] ipxeRequest(String mac) {
        ByteBuffer b = ByteBuffer.allocate(300);
        b.put((byte) 1).put((byte) 1).put((byte) 6).put((byte) 0).putInt(0x1234).putShort((short) 0).putShort((short) 0);
        b.put(new byte[] {127, 0, 0, 1}).putInt(0).putInt(0).putInt(0).put(MacAddress.parse(mac).bytes());
        b.position(236);
        b.putInt(0x63825363);
        b.put(HexFormat.of().parseHex("350103" + "5d020000" + "3c09505845436c69656e74" + "4d0469505845" + "2b07470480000000ff"
                + "6111004e0b5b8c6a2f1e4d9a610123456789ab" + "ff"));
        return b.array();
    }

    @Test
    void answersIpxeOnPort4011AndSurvivesGarbage() throws Exception {
        int port = freePort(), pxe = freePort();
        DhcpSettings s = new DhcpSettings("proxy", null, "127.0.0.1", null, "http://127.0.0.1:8080", null, port, pxe, null, 5, 5, null, null);
        try (DhcpServer server = DhcpServer.start(s, DhcpInventory.EMPTY, new Sightings(16), Optional.empty(), Clock.systemUTC());
             DatagramSocket c = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            c.setSoTimeout(2000);
            InetSocketAddress to = new InetSocketAddress(InetAddress.getLoopbackAddress(), pxe);
            for (byte[] junk : new byte[][] {new byte[0], new byte[239], new byte[400], "GET / HTTP/1.0\r\n".getBytes()}) {
                c.send(new DatagramPacket(junk, junk.length, to));
            }
            byte[] req = ipxeRequest("52:54:00:12:34:56");
            c.send(new DatagramPacket(req, req.length, to));
            DatagramPacket in = new DatagramPacket(new byte[1500], 1500);
            c.receive(in);
            DhcpPacket ack = DhcpPacket.decode(ByteBuffer.wrap(in.getData(), 0, in.getLength()));
            assertThat(ack.messageType()).contains(MessageType.ACK);
            assertThat(ack.xid()).isEqualTo(0x1234);
            assertThat(ack.file()).isEqualTo("http://127.0.0.1:8080/ipxe");
            assertThat(ack.yiaddr()).isEqualTo(DhcpPacket.ZERO);
            assertThat(server.counters().malformed()).isEqualTo(4);
            assertThat(server.sightings().lookup(MacAddress.parse("52:54:00:12:34:56")))
                    .hasValueSatisfying(v -> assertThat(v.uuid().orElseThrow().toString()).isEqualTo("8c5b0b4e-2f6a-4d1e-9a61-0123456789ab"));

            // a flood from one MAC: 5 answered (the burst), the rest dropped; another MAC still answered
            for (int i = 0; i < 50; i++) c.send(new DatagramPacket(ipxeRequest("02:00:00:00:00:01"), 300, to));
            c.send(new DatagramPacket(ipxeRequest("02:00:00:00:00:02"), 300, to));
            int answered = 0;
            boolean otherAnswered = false;
            c.setSoTimeout(500);
            try {
                while (true) {
                    c.receive(in);
                    answered++;
                    DhcpPacket p = DhcpPacket.decode(ByteBuffer.wrap(in.getData(), 0, in.getLength()));
                    if (MacAddress.of(p.hardwareAddress()).equals(MacAddress.parse("02:00:00:00:00:02"))) otherAnswered = true;
                }
            } catch (java.net.SocketTimeoutException done) {
                // all in
            }
            assertThat(otherAnswered).isTrue();
            assertThat(answered).isBetween(6, 8); // 5 + the other MAC (+ a token or two refilled meanwhile)
            assertThat(server.counters().rateLimited()).isGreaterThanOrEqualTo(43);
        }
    }
}
