package io.netrescue.dhcp;

import io.netrescue.inventory.MacAddress;
import java.net.Inet4Address;
import java.util.List;
import java.util.Optional;

/** What the DHCP responders need to know about the inventory; the server adapts its host cache to it. */
public interface DhcpInventory {
    boolean isKnown(MacAddress mac);

    /** The host's expected IPv4 addresses, in the inventory's order: full mode's reservations. */
    List<Inet4Address> expectedIps(MacAddress mac);

    /** The MAC of the host that expects this address, so the pool never hands it out. */
    Optional<MacAddress> reservedFor(Inet4Address ip);

    DhcpInventory EMPTY = new DhcpInventory() {
        @Override
        public boolean isKnown(MacAddress mac) {
            return false;
        }

        @Override
        public List<Inet4Address> expectedIps(MacAddress mac) {
            return List.of();
        }

        @Override
        public Optional<MacAddress> reservedFor(Inet4Address ip) {
            return Optional.empty();
        }
    };
}
