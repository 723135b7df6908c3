package io.netrescue.dhcp.server;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.netrescue.boot.Durations;
import io.netrescue.dhcp.BootConfig;
import io.netrescue.dhcp.FullConfig;
import io.netrescue.inventory.Cidr;
import io.netrescue.inventory.InvalidInputException;
import io.netrescue.inventory.IpAddresses;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The {@code [dhcp]} settings (kebab-case in TOML). Null fields take their defaults, like
 * {@code ServerConfig}'s records; {@link #validate()} names the setting that is wrong.
 *
 * @param mode "off" (default), "proxy" (ProxyDHCP next to the site's server) or "full" (we hand out addresses)
 * @param iface the interface to serve on (SO_BINDTODEVICE); empty: every interface
 * @param serverAddress the address we announce (option 54); empty: the interface's first IPv4 address
 * @param tftpAddress next-server (siaddr); empty: the server address
 * @param httpUrl how machines reach our HTTP server, e.g. http://10.0.0.1:8080 (the lead passes http.public-url)
 * @param knownOnly answer only machines in the inventory
 * @param ratePerSource requests a second one client MAC may make, {@code burst} at once
 */
public record DhcpSettings(String mode, @JsonProperty("interface") String iface, String serverAddress, String tftpAddress, String httpUrl, Boolean knownOnly,
                           Integer port, Integer pxePort, Integer clientPort, Integer ratePerSource, Integer burst,
                           Ipxe ipxe, Pool pool) {

    /** iPXE binaries, served by the lead's TFTP and HTTP servers; checked at start. */
    public record Ipxe(String dir, String bios, String efiX64, String efiArm64, String binariesPath, Boolean overrideSiteFilename) {
        public Ipxe(String dir, String bios, String efiX64, String efiArm64, String binariesPath) {
            this(dir, bios, efiX64, efiArm64, binariesPath, null);
        }

        public Ipxe {
            overrideSiteFilename = overrideSiteFilename == null || overrideSiteFilename;
            dir = or(dir, "/usr/lib/ipxe");
            bios = or(bios, "undionly.kpxe");
            // the firmware's own network driver (SNP): measured faster, and drives every NIC the firmware can PXE boot
            efiX64 = or(efiX64, "snponly.efi");
            efiArm64 = or(efiArm64, "");
            binariesPath = or(binariesPath, "/ipxe-bin");
        }
    }

    /** Full mode's network. @param subnet CIDR such as 10.88.0.0/24 */
    public record Pool(String rangeStart, String rangeEnd, String subnet, String router, List<String> dns, String leaseTime,
                       String offerHold, String declineHold) {
        public Pool {
            rangeStart = or(rangeStart, "");
            rangeEnd = or(rangeEnd, "");
            subnet = or(subnet, "");
            router = or(router, "");
            dns = dns == null ? List.of() : List.copyOf(dns);
            leaseTime = or(leaseTime, "12h");
            offerHold = or(offerHold, "30s");
            declineHold = or(declineHold, "10m");
        }
    }

    public enum Mode { OFF, PROXY, FULL }

    public DhcpSettings {
        mode = or(mode, "off");
        iface = or(iface, "");
        serverAddress = or(serverAddress, "");
        tftpAddress = or(tftpAddress, "");
        httpUrl = or(httpUrl, "");
        knownOnly = knownOnly != null && knownOnly;
        port = port == null ? 67 : port;
        pxePort = pxePort == null ? 4011 : pxePort;
        clientPort = clientPort == null ? 68 : clientPort;
        ratePerSource = ratePerSource == null ? 20 : ratePerSource;
        burst = burst == null ? 40 : burst;
        ipxe = ipxe == null ? new Ipxe(null, null, null, null, null) : ipxe;
        pool = pool == null ? new Pool(null, null, null, null, null, null, null, null) : pool;
    }

    public static DhcpSettings defaults() {
        return new DhcpSettings(null, null, null, null, null, null, null, null, null, null, null, null, null);
    }

    /** dhcp.http-url when it is set, else {@code publicUrl} (the server's http.public-url). */
    public DhcpSettings withDefaultHttpUrl(String publicUrl) {
        if (!httpUrl.isEmpty() || publicUrl == null) return this;
        return new DhcpSettings(mode, iface, serverAddress, tftpAddress, publicUrl, knownOnly, port, pxePort, clientPort, ratePerSource, burst, ipxe, pool);
    }

    public Mode modeValue() {
        return switch (mode.toLowerCase(Locale.ROOT)) {
            case "off" -> Mode.OFF;
            case "proxy" -> Mode.PROXY;
            case "full" -> Mode.FULL;
            default -> throw new InvalidInputException("dhcp.mode must be 'off', 'proxy' or 'full', not '" + mode + "'");
        };
    }

    /** Checks every setting, so a bad one stops the start with its name. Needs no root and opens no socket. */
    public DhcpSettings validate() {
        Mode m = modeValue();
        port("dhcp.port", port);
        port("dhcp.pxe-port", pxePort);
        port("dhcp.client-port", clientPort);
        if (ratePerSource < 1 || burst < 1) throw new InvalidInputException("dhcp.rate-per-source and dhcp.burst must be at least 1");
        if (m == Mode.OFF) return this;
        if (!iface.isEmpty()) {
            try {
                if (NetworkInterface.getByName(iface) == null) throw new InvalidInputException("dhcp.interface '" + iface + "' does not exist");
            } catch (SocketException e) {
                throw new InvalidInputException("dhcp.interface '" + iface + "': " + e.getMessage());
            }
        }
        serverAddressValue();
        tftpAddressValue();
        if (!httpUrl.matches("https?://[A-Za-z0-9.:\\[\\]-]+(/[A-Za-z0-9._~/-]*)?")) {
            throw new InvalidInputException("dhcp.http-url '" + httpUrl + "' must be an http(s) URL such as http://10.0.0.1:8080 (or set http.public-url)");
        }
        if (!ipxe.binariesPath().matches("/[A-Za-z0-9._~/-]*")) throw new InvalidInputException("dhcp.ipxe.binaries-path must start with / ");
        for (String[] f : new String[][] {{"bios", ipxe.bios()}, {"efi-x64", ipxe.efiX64()}, {"efi-arm64", ipxe.efiArm64()}}) {
            if (f[1].contains("..") || f[1].startsWith("/") || f[1].contains("\n")) {
                throw new InvalidInputException("dhcp.ipxe." + f[0] + " '" + f[1] + "' must be a relative name inside dhcp.ipxe.dir");
            }
        }
        if (m == Mode.FULL) fullConfig(null, Optional.empty());
        return this;
    }

    /** The start-up check: every binary we would hand out exists. The message says which and how to fix it. */
    public void checkIpxeBinaries() {
        Path dir = Path.of(ipxe.dir());
        List<String> missing = new ArrayList<>();
        for (String[] f : needed()) {
            if (!Files.isRegularFile(dir.resolve(f[1]))) missing.add(f[1] + " (dhcp.ipxe." + f[0] + ")");
        }
        if (!missing.isEmpty()) {
            throw new InvalidInputException("iPXE binaries missing in " + dir + " (dhcp.ipxe.dir): " + String.join(", ", missing)
                    + "; install Debian's ipxe package or point dhcp.ipxe.dir at a directory that has them");
        }
    }

    /** Settings name and file name of each binary clients may be sent to. */
    public List<String[]> needed() {
        List<String[]> n = new ArrayList<>();
        n.add(new String[] {"bios", ipxe.bios()});
        n.add(new String[] {"efi-x64", ipxe.efiX64()});
        if (!ipxe.efiArm64().isEmpty()) n.add(new String[] {"efi-arm64", ipxe.efiArm64()});
        return n;
    }

    public Inet4Address serverAddressValue() {
        if (!serverAddress.isEmpty()) return v4("dhcp.server-address", serverAddress);
        if (iface.isEmpty()) throw new InvalidInputException("dhcp.server-address is needed when dhcp.interface is not set (the address clients reach us at)");
        try {
            NetworkInterface ni = NetworkInterface.getByName(iface);
            if (ni != null) {
                for (var a : ni.getInterfaceAddresses()) if (a.getAddress() instanceof Inet4Address v4) return v4;
            }
        } catch (SocketException e) {
            throw new InvalidInputException("dhcp.interface '" + iface + "': " + e.getMessage());
        }
        throw new InvalidInputException("dhcp.interface '" + iface + "' has no IPv4 address: set dhcp.server-address");
    }

    public Inet4Address tftpAddressValue() {
        return tftpAddress.isEmpty() ? serverAddressValue() : v4("dhcp.tftp-address", tftpAddress);
    }

    public BootConfig bootConfig() {
        String base = httpUrl.endsWith("/") ? httpUrl.substring(0, httpUrl.length() - 1) : httpUrl;
        return new BootConfig(tftpAddressValue(), base + "/ipxe", base + ipxe.binariesPath(), ipxe.bios(), ipxe.efiX64(),
                ipxe.efiArm64().isEmpty() ? Optional.empty() : Optional.of(ipxe.efiArm64()), ipxe.overrideSiteFilename());
    }

    /** Full mode's configuration; {@code boot} empty when PXE boot files are not to be given out. */
    public FullConfig fullConfig(Inet4Address server, Optional<BootConfig> boot) {
        Inet4Address us = server == null ? serverAddressValue() : server;
        if (pool.subnet().isEmpty() || pool.rangeStart().isEmpty() || pool.rangeEnd().isEmpty()) {
            throw new InvalidInputException("dhcp.mode = \"full\" needs dhcp.pool.subnet, dhcp.pool.range-start and dhcp.pool.range-end");
        }
        Cidr subnet;
        try {
            subnet = Cidr.parse(pool.subnet());
        } catch (InvalidInputException e) {
            throw new InvalidInputException("dhcp.pool.subnet: " + e.getMessage());
        }
        if (!(subnet.network() instanceof Inet4Address net)) throw new InvalidInputException("dhcp.pool.subnet must be IPv4");
        List<Inet4Address> dns = new ArrayList<>();
        for (String d : pool.dns()) dns.add(v4("dhcp.pool.dns", d));
        try {
            return new FullConfig(us, net, subnet.prefix(), v4("dhcp.pool.range-start", pool.rangeStart()), v4("dhcp.pool.range-end", pool.rangeEnd()),
                    pool.router().isEmpty() ? Optional.empty() : Optional.of(v4("dhcp.pool.router", pool.router())), dns,
                    duration("dhcp.pool.lease-time", pool.leaseTime()), duration("dhcp.pool.offer-hold", pool.offerHold()),
                    duration("dhcp.pool.decline-hold", pool.declineHold()), boot, knownOnly);
        } catch (IllegalArgumentException e) {
            throw new InvalidInputException("dhcp.pool: " + e.getMessage());
        }
    }

    private static Duration duration(String setting, String v) {
        try {
            return Durations.parse(v);
        } catch (InvalidInputException e) {
            throw new InvalidInputException(setting + ": " + e.getMessage());
        }
    }

    private static Inet4Address v4(String setting, String text) {
        InetAddress a;
        try {
            a = IpAddresses.parse(text);
        } catch (InvalidInputException e) {
            throw new InvalidInputException(setting + ": " + e.getMessage());
        }
        if (!(a instanceof Inet4Address v4)) throw new InvalidInputException(setting + " '" + text + "' must be an IPv4 address");
        return v4;
    }

    private static void port(String setting, int p) {
        if (p < 1 || p > 65535) throw new InvalidInputException(setting + " " + p + " is not a port (1-65535)");
    }

    private static String or(String v, String d) {
        return v == null ? d : v.strip();
    }
}
