package io.netrescue.dhcp;

import java.net.Inet4Address;
import java.util.List;

/**
 * ProxyDHCP (PXE specification 2.1, section 2.2.5): answers PXE and HTTP boot firmware with boot
 * instructions only, next to the site's DHCP server that hands out the addresses. Never offers an
 * address: yiaddr is always 0.0.0.0. Pure: the same request gives the same answer.
 *
 * @param knownOnly answer only machines in the inventory
 */
public record ProxyResponder(Inet4Address serverAddress, BootConfig boot, boolean knownOnly, DhcpInventory inventory) {

    public Decision respond(DhcpPacket req, PxeClient c, ReceivedOn port) {
        if (!c.vendorClass().isBootFirmware()) return new Decision.Silent("not a PXE or HTTP boot client (option 60)");
        MessageType answer = switch (port) {
            // The site server answers REQUESTs on 67; a ProxyDHCP ACK there would carry no address.
            case DHCP -> c.type() == MessageType.DISCOVER ? MessageType.OFFER : null;
            case PXE -> c.type() == MessageType.REQUEST || c.type() == MessageType.INFORM ? MessageType.ACK : null;
        };
        if (answer == null) return new Decision.Silent(c.type() + " on the " + port + " port is not ProxyDHCP's to answer");
        if (knownOnly && !inventory.isKnown(c.mac())) return new Decision.Silent("not in the inventory (dhcp.known-only)");
        return switch (BootChoice.choose(c, boot)) {
            case BootChoice.None n -> new Decision.Silent(n.reason(), n.notable(), List.of());
            case BootChoice.Boot b -> new Decision.Reply(reply(req, c, answer, b));
        };
    }

    private DhcpPacket reply(DhcpPacket req, PxeClient c, MessageType type, BootChoice.Boot b) {
        List<DhcpOption> o = Replies.head(type, serverAddress);
        o.add(DhcpOption.of(DhcpOption.VENDOR_CLASS, b.httpClient() ? "HTTPClient" : "PXEClient"));
        if (!b.httpClient()) o.add(Replies.PXE_NO_DISCOVERY);
        req.option(DhcpOption.CLIENT_UUID).ifPresent(u -> o.add(new DhcpOption(DhcpOption.CLIENT_UUID, u)));
        String file = Replies.fileField(b.file(), o);
        Inet4Address ciaddr = type == MessageType.ACK ? c.ciaddr() : DhcpPacket.ZERO;
        return Replies.reply(req, ciaddr, DhcpPacket.ZERO, b.httpClient() ? DhcpPacket.ZERO : boot.tftpServer(), file, o);
    }
}
