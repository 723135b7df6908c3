package io.netrescue.dhcp;

import io.netrescue.inventory.MacAddress;
import java.net.Inet4Address;
import java.util.List;

/** What the DHCP responders need to know about the inventory; the server adapts its host cache to it. */
public interface DhcpInventory {
    boolean isKnown(MacAddress mac);

    /** The host's expected IPv4 addresses, in the inventory's order: full mode's reservations. */
    List<Inet4Address> expectedIps(MacAddress mac);

    /** Does a host other than the one with {@code mac} expect this address? Then the pool never hands it to {@code mac}. */
    boolean reservedForOther(Inet4Address ip, MacAddress mac);

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
        public boolean reservedForOther(Inet4Address ip, MacAddress mac) {
            return false;
        }
    };
}
