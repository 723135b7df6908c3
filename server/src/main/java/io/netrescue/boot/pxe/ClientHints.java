package io.netrescue.boot.pxe;

import io.netrescue.dhcp.ClientArch;
import io.netrescue.inventory.MacAddress;
import io.netrescue.inventory.SmbiosUuid;
import java.util.Optional;

/**
 * What the DHCP exchange told us about a machine that a TFTP request does not carry: its SMBIOS UUID
 * and architecture. PXELINUX and GRUB ask for their configuration by MAC only.
 */
@FunctionalInterface
public interface ClientHints {
    Optional<Hint> forMac(MacAddress mac);

    /** @param uuid from DHCP option 97, if the machine sent a real one; @param arch from option 93 */
    record Hint(Optional<SmbiosUuid> uuid, ClientArch arch) {}

    ClientHints NONE = mac -> Optional.empty();
}
