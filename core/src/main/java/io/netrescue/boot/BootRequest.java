package io.netrescue.boot;

import java.net.InetAddress;
import java.util.Objects;

/**
 * One {@code /boot.ipxe} request as it arrived: the values the machine reports about itself
 * (untrusted, unparsed) and the source address we saw (trusted as far as the network is).
 */
public record BootRequest(String mac, String ip, String uuid, String arch, String platform, InetAddress source) {
    public BootRequest {
        Objects.requireNonNull(source);
        mac = nz(mac); ip = nz(ip); uuid = nz(uuid); arch = nz(arch); platform = nz(platform);
    }

    private static String nz(String s) {
        return s == null ? "" : s.strip();
    }
}
