package io.netrescue.dhcp;

import java.net.Inet4Address;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

/**
 * Full DHCP mode (RFC 2131 section 4.3) for isolated provisioning networks: addresses from a pool,
 * reservations from the inventory, and the PXE boot file in the same reply, like a site server set
 * up for PXE. Pure: time is an argument; the caller stores {@link Decision.Reply#durable()} before
 * it sends an ACK. Calls are serialized, since the lease table is shared state.
 */
public final class FullResponder {
    private final FullConfig cfg;
    private final DhcpInventory inventory;
    private final LeaseTable leases;

    public FullResponder(FullConfig cfg, DhcpInventory inventory, Collection<Lease> stored) {
        this.cfg = cfg;
        this.inventory = inventory;
        this.leases = new LeaseTable(cfg, inventory, stored);
    }

    public synchronized Decision respond(DhcpPacket req, PxeClient c, Instant now) {
        if (cfg.knownOnly() && !inventory.isKnown(c.mac())) return new Decision.Silent("not in the inventory (dhcp.known-only)");
        return switch (c.type()) {
            case DISCOVER -> leases.offer(c.mac(), c.requestedIp(), now)
                    .<Decision>map(ip -> new Decision.Reply(lease(req, c, MessageType.OFFER, ip)))
                    .orElseGet(() -> new Decision.Silent("no free address in the pool", true, List.of()));
            case REQUEST -> request(req, c, now);
            case RELEASE -> leases.release(c.mac(), c.ciaddr(), now)
                    .<Decision>map(l -> new Decision.Silent("released", false, List.of(l)))
                    .orElseGet(() -> new Decision.Silent("RELEASE of an address the client does not hold"));
            case DECLINE -> c.requestedIp().flatMap(ip -> leases.decline(c.mac(), ip, now))
                    .<Decision>map(l -> new Decision.Silent("declined: " + l.ip().getHostAddress() + " is in use by someone else", true, List.of(l)))
                    .orElseGet(() -> new Decision.Silent("DECLINE of an address the client does not hold"));
            case INFORM -> new Decision.Reply(inform(req, c));
            case OFFER, ACK, NAK -> new Decision.Silent(c.type() + " is a server's message");
        };
    }

    private Decision request(DhcpPacket req, PxeClient c, Instant now) {
        Optional<Inet4Address> sid = c.serverId();
        if (sid.isPresent() && !sid.get().equals(cfg.serverAddress())) {
            leases.cancelOffer(c.mac()); // the client took another server's offer
            return new Decision.Silent("REQUEST for server " + sid.get().getHostAddress());
        }
        // SELECTING and INIT-REBOOT name the address in option 50; RENEWING and REBINDING in ciaddr
        Inet4Address ip = c.requestedIp().orElse(c.ciaddr());
        if (DhcpPacket.isZero(ip)) return new Decision.Silent("REQUEST names no address");
        Optional<Lease> bound = leases.bind(c.mac(), ip, now);
        if (bound.isEmpty()) return new Decision.Reply(nak(req, "address " + ip.getHostAddress() + " is not yours"));
        return new Decision.Reply(lease(req, c, MessageType.ACK, ip), List.of(bound.get()));
    }

    private DhcpPacket lease(DhcpPacket req, PxeClient c, MessageType type, Inet4Address yiaddr) {
        List<DhcpOption> o = Replies.head(type, cfg.serverAddress());
        long secs = cfg.leaseTime().toSeconds();
        o.add(DhcpOption.ofInt(DhcpOption.LEASE_TIME, (int) secs));
        o.add(DhcpOption.ofInt(DhcpOption.RENEWAL_TIME, (int) (secs / 2)));
        o.add(DhcpOption.ofInt(DhcpOption.REBINDING_TIME, (int) (secs * 7 / 8)));
        network(o);
        Boot b = boot(c, o);
        String file = Replies.fileField(b.file, o);
        return Replies.reply(req, type == MessageType.ACK ? c.ciaddr() : DhcpPacket.ZERO, yiaddr, b.siaddr, file, o);
    }

    private DhcpPacket inform(DhcpPacket req, PxeClient c) {
        List<DhcpOption> o = Replies.head(MessageType.ACK, cfg.serverAddress());
        network(o);
        Boot b = boot(c, o);
        return Replies.reply(req, c.ciaddr(), DhcpPacket.ZERO, b.siaddr, Replies.fileField(b.file, o), o);
    }

    private DhcpPacket nak(DhcpPacket req, String why) {
        List<DhcpOption> o = Replies.head(MessageType.NAK, cfg.serverAddress());
        o.add(DhcpOption.of(DhcpOption.MESSAGE, why));
        // RFC 2131 4.3.2: a NAK carries no addresses and the client must broadcast-restart
        DhcpPacket nak = Replies.reply(req, DhcpPacket.ZERO, DhcpPacket.ZERO, DhcpPacket.ZERO, "", o);
        return new DhcpPacket(nak.op(), nak.htype(), nak.hlen(), 0, nak.xid(), 0, nak.flags() | DhcpPacket.FLAG_BROADCAST,
                nak.ciaddr(), nak.yiaddr(), nak.siaddr(), nak.giaddr(), nak.chaddr(), "", "", nak.options());
    }

    private void network(List<DhcpOption> o) {
        o.add(DhcpOption.ofInt(DhcpOption.SUBNET_MASK, cfg.mask()));
        cfg.router().ifPresent(r -> o.add(new DhcpOption(DhcpOption.ROUTER, r.getAddress())));
        if (!cfg.dns().isEmpty()) {
            byte[] d = new byte[4 * cfg.dns().size()];
            for (int i = 0; i < cfg.dns().size(); i++) System.arraycopy(cfg.dns().get(i).getAddress(), 0, d, 4 * i, 4);
            o.add(new DhcpOption(DhcpOption.DNS, d));
        }
    }

    private record Boot(String file, Inet4Address siaddr) {}

    private Boot boot(PxeClient c, List<DhcpOption> o) {
        if (cfg.boot().isEmpty() || !c.vendorClass().isBootFirmware()) return new Boot("", DhcpPacket.ZERO);
        return switch (BootChoice.choose(c, cfg.boot().get())) {
            case BootChoice.None n -> new Boot("", DhcpPacket.ZERO); // still gets its address
            case BootChoice.Boot b -> {
                if (b.httpClient()) o.add(DhcpOption.of(DhcpOption.VENDOR_CLASS, "HTTPClient")); // UEFI HTTP boot requires it
                yield new Boot(b.file(), b.httpClient() ? DhcpPacket.ZERO : cfg.boot().get().tftpServer());
            }
        };
    }

}
