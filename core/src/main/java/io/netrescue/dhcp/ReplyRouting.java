package io.netrescue.dhcp;

import java.net.Inet4Address;
import java.net.InetSocketAddress;

/**
 * Where a reply goes (RFC 2131 section 4.1, PXE 2.1): to the relay at giaddr, back to the sender
 * of a port-4011 request, to ciaddr when the client has an address, else broadcast. Unicast to
 * yiaddr before the client has the address would need an ARP entry we cannot add from Java, so
 * such replies are broadcast, which RFC 2131 allows.
 */
public final class ReplyRouting {
    public static final Inet4Address BROADCAST = DhcpPacket.v4(-1);

    private ReplyRouting() {}

    public static InetSocketAddress destination(DhcpPacket req, DhcpPacket reply, ReceivedOn port, InetSocketAddress source,
                                                int clientPort, int relayPort) {
        if (!DhcpPacket.isZero(req.giaddr())) return new InetSocketAddress(req.giaddr(), relayPort);
        if (port == ReceivedOn.PXE) return source;
        boolean nak = reply.messageType().filter(t -> t == MessageType.NAK).isPresent();
        if (!nak && !DhcpPacket.isZero(req.ciaddr())) return new InetSocketAddress(req.ciaddr(), clientPort);
        return new InetSocketAddress(BROADCAST, clientPort);
    }
}
