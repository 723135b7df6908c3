package io.netrescue.server;

import io.netrescue.api.ApiHandler;
import io.netrescue.api.SysrqApi;
import io.netrescue.sysrq.client.RateLimiter;
import io.netrescue.sysrq.client.SysrqService;
import io.netrescue.sysrq.client.SysrqStore;
import io.netrescue.boot.BootDecider;
import io.netrescue.boot.http.BootHandler;
import io.netrescue.boot.http.BootService;
import io.netrescue.store.AuditJournal;
import io.netrescue.store.Database;
import io.netrescue.store.Event;
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

    public NetrescueServer(ServerConfig config, Clock clock) {
        this.config = config.validate();
        this.clock = clock;
    }

    public NetrescueServer start() throws Exception {
        Path data = config.dataDir();
        Path assets = config.assetsDir();
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
        BootService boot = new BootService(db, hosts, inventory, events, new TokenStore(), writer,
                new BootDecider(config.bootPolicy()), clock, config.tokenTtl(), config.auditSync());

        // Handlers run on virtual threads: they block on the store without tying up a platform thread.
        QueuedThreadPool pool = new QueuedThreadPool(200, 8);
        pool.setName("http");
        pool.setVirtualThreadsExecutor(java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor());
        jetty = new Server(pool);
        HttpConfiguration hc = new HttpConfiguration();
        hc.setSendServerVersion(false);
        connector = new ServerConnector(jetty, 1, 1, new HttpConnectionFactory(hc));
        connector.setHost(config.listenHost());
        connector.setPort(config.listenPort());
        connector.setAcceptQueueSize(1024);
        jetty.addConnector(connector);

        ResourceHandler files = new ResourceHandler();
        files.setBaseResource(ResourceFactory.of(jetty).newResource(assets.toRealPath()));
        files.setDirAllowed(false);
        files.setUseFileMapping(true);
        ContextHandler assetsContext = new ContextHandler(files, "/assets");
        jetty.setHandler(new Handler.Sequence(
                assetsContext,
                new BootHandler(boot, config.http().publicUrl()),
                new ApiHandler(db, hosts, profiles, inventory, events, token, config.api().openReads(), clock,
                        new SysrqApi(new SysrqService(db, new SysrqStore(), events, master, clock,
                                new RateLimiter(config.sysrq().maxRequests(), config.sysrqWindow()), config.sysrqAgentTimeout())))));
        jetty.start();
        db.inWriteTransaction(h -> {
            events.append(h, Event.of(clock.instant(), null, "server.started", "server", "listening on " + url()));
            return null;
        });
        log.atInfo().addKeyValue("url", url()).addKeyValue("data", data.toAbsolutePath()).addKeyValue("assets", assets.toAbsolutePath())
                .log("netrescue serving");
        return this;
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
