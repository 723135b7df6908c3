package io.netrescue.boot.pxe;

import io.netrescue.boot.BootFormat;
import io.netrescue.boot.BootRequest;
import io.netrescue.boot.PxeConfigPath;
import io.netrescue.boot.http.BootService;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Answers PXELINUX's {@code pxelinux.cfg/01-<mac>} and GRUB's {@code grub.cfg-01-<mac>} with the
 * machine's boot decision, so TFTP-booted sites get the same decisions, checks and audit trail as
 * iPXE. Other lookups (UUID, hex IP, default) are left to the static files, which normally have none,
 * so the loader moves on to the MAC file.
 *
 * <p>The reported address is the TFTP client's address: TFTP has no other, and the reply goes to that
 * address, so a machine elsewhere cannot read a neighbour's decision (or its per-boot token) without
 * being on the path between them.
 */
public final class PxeConfigService {
    /**
     * GRUB 2.06 reads {@code grub.cfg-01-MAC} twice per boot, about 50 ms apart (its config search
     * opens it, then normal mode reads it). Each read must not be a decision of its own: the first
     * would spend a once and the second, the one GRUB runs, would say "local". So a client that
     * asks again for the same file within this window gets the same bytes, without a new decision.
     * Short, because a machine that reboots within it would get the same answer again.
     */
    static final Duration REPEAT_WINDOW = Duration.ofSeconds(5);
    private static final int MAX_REMEMBERED = 4096;

    private final BootService boot;
    private final Supplier<String> baseUrl;
    private final ClientHints hints;
    private final Clock clock;
    private record Key(InetAddress client, String path) {}
    private record Served(byte[] bytes, Runnable apply, Instant at) {}
    /** Requests for one key are decided one at a time, so a concurrent repeat waits and reuses the answer. */
    private final Object[] stripes = new Object[64];
    private final Map<Key, Served> recent = new LinkedHashMap<>(64, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Key, Served> e) {
            return size() > MAX_REMEMBERED;
        }
    };

    /** @param baseUrl how booted systems reach our HTTP server (the {@code {server}} variable) */
    public PxeConfigService(BootService boot, Supplier<String> baseUrl, ClientHints hints, Clock clock) {
        this.boot = boot;
        this.baseUrl = baseUrl;
        this.hints = hints;
        this.clock = clock;
        for (int i = 0; i < stripes.length; i++) stripes[i] = new Object();
    }

    /**
     * The configuration for {@code path} requested by {@code client}, and what applies its decision (a
     * once spent, a token issued, the audit): to be run once the client proved its address by
     * acknowledging what it was sent ({@link BootService#decideUnproven}). Empty when the path is not ours.
     */
    public record Config(byte[] bytes, Runnable apply) {}

    public Optional<Config> render(String path, InetAddress client) {
        return PxeConfigPath.parse(path).flatMap(p -> switch (p) {
            case PxeConfigPath.Skipped s -> Optional.<Config>empty();
            case PxeConfigPath.ByMac m -> {
                Key key = new Key(client, path);
                synchronized (stripes[Math.floorMod(key.hashCode(), stripes.length)]) {
                    Instant now = clock.instant();
                    synchronized (recent) {
                        Served s = recent.get(key);
                        if (s != null && s.at().plus(REPEAT_WINDOW).isAfter(now)) yield Optional.of(new Config(s.bytes(), s.apply()));
                    }
                    Optional<ClientHints.Hint> h = hints.forMac(m.mac());
                    String platform = m.format() == BootFormat.PXELINUX ? "pcbios" : "";
                    BootRequest req = new BootRequest(m.mac(), Optional.of(client), h.flatMap(ClientHints.Hint::uuid),
                            h.map(x -> x.arch().toString()).orElse(""), platform, client);
                    BootService.Pending pending = boot.decideUnproven(BootRequest.Parsed.of(req), baseUrl.get(), m.format());
                    byte[] bytes = pending.text().getBytes(StandardCharsets.UTF_8);
                    Runnable apply = pending::apply; // idempotent: a repeat read shares it
                    synchronized (recent) {
                        recent.put(key, new Served(bytes, apply, now));
                    }
                    yield Optional.of(new Config(bytes, apply));
                }
            }
        });
    }
}
