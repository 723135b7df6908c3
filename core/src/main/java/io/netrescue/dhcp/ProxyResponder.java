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

    /**
     * iPXE encapsulated option 175, sub-option 1 (priority) = 1. iPXE files a ProxyDHCP reply as its own
     * settings block beside the interface's DHCP settings and takes the filename from the block sorted
     * first: by this priority, then by arrival. Without it, a site DHCP server that names a boot file
     * for every client (undionly.kpxe) wins over our /ipxe URL and iPXE loads undionly again, forever
     * (BiosChainQemuTest; iPXE src/core/settings.c reprioritise_settings). Sent to iPXE clients only,
     * unless dhcp.ipxe.override-site-filename is false (a site whose own DHCP filename must win).
     */
    static final DhcpOption IPXE_PRIORITY = new DhcpOption(175, new byte[] {1, 1, 1});

    private DhcpPacket reply(DhcpPacket req, PxeClient c, MessageType type, BootChoice.Boot b) {
        List<DhcpOption> o = Replies.head(type, serverAddress);
        o.add(DhcpOption.of(DhcpOption.VENDOR_CLASS, b.httpClient() ? "HTTPClient" : "PXEClient"));
        if (!b.httpClient()) o.add(Replies.PXE_NO_DISCOVERY);
        req.option(DhcpOption.CLIENT_UUID).ifPresent(u -> o.add(new DhcpOption(DhcpOption.CLIENT_UUID, u)));
        if (c.ipxe() && boot.overrideSiteFilename()) o.add(IPXE_PRIORITY);
        String file = Replies.fileField(b.file(), o);
        Inet4Address ciaddr = type == MessageType.ACK ? c.ciaddr() : DhcpPacket.ZERO;
        return Replies.reply(req, ciaddr, DhcpPacket.ZERO, b.httpClient() ? DhcpPacket.ZERO : boot.tftpServer(), file, o);
    }
}
