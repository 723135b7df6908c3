package io.netrescue.dhcp;

import io.netrescue.inventory.MacAddress;
import java.net.Inet4Address;
import java.time.Instant;

/**
 * One address's state in full DHCP mode. A lease that has run out ({@code expires} passed) or was
 * released is free again but still remembers its last MAC, so a returning client gets its old address.
 */
public record Lease(Inet4Address ip, MacAddress mac, State state, Instant expires) {
    public enum State {
        /** offered, held for a short while for the client's REQUEST; never stored */
        OFFERED,
        BOUND,
        RELEASED,
        /** the client found the address in use (DECLINE): nobody gets it until {@code expires} */
        DECLINED
    }

    public boolean activeAt(Instant now) {
        return state != State.RELEASED && expires.isAfter(now);
    }
}
