package io.netrescue.dhcp;

import java.net.Inet4Address;
import java.util.Optional;

/**
 * Where PXE and HTTP boot clients are sent.
 *
 * @param tftpServer siaddr (next-server): where firmware fetches the TFTP boot file
 * @param bootstrapUrl our iPXE bootstrap script ({@code <public-url>/ipxe}), for clients that are already iPXE
 * @param binariesUrl base URL of the same iPXE binaries over HTTP, for UEFI HTTP boot clients
 * @param efiArm64 empty when no ARM64 iPXE is configured: such clients are not answered
 * @param overrideSiteFilename tell iPXE clients to prefer our reply's filename over the site DHCP
 *     server's (iPXE priority 1, see {@link ProxyResponder#IPXE_PRIORITY})
 */
public record BootConfig(Inet4Address tftpServer, String bootstrapUrl, String binariesUrl,
                         String bios, String efiX64, Optional<String> efiArm64, boolean overrideSiteFilename) {
    public BootConfig {
        binariesUrl = binariesUrl.endsWith("/") ? binariesUrl.substring(0, binariesUrl.length() - 1) : binariesUrl;
    }

    public BootConfig(Inet4Address tftpServer, String bootstrapUrl, String binariesUrl, String bios, String efiX64, Optional<String> efiArm64) {
        this(tftpServer, bootstrapUrl, binariesUrl, bios, efiX64, efiArm64, true);
    }
}
