package io.netrescue.dhcp;

import java.net.Inet4Address;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Full DHCP mode's network: a pool inside one subnet, what clients are told, and the PXE boot
 * instructions given in the same reply (empty: addresses only).
 */
public record FullConfig(Inet4Address serverAddress, Inet4Address network, int prefixLength, Inet4Address poolStart,
                         Inet4Address poolEnd, Optional<Inet4Address> router, List<Inet4Address> dns, Duration leaseTime,
                         Duration offerHold, Duration declineHold, Optional<BootConfig> boot, boolean knownOnly) {
    public static final int MAX_POOL = 1 << 16;

    public FullConfig {
        dns = List.copyOf(dns);
        if (prefixLength < 8 || prefixLength > 30) throw new IllegalArgumentException("prefix length " + prefixLength + " is not 8-30");
        if (!inSubnet(poolStart, network, prefixLength) || !inSubnet(poolEnd, network, prefixLength)) {
            throw new IllegalArgumentException("the pool " + poolStart.getHostAddress() + "-" + poolEnd.getHostAddress() + " is not inside the subnet");
        }
        long size = (DhcpPacket.bits(poolEnd) & 0xFFFFFFFFL) - (DhcpPacket.bits(poolStart) & 0xFFFFFFFFL) + 1;
        if (size < 1 || size > MAX_POOL) throw new IllegalArgumentException("the pool must hold 1-" + MAX_POOL + " addresses, not " + size);
        if (leaseTime.toSeconds() < 60 || leaseTime.toSeconds() > 0xFFFFFFFEL) throw new IllegalArgumentException("lease time must be 60 s or more");
    }

    public int mask() {
        return (int) (0xFFFFFFFFL << (32 - prefixLength));
    }

    public boolean inSubnet(Inet4Address a) {
        return inSubnet(a, network, prefixLength);
    }

    public static boolean inSubnet(Inet4Address a, Inet4Address network, int prefix) {
        int m = (int) (0xFFFFFFFFL << (32 - prefix));
        return (DhcpPacket.bits(a) & m) == (DhcpPacket.bits(network) & m);
    }

    public boolean inPool(Inet4Address a) {
        long x = DhcpPacket.bits(a) & 0xFFFFFFFFL;
        return x >= (DhcpPacket.bits(poolStart) & 0xFFFFFFFFL) && x <= (DhcpPacket.bits(poolEnd) & 0xFFFFFFFFL);
    }

    /** Neither the network nor the broadcast address of the subnet, nor our own. */
    public boolean assignable(Inet4Address a) {
        int host = DhcpPacket.bits(a) & ~mask();
        return inSubnet(a) && host != 0 && host != ~mask() && !a.equals(serverAddress);
    }
}
