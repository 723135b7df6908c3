package io.netrescue.boot.pxe;

import io.netrescue.inventory.MacAddress;
import java.util.Optional;

/**
 * What the DHCP exchange told us about a machine that a TFTP request does not carry: its SMBIOS UUID
 * and architecture. PXELINUX and GRUB ask for their configuration by MAC only.
 */
@FunctionalInterface
public interface ClientHints {
    Optional<Hint> forMac(MacAddress mac);

    /** @param uuid as the machine reported it, may be empty; @param arch e.g. "x86_64", may be empty */
    record Hint(String uuid, String arch) {}

    ClientHints NONE = mac -> Optional.empty();
}
