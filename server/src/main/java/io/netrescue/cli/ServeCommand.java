package io.netrescue.cli;

import io.netrescue.server.NetrescueServer;
import io.netrescue.server.ServerConfig;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "serve", description = "Run the server (HTTP boot endpoints, assets, API) until stopped.")
final class ServeCommand implements Callable<Integer> {
    @Mixin HelpOptions help;
    @Option(names = "--config", paramLabel = "FILE", defaultValue = "${env:NETRESCUE_CONFIG}",
            description = "TOML configuration file (env NETRESCUE_CONFIG); built-in defaults otherwise.")
    Path config;

    @Option(names = "--data", paramLabel = "DIR", defaultValue = "${env:NETRESCUE_DATA}",
            description = "Data directory: database, API token (default ./var).")
    String data;

    @Option(names = "--listen", paramLabel = "ADDR:PORT", defaultValue = "${env:NETRESCUE_LISTEN}",
            description = "HTTP listen address (default 0.0.0.0:8080).")
    String listen;

    @Option(names = "--assets", paramLabel = "DIR", defaultValue = "${env:NETRESCUE_ASSETS}",
            description = "Directory served at /assets/ (default DATA/assets).")
    String assets;

    @Option(names = "--public-url", paramLabel = "URL", defaultValue = "${env:NETRESCUE_PUBLIC_URL}",
            description = "URL machines use to reach this server (default: the Host header of each request).")
    String publicUrl;

    @Option(names = "--dhcp", paramLabel = "MODE", defaultValue = "${env:NETRESCUE_DHCP}",
            description = "DHCP service: off (default), proxy (ProxyDHCP beside the site's DHCP server) or full.")
    String dhcpMode;

    @Option(names = "--dhcp-interface", paramLabel = "IFACE", defaultValue = "${env:NETRESCUE_DHCP_INTERFACE}",
            description = "Serve DHCP on this interface only (default: all).")
    String dhcpInterface;

    @Option(names = "--tftp", paramLabel = "ADDR:PORT", defaultValue = "${env:NETRESCUE_TFTP}",
            description = "Serve TFTP (assets, iPXE binaries, PXELINUX/GRUB configs) here, e.g. 10.0.0.1:69 (default: off).")
    String tftpListen;

    @Option(names = "--netconsole", paramLabel = "ADDR:PORT", defaultValue = "${env:NETRESCUE_NETCONSOLE}",
            description = "Receive kernels' netconsole here, e.g. 0.0.0.0:6666 (default: off).")
    String netconsole;

    @Option(names = "--heartbeats", paramLabel = "ADDR:PORT", defaultValue = "${env:NETRESCUE_HEARTBEATS}",
            description = "Receive agents' heartbeats here (default 0.0.0.0:6100; \"\" for none).")
    String heartbeats;

    @Option(names = "--probe", paramLabel = "tcp:PORT|icmp", defaultValue = "${env:NETRESCUE_PROBE}",
            description = "Probe hosts without an agent at their first expected IP (default: no probes).")
    String probe;

    @Override
    public Integer call() throws Exception {
        ServerConfig c = (config == null ? ServerConfig.defaults() : ServerConfig.load(config))
                .withData(data).withListen(listen).withAssets(assets).withPublicUrl(publicUrl);
        if (dhcpMode != null || dhcpInterface != null) {
            var d = c.dhcp();
            c = c.withDhcp(new io.netrescue.dhcp.server.DhcpSettings(dhcpMode == null ? d.mode() : dhcpMode,
                    dhcpInterface == null ? d.iface() : dhcpInterface, d.serverAddress(), d.tftpAddress(), d.httpUrl(), d.knownOnly(),
                    d.port(), d.pxePort(), d.clientPort(), d.ratePerSource(), d.burst(), d.ipxe(), d.pool()));
        }
        if (tftpListen != null) c = c.withTftp(c.tftp().withListen(tftpListen));
        if (netconsole != null) c = c.withConsole(new ServerConfig.Console(netconsole, c.console().maxLogKb()));
        if (heartbeats != null) c = c.withWatchdog(c.watchdog().withListen(heartbeats));
        if (probe != null) {
            var w = c.watchdog();
            c = c.withWatchdog(w.withTiming(w.interval(), w.downAfter(), probe, w.probeInterval()));
        }
        c = c.validate();
        NetrescueServer server = new NetrescueServer(c, Clock.systemUTC());
        try {
            server.start();
        } catch (java.io.IOException e) {
            server.close();
            throw new CliException("cannot start: " + e.getMessage());
        }
        Runtime.getRuntime().addShutdownHook(new Thread(server::close, "shutdown"));
        server.join();
        return 0;
    }
}
