package io.netrescue.boot;

import io.netrescue.inventory.HostName;
import io.netrescue.inventory.InvalidInputException;
import io.netrescue.inventory.MacAddress;
import io.netrescue.inventory.SmbiosUuid;
import java.net.InetAddress;
import java.util.List;
import java.util.Optional;
import java.util.SortedMap;

/**
 * A machine in the inventory. {@code version} increases with every change of its boot state, so a
 * decision can be applied with compare-and-set.
 */
public record Host(
        String name,
        List<MacAddress> macs,
        Optional<SmbiosUuid> uuid,
        List<InetAddress> expectedIps,
        SortedMap<String, String> labels,
        BootState boot,
        long version) {

    public Host {
        HostName.check(name);
        macs = List.copyOf(macs);
        expectedIps = List.copyOf(expectedIps);
        labels = java.util.Collections.unmodifiableSortedMap(new java.util.TreeMap<>(labels));
        if (macs.isEmpty()) throw new InvalidInputException("host " + name + " needs at least one MAC address");
    }
}
