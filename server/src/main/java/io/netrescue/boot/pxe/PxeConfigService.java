package io.netrescue.boot.pxe;

import io.netrescue.boot.BootFormat;
import io.netrescue.boot.BootRequest;
import io.netrescue.boot.PxeConfigPath;
import io.netrescue.boot.http.BootService;
import io.netrescue.inventory.IpAddresses;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
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
    private final BootService boot;
    private final Supplier<String> baseUrl;
    private final ClientHints hints;

    /** @param baseUrl how booted systems reach our HTTP server (the {@code {server}} variable) */
    public PxeConfigService(BootService boot, Supplier<String> baseUrl, ClientHints hints) {
        this.boot = boot;
        this.baseUrl = baseUrl;
        this.hints = hints;
    }

    /** The configuration for {@code path} requested by {@code client}; empty when the path is not ours. */
    public Optional<byte[]> render(String path, InetAddress client) {
        return PxeConfigPath.parse(path).flatMap(p -> switch (p) {
            case PxeConfigPath.Skipped s -> Optional.<byte[]>empty();
            case PxeConfigPath.ByMac m -> {
                Optional<ClientHints.Hint> h = hints.forMac(m.mac());
                String platform = m.format() == BootFormat.PXELINUX ? "pcbios" : "";
                BootRequest req = new BootRequest(m.mac().toString(), IpAddresses.format(client),
                        h.map(ClientHints.Hint::uuid).orElse(""), h.map(ClientHints.Hint::arch).orElse(""), platform, client);
                yield Optional.of(boot.decide(req, baseUrl.get(), m.format()).getBytes(StandardCharsets.UTF_8));
            }
        });
    }
}
