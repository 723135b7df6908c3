package io.netrescue.dhcp;

import io.netrescue.inventory.MacAddress;
import io.netrescue.inventory.SmbiosUuid;
import java.time.Instant;
import java.util.Optional;

/** A PXE or HTTP boot client we heard from: what PXELINUX/GRUB decisions need to know and cannot ask. */
public record Sighting(MacAddress mac, Optional<SmbiosUuid> uuid, ClientArch arch, boolean ipxe, Instant seenAt) {
    public static Sighting of(PxeClient c, Instant now) {
        return new Sighting(c.mac(), c.uuid(), c.arch(), c.ipxe(), now);
    }
}
