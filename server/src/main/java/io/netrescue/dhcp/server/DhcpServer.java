package io.netrescue.dhcp.server;

import io.netrescue.dhcp.BootConfig;
import io.netrescue.dhcp.Decision;
import io.netrescue.dhcp.DhcpInventory;
import io.netrescue.dhcp.DhcpPacket;
import io.netrescue.dhcp.FullConfig;
import io.netrescue.dhcp.FullResponder;
import io.netrescue.dhcp.MalformedDhcpException;
import io.netrescue.dhcp.ProxyResponder;
import io.netrescue.dhcp.PxeClient;
import io.netrescue.dhcp.ReceivedOn;
import io.netrescue.dhcp.ReplyRouting;
import io.netrescue.dhcp.Sighting;
import io.netrescue.dhcp.Sightings;
import io.netrescue.dhcp.SourceRateLimit;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The DHCP transport: one platform thread per socket (67, and 4011 in proxy mode) that receives,
 * decodes, rate-limits, asks the pure responder, stores lease changes durably when there are any,
 * and sends the reply where {@link ReplyRouting} says. A bad datagram is counted and dropped; no
 * datagram can end a receive loop.
 */
public final class DhcpServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(DhcpServer.class);
    private static final Duration NOTABLE_LOG_EVERY = Duration.ofMinutes(1);

    private final DhcpSettings settings;
    private final Sightings sightings;
    private final Clock clock;
    private final Optional<ProxyResponder> proxy;
    private final Optional<FullResponder> full;
    private final Optional<LeaseStore> leases;
    private final SourceRateLimit rateLimit;
    private final DhcpCounters counters = new DhcpCounters();
    private final List<UdpEndpoint> endpoints = new ArrayList<>();
    private final List<Thread> threads = new ArrayList<>();
    /** When each notable reason was last logged: a misconfiguration shows once a minute, not per packet. */
    private final Map<String, Instant> notableLogged = new ConcurrentHashMap<>();

    private DhcpServer(DhcpSettings settings, DhcpInventory inventory, Sightings sightings, Optional<LeaseStore> leases, Clock clock) {
        this.settings = settings;
        this.sightings = sightings;
        this.clock = clock;
        this.leases = leases;
        this.rateLimit = new SourceRateLimit(settings.ratePerSource(), settings.burst(), 65_536);
        Inet4Address us = settings.serverAddressValue();
        BootConfig boot = settings.bootConfig();
        if (settings.modeValue() == DhcpSettings.Mode.PROXY) {
            proxy = Optional.of(new ProxyResponder(us, boot, settings.knownOnly(), inventory));
            full = Optional.empty();
        } else {
            FullConfig cfg = settings.fullConfig(us, Optional.of(boot));
            LeaseStore store = leases.orElseThrow(() -> new IllegalArgumentException("full mode needs a lease store"));
            full = Optional.of(new FullResponder(cfg, inventory, store.loadAll()));
            proxy = Optional.empty();
        }
    }

    /**
     * Validates the settings, checks the iPXE binaries, binds the sockets and starts serving.
     * {@code leases} is required in full mode (and unused in proxy mode).
     */
    public static DhcpServer start(DhcpSettings settings, DhcpInventory inventory, Sightings sightings, Optional<LeaseStore> leases, Clock clock)
            throws IOException {
        settings.validate();
        if (settings.modeValue() == DhcpSettings.Mode.OFF) throw new IllegalArgumentException("dhcp.mode is off: nothing to start");
        settings.checkIpxeBinaries();
        DhcpServer s = new DhcpServer(settings, inventory, sightings, leases, clock);
        try {
            s.open(settings.port(), ReceivedOn.DHCP);
            if (s.proxy.isPresent()) s.open(settings.pxePort(), ReceivedOn.PXE);
        } catch (IOException | RuntimeException e) {
            s.close();
            throw e;
        }
        log.atInfo().addKeyValue("mode", settings.modeValue()).addKeyValue("interface", settings.iface().isEmpty() ? "*" : settings.iface())
                .addKeyValue("server", settings.serverAddressValue().getHostAddress()).addKeyValue("port", settings.port())
                .addKeyValue("pxe_port", s.proxy.isPresent() ? settings.pxePort() : null).addKeyValue("known_only", settings.knownOnly())
                .log("dhcp started");
        return s;
    }

    private void open(int port, ReceivedOn kind) throws IOException {
        InetAddress any = InetAddress.ofLiteral("0.0.0.0");
        UdpEndpoint ep = settings.iface().isEmpty() ? new JdkUdpEndpoint(any, port) : new LinuxUdpSocket(settings.iface(), any, port);
        endpoints.add(ep);
        Thread t = Thread.ofPlatform().name("dhcp-" + port).daemon().start(() -> loop(ep, kind));
        threads.add(t);
    }

    public DhcpSettings settings() {
        return settings;
    }

    public DhcpCounters.Snapshot counters() {
        return counters.snapshot();
    }

    public Sightings sightings() {
        return sightings;
    }

    private void loop(UdpEndpoint ep, ReceivedOn kind) {
        byte[] buf = new byte[DhcpPacket.MAX_SIZE + 1];
        while (!Thread.currentThread().isInterrupted()) {
            UdpEndpoint.Received r;
            try {
                r = ep.receive(buf);
            } catch (IOException e) {
                if (closed) return;
                log.atWarn().addKeyValue("port", ep.localPort()).addKeyValue("error", e.getMessage()).log("dhcp receive failed");
                continue;
            }
            if (r == null) {
                if (closed) return;
                continue;
            }
            try {
                handle(ep, kind, ByteBuffer.wrap(buf, 0, r.length()), r.source());
            } catch (RuntimeException e) { // a bug must not end the loop: count it as a drop and say so
                counters.malformed.increment();
                log.atError().addKeyValue("source", r.source()).setCause(e).log("dhcp request handling failed");
            }
        }
    }

    private void handle(UdpEndpoint ep, ReceivedOn kind, ByteBuffer data, InetSocketAddress source) {
        counters.received.increment();
        DhcpPacket req;
        PxeClient c;
        try {
            req = DhcpPacket.decode(data);
            c = PxeClient.parse(req);
        } catch (MalformedDhcpException e) {
            counters.malformed.increment();
            log.atDebug().addKeyValue("source", source).addKeyValue("reason", e.getMessage()).log("dhcp malformed, dropped");
            return;
        }
        if (!rateLimit.tryAcquire(c.mac().value(), System.nanoTime())) {
            counters.rateLimited.increment();
            notable("rate-limited " + c.mac(), () -> log.atWarn().addKeyValue("mac", c.mac()).addKeyValue("rate", settings.ratePerSource())
                    .log("dhcp client over its rate limit; its requests are dropped"));
            return;
        }
        Instant now = clock.instant();
        if (c.vendorClass().isBootFirmware()) sightings.record(Sighting.of(c, now));
        Decision d = proxy.isPresent() ? proxy.get().respond(req, c, kind) : full.orElseThrow().respond(req, c, now);
        switch (d) {
            case Decision.Silent s -> {
                counters.silent.increment();
                if (!store(s.durable(), now, c)) return;
                if (s.notable()) {
                    notable(s.reason(), () -> log.atWarn().addKeyValue("mac", c.mac()).addKeyValue("arch", c.arch())
                            .addKeyValue("reason", s.reason()).log("dhcp client not answered"));
                } else {
                    log.atDebug().addKeyValue("mac", c.mac()).addKeyValue("type", c.type()).addKeyValue("reason", s.reason()).log("dhcp no reply");
                }
            }
            case Decision.Reply r -> {
                if (!store(r.durable(), now, c)) return; // no ACK for a lease we could not make durable
                InetSocketAddress to = ReplyRouting.destination(req, r.packet(), kind, source, settings.clientPort(), settings.port());
                try {
                    ep.send(r.packet().encode(), to);
                    counters.replied.increment();
                } catch (IOException e) {
                    counters.sendFailed.increment();
                    log.atWarn().addKeyValue("to", to).addKeyValue("error", e.getMessage()).log("dhcp send failed");
                    return;
                }
                if (log.isDebugEnabled()) {
                    log.atDebug().addKeyValue("mac", c.mac()).addKeyValue("type", r.packet().messageType().orElse(null))
                            .addKeyValue("yiaddr", r.packet().yiaddr().getHostAddress()).addKeyValue("file", r.packet().file())
                            .addKeyValue("arch", c.arch()).addKeyValue("ipxe", c.ipxe()).addKeyValue("to", to).log("dhcp reply");
                }
            }
        }
    }

    private boolean store(List<io.netrescue.dhcp.Lease> changes, Instant now, PxeClient c) {
        if (changes.isEmpty()) return true;
        try {
            leases.orElseThrow().save(changes, now);
            for (var l : changes) {
                log.atInfo().addKeyValue("mac", l.mac()).addKeyValue("ip", l.ip().getHostAddress()).addKeyValue("state", l.state())
                        .addKeyValue("expires", l.expires()).log("dhcp lease");
            }
            return true;
        } catch (RuntimeException e) {
            counters.storeFailed.increment();
            log.atError().addKeyValue("mac", c.mac()).setCause(e).log("dhcp lease not stored; no reply sent");
            return false;
        }
    }

    private void notable(String key, Runnable logIt) {
        Instant now = clock.instant();
        if (notableLogged.size() > 10_000) notableLogged.clear(); // spoofed MACs must not grow this without bound
        Instant last = notableLogged.get(key);
        if (last == null || !last.plus(NOTABLE_LOG_EVERY).isAfter(now)) {
            notableLogged.put(key, now);
            logIt.run();
        }
    }

    /** The ports actually bound, in order (67-equivalent first). */
    public List<Integer> ports() {
        return endpoints.stream().map(UdpEndpoint::localPort).toList();
    }

    private volatile boolean closed;

    @Override
    public void close() {
        closed = true;
        endpoints.forEach(UdpEndpoint::close);
        for (Thread t : threads) {
            try {
                t.join(2000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

}
