package io.netrescue.server;

import io.netrescue.boot.BootPolicy;
import io.netrescue.boot.Durations;
import io.netrescue.boot.Profile;
import io.netrescue.dhcp.server.DhcpSettings;
import io.netrescue.tftp.server.TftpSettings;
import io.netrescue.inventory.Cidr;
import io.netrescue.inventory.InvalidInputException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.PropertyNamingStrategies;
import tools.jackson.dataformat.toml.TomlMapper;

/**
 * The server's configuration: embedded defaults, overridden by an optional TOML file, overridden by
 * command-line flags (which also read {@code NETRESCUE_*} environment variables). One record per
 * subsystem; {@link #validate()} names the setting that is wrong.
 */
public record ServerConfig(Http http, Store store, Boot boot, Api api, Sysrq sysrq, DhcpSettings dhcp, TftpSettings tftp, Console console,
                           io.netrescue.watchdog.server.WatchdogSettings watchdog, Jobs jobs) {

    /** @param maxOutputMb output stored per job (MiB); beyond, chunks are counted and the job marked truncated */
    public record Jobs(Integer maxOutputMb) {
        public Jobs {
            maxOutputMb = maxOutputMb == null ? 16 : maxOutputMb;
        }
    }

    /**
     * @param listen address:port the HTTP server binds; @param publicUrl how machines reach us (empty: from each request's Host header)
     * @param maxConnectionsPerSource open at once from one address (a NAT gateway in front of a rack counts once)
     * @param maxConnections open at once; 0: three quarters of the process's file descriptor limit
     * @param headerTimeout how long a request's headers may take to arrive (Jetty's idle timeout restarts on every byte)
     */
    public record Http(String listen, String publicUrl, String assets, Integer maxConnectionsPerSource, Integer maxConnections,
                       String headerTimeout) {
        public Http {
            listen = or(listen, "0.0.0.0:8080");
            publicUrl = or(publicUrl, "");
            assets = or(assets, "");
            maxConnectionsPerSource = maxConnectionsPerSource == null ? 256 : maxConnectionsPerSource;
            maxConnections = maxConnections == null ? 0 : maxConnections;
            headerTimeout = or(headerTimeout, "10s");
        }

        public Http(String listen, String publicUrl, String assets) {
            this(listen, publicUrl, assets, null, null, null);
        }

        Http with(String listen, String publicUrl, String assets) {
            return new Http(listen, publicUrl, assets, maxConnectionsPerSource, maxConnections, headerTimeout);
        }
    }

    /** @param journalSegmentMb size of one audit journal file; @param journalSegments how many are kept (the retention) */
    public record Store(String data, Integer journalSegmentMb, Integer journalSegments) {
        public Store {
            data = or(data, "./var");
            journalSegmentMb = journalSegmentMb == null ? 64 : journalSegmentMb;
            journalSegments = journalSegments == null ? 16 : journalSegments;
        }

        public Store(String data) {
            this(data, null, null);
        }
    }

    public long journalSegmentBytes() {
        return store.journalSegmentMb() * 1024L * 1024L;
    }

    public int journalSegments() {
        return store.journalSegments();
    }

    /** @param audit "async": decisions that change nothing are answered before their audit event is on disk; "sync": after */
    public record Boot(String unknownMachines, String rescueProfile, List<String> natSources, String localBoot, String tokenTtl,
                       String audit) {
        public Boot {
            audit = or(audit, "async");
            unknownMachines = or(unknownMachines, "local");
            rescueProfile = or(rescueProfile, "rescue");
            natSources = natSources == null ? List.of() : List.copyOf(natSources);
            localBoot = or(localBoot, "exit");
            tokenTtl = or(tokenTtl, "6h");
        }
    }

    /** @param openReads when true, GET requests to the API need no token (state changes always do) */
    public record Api(Boolean openReads) {
        public Api {
            openReads = openReads != null && openReads;
        }
    }

    /** @param maxRequests per host per {@code window}; @param agentTimeout how long to retransmit to an agent */
    public record Sysrq(Integer maxRequests, String window, String agentTimeout) {
        public Sysrq {
            maxRequests = maxRequests == null ? 6 : maxRequests;
            window = or(window, "10m");
            agentTimeout = or(agentTimeout, "6s");
        }
    }

    /** @param listen where netconsole UDP is received ("" = off), e.g. 0.0.0.0:6666; @param maxLogKb per host (twice this on disk at most) */
    public record Console(String listen, Integer maxLogKb) {
        public Console {
            listen = or(listen, "");
            maxLogKb = maxLogKb == null ? 1024 : maxLogKb;
        }
    }

    public ServerConfig {
        sysrq = sysrq == null ? new Sysrq(null, null, null) : sysrq;
        http = http == null ? new Http(null, null, null) : http;
        store = store == null ? new Store(null, null, null) : store;
        boot = boot == null ? new Boot(null, null, null, null, null, null) : boot;
        api = api == null ? new Api(null) : api;
        dhcp = dhcp == null ? DhcpSettings.defaults() : dhcp;
        tftp = tftp == null ? TftpSettings.defaults() : tftp;
        console = console == null ? new Console(null, null) : console;
        watchdog = watchdog == null ? io.netrescue.watchdog.server.WatchdogSettings.defaults() : watchdog;
        jobs = jobs == null ? new Jobs(null) : jobs;
    }

    public ServerConfig(Http http, Store store, Boot boot, Api api) {
        this(http, store, boot, api, null, null, null, null, null, null);
    }

    public static ServerConfig defaults() {
        return new ServerConfig(null, null, null, null, null, null, null, null, null, null);
    }

    public ServerConfig withHttp(Http h) {
        return new ServerConfig(h, store, boot, api, sysrq, dhcp, tftp, console, watchdog, jobs);
    }

    public ServerConfig withDhcp(DhcpSettings d) {
        return new ServerConfig(http, store, boot, api, sysrq, d, tftp, console, watchdog, jobs);
    }

    public ServerConfig withWatchdog(io.netrescue.watchdog.server.WatchdogSettings w) {
        return new ServerConfig(http, store, boot, api, sysrq, dhcp, tftp, console, w, jobs);
    }

    public ServerConfig withJobs(Jobs j) {
        return new ServerConfig(http, store, boot, api, sysrq, dhcp, tftp, console, watchdog, j);
    }

    public ServerConfig withConsole(Console c) {
        return new ServerConfig(http, store, boot, api, sysrq, dhcp, tftp, c, watchdog, jobs);
    }

    /** The netconsole listen address, or null when off. */
    public java.net.InetSocketAddress consoleListen() {
        if (console.listen().isEmpty()) return null;
        String l = console.listen();
        int c = l.lastIndexOf(':');
        try {
            if (c <= 0) throw new IllegalArgumentException();
            String h = l.substring(0, c);
            if (h.startsWith("[") && h.endsWith("]")) h = h.substring(1, h.length() - 1);
            int port = Integer.parseInt(l.substring(c + 1));
            if (port < 0 || port > 65535) throw new IllegalArgumentException();
            return new java.net.InetSocketAddress(java.net.InetAddress.ofLiteral(h), port);
        } catch (IllegalArgumentException e) {
            throw new InvalidInputException("console.listen '" + l + "' must be address:port with an IP address, e.g. 0.0.0.0:6666");
        }
    }

    public ServerConfig withTftp(TftpSettings t) {
        return new ServerConfig(http, store, boot, api, sysrq, dhcp, t, console, watchdog, jobs);
    }

    /**
     * The URL booted systems reach our HTTP server at, for configurations served over TFTP (which
     * has no Host header to learn it from): http.public-url, else the TFTP listen address with the
     * HTTP port. Empty when neither says it (then {@link #validate()} refuses a TFTP server).
     */
    public String tftpBaseUrl(int httpPort) {
        if (!http.publicUrl().isEmpty()) return http.publicUrl();
        if (!tftp.enabled()) return "";
        var a = tftp.listenAddress().getAddress();
        if (a.isAnyLocalAddress()) return "";
        String h = a.getHostAddress();
        return "http://" + (h.contains(":") ? "[" + h + "]" : h) + ":" + httpPort;
    }

    /** The [dhcp] settings with dhcp.http-url defaulting to http.public-url. */
    public DhcpSettings dhcpSettings() {
        return dhcp.withDefaultHttpUrl(http.publicUrl());
    }

    public static ServerConfig load(Path file) {
        TomlMapper m = TomlMapper.builder()
                .propertyNamingStrategy(PropertyNamingStrategies.KEBAB_CASE)
                .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .build();
        try {
            return m.readValue(Files.readString(file), ServerConfig.class).validate();
        } catch (IOException e) {
            throw new InvalidInputException("cannot read config " + file + ": " + e.getMessage());
        } catch (tools.jackson.core.JacksonException e) {
            throw new InvalidInputException("config " + file + ": " + e.getOriginalMessage());
        }
    }

    public ServerConfig withData(String data) {
        return data == null ? this : new ServerConfig(http, new Store(data, store.journalSegmentMb(), store.journalSegments()), boot, api, sysrq, dhcp, tftp, console, watchdog, jobs);
    }

    public ServerConfig withListen(String listen) {
        return listen == null ? this : new ServerConfig(http.with(listen, http.publicUrl(), http.assets()), store, boot, api, sysrq, dhcp, tftp, console, watchdog, jobs);
    }

    public ServerConfig withAssets(String assets) {
        return assets == null ? this : new ServerConfig(http.with(http.listen(), http.publicUrl(), assets), store, boot, api, sysrq, dhcp, tftp, console, watchdog, jobs);
    }

    public ServerConfig withPublicUrl(String url) {
        return url == null ? this : new ServerConfig(http.with(http.listen(), url, http.assets()), store, boot, api, sysrq, dhcp, tftp, console, watchdog, jobs);
    }

    public Path dataDir() {
        return Path.of(store.data());
    }

    public Path assetsDir() {
        return http.assets().isEmpty() ? dataDir().resolve("assets") : Path.of(http.assets());
    }

    public String listenHost() {
        return hostPort()[0];
    }

    public int listenPort() {
        return Integer.parseInt(hostPort()[1]);
    }

    private String[] hostPort() {
        String l = http.listen();
        int c = l.lastIndexOf(':');
        if (c <= 0) throw new InvalidInputException("http.listen '" + l + "' must be address:port, e.g. 0.0.0.0:8080");
        String host = l.substring(0, c);
        if (host.startsWith("[") && host.endsWith("]")) host = host.substring(1, host.length() - 1);
        String port = l.substring(c + 1);
        try {
            int p = Integer.parseInt(port);
            if (p < 0 || p > 65535) throw new NumberFormatException();
        } catch (NumberFormatException e) {
            throw new InvalidInputException("http.listen '" + l + "': bad port '" + port + "'");
        }
        return new String[] {host, port};
    }

    public BootPolicy bootPolicy() {
        BootPolicy.UnknownMachines unknown = switch (boot.unknownMachines().toLowerCase(Locale.ROOT)) {
            case "local" -> BootPolicy.UnknownMachines.LOCAL;
            case "rescue" -> BootPolicy.UnknownMachines.RESCUE;
            default -> throw new InvalidInputException("boot.unknown-machines must be 'local' or 'rescue', not '" + boot.unknownMachines() + "'");
        };
        BootPolicy.LocalBoot local = switch (boot.localBoot().toLowerCase(Locale.ROOT)) {
            case "exit" -> BootPolicy.LocalBoot.EXIT;
            case "sanboot" -> BootPolicy.LocalBoot.SANBOOT;
            default -> throw new InvalidInputException("boot.local-boot must be 'exit' or 'sanboot', not '" + boot.localBoot() + "'");
        };
        List<Cidr> nat;
        try {
            nat = boot.natSources().stream().map(Cidr::parse).toList();
        } catch (InvalidInputException e) {
            throw new InvalidInputException("boot.nat-sources: " + e.getMessage());
        }
        try {
            Profile.checkName(boot.rescueProfile());
        } catch (InvalidInputException e) {
            throw new InvalidInputException("boot.rescue-profile: " + e.getMessage());
        }
        return new BootPolicy(unknown, boot.rescueProfile(), nat, local);
    }

    /**
     * The HTTP connection limits; {@code maxConnections} 0 is three quarters of {@code fdLimit}, leaving
     * the rest to the store, the journal, TFTP transfers and the files being served.
     */
    public io.netrescue.http.ConnectionLimits connectionLimits(long fdLimit) {
        int total = http.maxConnections() > 0 ? http.maxConnections() : (int) Math.clamp(fdLimit / 4 * 3, 64, 1_000_000);
        return new io.netrescue.http.ConnectionLimits(http.maxConnectionsPerSource(), total, duration("http.header-timeout", http.headerTimeout()));
    }

    public Duration tokenTtl() {
        return duration("boot.token-ttl", boot.tokenTtl());
    }

    public Duration sysrqWindow() {
        return duration("sysrq.window", sysrq.window());
    }

    public Duration sysrqAgentTimeout() {
        return duration("sysrq.agent-timeout", sysrq.agentTimeout());
    }

    /** Parses a duration setting; the error names the setting. */
    private static Duration duration(String setting, String value) {
        try {
            return Durations.parse(value);
        } catch (InvalidInputException e) {
            throw new InvalidInputException(setting + ": " + e.getMessage());
        }
    }

    public boolean auditSync() {
        return switch (boot.audit().toLowerCase(Locale.ROOT)) {
            case "sync" -> true;
            case "async" -> false;
            default -> throw new InvalidInputException("boot.audit must be 'async' or 'sync', not '" + boot.audit() + "'");
        };
    }

    /** Checks every setting now, so a bad one stops the start-up with its name, not a later request. */
    public ServerConfig validate() {
        listenPort();
        bootPolicy();
        tokenTtl();
        auditSync();
        sysrqWindow();
        sysrqAgentTimeout();
        if (store.journalSegmentMb() < 1 || store.journalSegments() < 2) {
            throw new InvalidInputException("store.journal-segment-mb must be at least 1 and store.journal-segments at least 2");
        }
        if (http.maxConnectionsPerSource() < 1) throw new InvalidInputException("http.max-connections-per-source must be at least 1");
        if (http.maxConnections() < 0) throw new InvalidInputException("http.max-connections must be 0 (from the file descriptor limit) or more");
        if (duration("http.header-timeout", http.headerTimeout()).toMillis() < 100) {
            throw new InvalidInputException("http.header-timeout must be at least 100ms");
        }
        if (sysrq.maxRequests() < 1) throw new InvalidInputException("sysrq.max-requests must be at least 1");
        dhcpSettings().validate();
        tftp.validate();
        consoleListen();
        watchdog.validate();
        if (console.maxLogKb() < 16) throw new InvalidInputException("console.max-log-kb must be at least 16");
        if (jobs.maxOutputMb() < 1 || jobs.maxOutputMb() > 1024) throw new InvalidInputException("jobs.max-output-mb must be from 1 to 1024");
        if (tftp.enabled() && tftpBaseUrl(listenPort()).isEmpty()) {
            throw new InvalidInputException("tftp.listen " + tftp.listen() + " is a wildcard address: set http.public-url, the URL"
                    + " booted systems reach our HTTP server at (PXELINUX/GRUB configs over TFTP need it)");
        }
        String u = http.publicUrl();
        if (!u.isEmpty() && !u.matches("https?://[A-Za-z0-9.:\\[\\]-]+(/[A-Za-z0-9._~/-]*)?")) {
            throw new InvalidInputException("http.public-url '" + u + "' must be an http(s) URL such as http://10.0.0.1:8080");
        }
        return this;
    }

    private static String or(String v, String d) {
        return v == null ? d : v.strip();
    }
}
