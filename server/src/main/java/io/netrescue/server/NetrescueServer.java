package io.netrescue.server;

import io.netrescue.api.ApiHandler;
import io.netrescue.api.NetbootApi;
import io.netrescue.api.SysrqApi;
import io.netrescue.sysrq.client.RateLimiter;
import io.netrescue.sysrq.client.SysrqService;
import io.netrescue.sysrq.client.SysrqStore;
import io.netrescue.boot.BootDecider;
import io.netrescue.boot.http.BootHandler;
import io.netrescue.boot.http.BootService;
import io.netrescue.boot.pxe.ClientHints;
import io.netrescue.boot.pxe.PxeConfigService;
import io.netrescue.console.server.ConsoleLog;
import io.netrescue.console.server.HostByAddress;
import io.netrescue.console.server.NetconsoleReceiver;
import io.netrescue.dhcp.Sightings;
import io.netrescue.inventory.MacAddress;
import io.netrescue.inventory.server.BootModeService;
import io.netrescue.inventory.server.EventService;
import io.netrescue.inventory.server.HostService;
import io.netrescue.inventory.server.ProfileService;
import io.netrescue.tftp.server.TftpFile;
import io.netrescue.tftp.server.TftpFileSource;
import io.netrescue.tftp.server.TftpServer;
import io.netrescue.dhcp.server.DhcpServer;
import io.netrescue.dhcp.server.DhcpSettings;
import io.netrescue.dhcp.server.InventoryDhcpView;
import io.netrescue.dhcp.server.LeaseStore;
import io.netrescue.secrets.ApiToken;
import io.netrescue.secrets.MasterKey;
import io.netrescue.store.AuditJournal;
import io.netrescue.store.Database;
import io.netrescue.store.EventStore;
import io.netrescue.store.GroupCommitWriter;
import io.netrescue.store.HostStore;
import io.netrescue.store.InventoryCache;
import io.netrescue.store.ProfileStore;
import io.netrescue.store.TokenStore;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Optional;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.ContextHandler;
import org.eclipse.jetty.server.handler.ResourceHandler;
import org.eclipse.jetty.util.resource.ResourceFactory;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Wires the store, the decision service and the HTTP endpoints together, and runs them. */
public final class NetrescueServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(NetrescueServer.class);

    private final ServerConfig config;
    private final Clock clock;
    private Database db;
    private GroupCommitWriter writer;
    private AuditJournal journal;
    private Server jetty;
    private ServerConnector connector;
    private DhcpServer dhcp;
    private TftpServer tftp;
    private NetconsoleReceiver netconsole;
    private ConsoleLog consoleLog;
    private volatile io.netrescue.watchdog.server.Watchdog watchdog;
    private io.netrescue.job.server.JobService jobs;
    private io.netrescue.boot.trial.KernelTrials trials;
    private final Sightings sightings = new Sightings(SIGHTINGS);
    /** Boot clients remembered (MAC -> UUID, arch) between their DHCP exchange and their TFTP lookups. */
    private static final int SIGHTINGS = 65_536;

    public NetrescueServer(ServerConfig config, Clock clock) {
        this.config = config.validate();
        this.clock = clock;
    }

    public NetrescueServer start() throws Exception {
        Path data = config.dataDir();
        Path assets = config.assetsDir();
        io.netrescue.secrets.OwnerOnly.createDirectories(data); // 0700 when we make it: the store and the secrets live there
        Files.createDirectories(assets);
        ApiToken token = ApiToken.loadOrCreate(data);
        MasterKey master = MasterKey.loadOrCreate(data);
        db = Database.openEmbedded(data);
        HostStore hosts = new HostStore(db);
        ProfileStore profiles = new ProfileStore();
        journal = new AuditJournal(data.resolve("journal"), config.journalSegmentBytes(), config.journalSegments());
        EventStore events = new EventStore(db, Optional.of(journal));
        writer = new GroupCommitWriter(db, events);
        InventoryCache inventory = new InventoryCache(db, hosts, profiles);
        HostService hostService = new HostService(db, hosts, events, inventory, clock);
        BootModeService bootModes = new BootModeService(db, hosts, profiles, events, inventory, clock);
        EventService eventService = new EventService(db, events, clock);
        consoleLog = new ConsoleLog(data.resolve("console"), config.console().maxLogKb() * 1024L);
        BootService boot = new BootService(db, hosts, inventory, events, new TokenStore(), writer,
                new BootDecider(config.bootPolicy()), clock, config.tokenTtl(), config.auditSync());

        SysrqService sysrqService = new SysrqService(db, new SysrqStore(), events, master, clock,
                new RateLimiter(config.sysrq().maxRequests(), config.sysrqWindow()), config.sysrqAgentTimeout());
        io.netrescue.power.server.PowerService power = new io.netrescue.power.server.PowerService(db, hosts, new io.netrescue.power.server.PowerStore(), events,
                master, clock, 3, java.time.Duration.ofSeconds(1));

        ProfileService profileService = new ProfileService(db, profiles, events, inventory, clock);
        io.netrescue.rescue.server.RescueImages rescueImages = new io.netrescue.rescue.server.RescueImages(assets);
        String rescueProfile = config.bootPolicy().rescueProfile();
        try {
            rescueImages.register(profileService, rescueProfile, "netrescue");
        } catch (RuntimeException e) { // a damaged image must not keep the server down: activations report it
            log.atError().addKeyValue("error", e.getMessage()).log("rescue image not registered");
        }
        Runnable imageCheck = () -> {
            Optional<io.netrescue.boot.Profile> p;
            try {
                p = rescueImages.register(profileService, rescueProfile, "netrescue");
            } catch (RuntimeException e) {
                throw new io.netrescue.rescue.RescueConflict("the rescue image is not usable: " + e.getMessage());
            }
            if (p.isEmpty()) throw new io.netrescue.rescue.RescueConflict("there is no rescue system to boot: build it with"
                    + " `netrescue rescue image build` (or add a profile named " + rescueProfile + ")");
        };
        java.util.function.Supplier<java.util.OptionalInt> heartbeatPort = () -> watchdog == null ? java.util.OptionalInt.empty()
                : watchdog.heartbeatAddress().map(a -> java.util.OptionalInt.of(a.getPort())).orElse(java.util.OptionalInt.empty());
        io.netrescue.rescue.server.Reboots reboots = new io.netrescue.rescue.server.Reboots(power, sysrqService);
        io.netrescue.rescue.server.SshKeyStore sshKeys = new io.netrescue.rescue.server.SshKeyStore();
        io.netrescue.rescue.server.RescueService rescue = new io.netrescue.rescue.server.RescueService(db, hosts, new io.netrescue.rescue.server.RescueStore(),
                sshKeys, events, bootModes, new TokenStore(), reboots, config.bootPolicy().rescueProfile(), clock,
                new io.netrescue.rescue.server.RescueService.RescueSystem(imageCheck,
                        sysrqService::rescueAgentConfig, heartbeatPort, new io.netrescue.rescue.server.RescueService.LadderHold() {
                            @Override public void hold(String host, java.time.Duration d, String reason, String replaces, String actor) {
                                if (watchdog != null) watchdog.hold(host, d, reason, replaces, actor);
                            }

                            @Override public void release(String host, String reason, String actor) {
                                if (watchdog != null) watchdog.release(host, reason, actor);
                            }
                        }));
        jobs = new io.netrescue.job.server.JobService(db, hosts, new io.netrescue.job.server.JobStore(), events, rescue, clock,
                config.jobs().maxOutputMb() * 1024L * 1024L).start();
        io.netrescue.boot.trial.KexecManifests kexecManifests = new io.netrescue.boot.trial.KexecManifests(assets.toRealPath(), clock);

        // Handlers run on virtual threads: they block on the store without tying up a platform thread.
        QueuedThreadPool pool = new QueuedThreadPool(200, 8);
        pool.setName("http");
        pool.setVirtualThreadsExecutor(java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor());
        jetty = new Server(pool);
        jetty.setErrorHandler(new io.netrescue.http.JsonErrorHandler()); // {"error": ...} for 404, 414, 431, a refused path...
        HttpConfiguration hc = new HttpConfiguration();
        hc.setSendServerVersion(false);
        connector = new ServerConnector(jetty, 1, 1, new HttpConnectionFactory(hc));
        connector.setHost(config.listenHost());
        connector.setPort(config.listenPort());
        connector.setAcceptQueueSize(1024);
        io.netrescue.http.ConnectionLimits limits = config.connectionLimits(fdLimit());
        io.netrescue.http.ConnectionGuard.install(connector, limits);
        log.atInfo().addKeyValue("per_source", limits.perSource()).addKeyValue("total", limits.total())
                .addKeyValue("header_timeout", limits.headerTimeout()).log("HTTP connection limits");
        jetty.addConnector(connector);

        DhcpSettings dhcpSettings = config.dhcpSettings();
        if (dhcpSettings.modeValue() != DhcpSettings.Mode.OFF) dhcpSettings.checkIpxeBinaries(); // before binding anything

        ResourceHandler files = new ResourceHandler();
        files.setBaseResource(ResourceFactory.of(jetty).newResource(assets.toRealPath()));
        files.setDirAllowed(false);
        files.setUseFileMapping(true);
        ContextHandler assetsContext = new ContextHandler(files, "/assets");
        io.netrescue.rescue.server.RefusalLimiter refusals = io.netrescue.rescue.server.RescueHandler.refusalLimiter();
        jetty.setHandler(new Handler.Sequence(
                assetsContext,
                ipxeBinaries(dhcpSettings),
                new BootHandler(boot, config.http().publicUrl()),
                new io.netrescue.boot.trial.KexecManifestHandler(kexecManifests),
                new io.netrescue.rescue.server.RescueHandler(rescue, java.time.Clock.systemUTC(), refusals),
                new io.netrescue.job.server.JobHandler(jobs, java.time.Clock.systemUTC(), refusals,
                        new io.netrescue.job.server.AgentAuth(java.time.Clock.systemUTC(), sysrqService::hostKey)),
                new ApiHandler(hostService, profileService, bootModes, eventService,
                        token, config.api().openReads(), new SysrqApi(sysrqService, host -> watchdog == null ? java.util.Optional.empty() : watchdog.xtSysrq(host)),
                        new NetbootApi(this::dhcp, this::tftp, new LeaseStore(db), inventory), consoleLog,
                        new io.netrescue.api.WatchdogApi(this::watchdog, power, () -> trials), new io.netrescue.api.RescueApi(rescue),
                        new io.netrescue.api.SshKeyApi(new io.netrescue.rescue.server.SshKeyService(db, hosts, sshKeys, events, clock)),
                        new io.netrescue.api.JobApi(jobs, rescue, clock))));
        jetty.start();
        watchdog = new io.netrescue.watchdog.server.Watchdog(config.watchdog(), db, hosts, new io.netrescue.watchdog.server.HealthStore(),
                events, master.bytes(), clock, new io.netrescue.watchdog.server.LadderEffects(rescue, reboots, eventService,
                io.netrescue.watchdog.server.HandsOnWebhook.from(config.watchdog(), clock), this::consoleTail, jobs::pending), rescue::rescueAgent).followInventory(inventory::onHostChange).start();
        sysrqService.rescueAgents(rescue::rescueAgent);
        trials = new io.netrescue.boot.trial.KernelTrials(db, hosts, profiles, inventory, events, power, this::watchdog, sysrqService,
                kexecManifests, new TokenStore(), this::kexecBaseUrl, clock, java.time.Duration.ofSeconds(1));
        if (dhcpSettings.modeValue() != DhcpSettings.Mode.OFF) {
            InventoryDhcpView view = new InventoryDhcpView(inventory, hostService::list, java.time.Duration.ofSeconds(5), clock);
            dhcp = DhcpServer.start(dhcpSettings, view, sightings,
                    dhcpSettings.modeValue() == DhcpSettings.Mode.FULL ? Optional.of(new LeaseStore(db)) : Optional.empty(), clock);
        }
        HostByAddress addresses = new HostByAddress(hostService::list, clock, java.time.Duration.ofSeconds(5));
        boot.onHostSeen(addresses::seen);
        if (config.consoleListen() != null) {
            netconsole = new NetconsoleReceiver(config.consoleListen(), consoleLog, addresses, writer, clock);
        }
        if (config.tftp().enabled()) {
            int httpPort = connector.getLocalPort();
            PxeConfigService pxe = new PxeConfigService(boot, () -> config.tftpBaseUrl(httpPort), this::hint, clock);
            TftpFileSource generated = (path, client) -> pxe.render(path, client.getAddress()).map(c -> TftpFile.of(c.bytes(), c.apply()));
            tftp = new TftpServer(config.tftp(), generated.or(ipxeBinariesOverTftp(dhcpSettings)).or(TftpFileSource.directory(assets))).start();
        }
        eventService.record(null, "server.started", "server", "listening on " + url());
        log.atInfo().addKeyValue("url", url()).addKeyValue("data", data.toAbsolutePath()).addKeyValue("assets", assets.toAbsolutePath())
                .log("netrescue serving");
        return this;
    }

    /**
     * The iPXE binaries the DHCP server hands out, over HTTP for UEFI HTTP boot clients. Only the
     * configured file names are served, not the whole directory.
     */
    private Handler ipxeBinaries(DhcpSettings d) {
        java.util.Set<String> names = new java.util.HashSet<>();
        for (String[] n : d.needed()) names.add(n[1]);
        Path dir = Path.of(d.ipxe().dir());
        String prefix = d.ipxe().binariesPath().replaceAll("/+$", "") + "/";
        return new Handler.Abstract() {
            @Override
            public boolean handle(org.eclipse.jetty.server.Request req, org.eclipse.jetty.server.Response resp, org.eclipse.jetty.util.Callback cb) throws Exception {
                String path = org.eclipse.jetty.server.Request.getPathInContext(req);
                if (!path.startsWith(prefix) || !names.contains(path.substring(prefix.length()))
                        || !(org.eclipse.jetty.http.HttpMethod.GET.is(req.getMethod()) || org.eclipse.jetty.http.HttpMethod.HEAD.is(req.getMethod()))) {
                    return false;
                }
                Path f = dir.resolve(path.substring(prefix.length()));
                if (!Files.isRegularFile(f)) return false;
                byte[] body = Files.readAllBytes(f); // a few hundred KiB, fetched once per UEFI HTTP boot
                resp.setStatus(200);
                resp.getHeaders().put(org.eclipse.jetty.http.HttpHeader.CONTENT_TYPE, "application/efi");
                resp.getHeaders().put(org.eclipse.jetty.http.HttpHeader.CONTENT_LENGTH, body.length);
                resp.write(true, org.eclipse.jetty.http.HttpMethod.HEAD.is(req.getMethod()) ? java.nio.ByteBuffer.allocate(0) : java.nio.ByteBuffer.wrap(body), cb);
                return true;
            }
        };
    }

    /**
     * This process's file descriptor limit. HotSpot has already raised the soft limit to the hard one
     * ({@code -XX:+MaxFDLimit}, on by default), so this is the hard limit the service was given.
     */
    private static long fdLimit() {
        return java.lang.management.ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.UnixOperatingSystemMXBean u
                ? u.getMaxFileDescriptorCount() : 4096;
    }

    /** The iPXE binaries the DHCP server names, by file name at the TFTP root. */
    private static TftpFileSource ipxeBinariesOverTftp(DhcpSettings d) {
        java.util.Set<String> names = new java.util.HashSet<>();
        for (String[] n : d.needed()) names.add(n[1]);
        Path dir = Path.of(d.ipxe().dir());
        return (path, client) -> {
            if (!names.contains(path)) return Optional.empty();
            Path f = dir.resolve(path);
            if (!Files.isRegularFile(f)) return Optional.empty();
            return Optional.of(TftpFile.of(java.nio.channels.FileChannel.open(f)));
        };
    }

    private Optional<ClientHints.Hint> hint(MacAddress mac) {
        return sightings.lookup(mac).map(s -> new ClientHints.Hint(s.uuid(), s.arch()));
    }

    private java.util.List<String> consoleTail(String host) {
        try {
            return consoleLog.tail(host, 30).lines();
        } catch (java.io.IOException | RuntimeException e) {
            return java.util.List.of();
        }
    }

    /** The watchdog (liveness and the escalation ladder); empty before start. */
    public Optional<io.netrescue.watchdog.server.Watchdog> watchdog() {
        return Optional.ofNullable(watchdog);
    }

    /** The netconsole receiver, when {@code console.listen} is set. */
    public Optional<NetconsoleReceiver> netconsole() {
        return Optional.ofNullable(netconsole);
    }

    /** The TFTP server, when {@code tftp.listen} is set. */
    public Optional<TftpServer> tftp() {
        return Optional.ofNullable(tftp);
    }

    /** The ProxyDHCP/DHCP server, when {@code dhcp.mode} is not off. */
    public Optional<DhcpServer> dhcp() {
        return Optional.ofNullable(dhcp);
    }

    /** The URL hosts reach us at, for kexec manifests: public-url, or the listen address unless it is a wildcard. */
    private Optional<String> kexecBaseUrl() {
        String pub = config.http().publicUrl();
        if (!pub.isEmpty()) return Optional.of(pub.endsWith("/") ? pub.substring(0, pub.length() - 1) : pub);
        String h = config.listenHost();
        if (h.isEmpty() || h.equals("0.0.0.0") || h.equals("::")) return Optional.empty();
        return Optional.of(url().toString());
    }

    /** The URL of the running server (with the real port when 0 was asked for). */
    public URI url() {
        String h = config.listenHost();
        if (h.equals("0.0.0.0") || h.isEmpty()) h = "127.0.0.1";
        if (h.equals("::")) h = "::1";
        if (h.contains(":")) h = "[" + h + "]";
        return URI.create("http://" + h + ":" + connector.getLocalPort());
    }

    public void join() throws InterruptedException {
        jetty.join();
    }

    @Override
    public void close() {
        if (trials != null) trials.close();
        if (watchdog != null) watchdog.close();
        if (jobs != null) jobs.close();
        if (netconsole != null) netconsole.close();
        if (consoleLog != null) consoleLog.close();
        if (dhcp != null) dhcp.close();
        if (tftp != null) tftp.close();
        try {
            if (jetty != null) jetty.stop();
        } catch (Exception e) {
            log.atWarn().addKeyValue("error", e.toString()).log("HTTP server did not stop cleanly");
        }
        if (writer != null) writer.close();
        if (db != null) db.close();
        try {
            if (journal != null) journal.close();
        } catch (java.io.IOException e) {
            log.atWarn().addKeyValue("error", e.toString()).log("audit journal did not close cleanly");
        }
    }

}
