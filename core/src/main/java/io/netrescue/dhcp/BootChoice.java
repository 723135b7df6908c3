package io.netrescue.dhcp;

/** The boot file for one client, or why it gets none. Pure: the same client always gets the same answer. */
public sealed interface BootChoice {
    /** @param file a TFTP path or an http URL; @param httpClient the reply must say vendor class HTTPClient */
    record Boot(String file, boolean httpClient) implements BootChoice {}

    /** @param notable worth a log line at info (a configuration gap), not just debug */
    record None(String reason, boolean notable) implements BootChoice {}

    static BootChoice choose(PxeClient c, BootConfig cfg) {
        if (!c.vendorClass().isBootFirmware()) return new None("not a PXE or HTTP boot client (option 60)", false);
        boolean http = c.vendorClass() == PxeClient.VendorClass.HTTP;
        // already iPXE: chainloading iPXE again would loop; send it to our script instead
        if (c.ipxe()) return new Boot(cfg.bootstrapUrl(), http);
        String name = switch (c.arch().family()) {
            case BIOS -> http ? null : cfg.bios();
            case EFI_X64 -> cfg.efiX64();
            case EFI_ARM64 -> cfg.efiArm64().orElse(null);
            case OTHER -> null;
        };
        if (name == null) {
            if (c.arch().family() == ClientArch.Family.EFI_ARM64) {
                return new None("ARM64 UEFI client but no ARM64 iPXE is configured (dhcp.ipxe.efi-arm64); Debian's ipxe package has none", true);
            }
            return new None("no iPXE build for architecture " + c.arch() + (http ? " over HTTP boot" : ""), true);
        }
        return http ? new Boot(cfg.binariesUrl() + "/" + name, true) : new Boot(name, false);
    }
}
