package io.netrescue.boot;

import io.netrescue.inventory.InvalidInputException;
import io.netrescue.inventory.IpAddresses;
import io.netrescue.inventory.MacAddress;
import io.netrescue.inventory.SmbiosUuid;
import java.net.InetAddress;
import java.util.Objects;
import java.util.Optional;

/**
 * One boot request, parsed: what the machine says about itself and the source address we saw
 * (trusted as far as the network is). Untrusted text is parsed once, at the edge, by
 * {@link #parse}; the decider only ever sees these values.
 *
 * @param ip the address the machine reports, empty when it reported none
 * @param uuid as reported, placeholders included: the decider ignores them for identification, but
 *     the audit trail and the {@code {uuid}} variable show what was said
 * @param arch free text (iPXE's {@code ${buildarch}}, or the DHCP client architecture): recorded for
 *     unknown machines, decides nothing, so it is not parsed
 * @param platform free text (iPXE's {@code ${platform}}): {@code efi} picks the EFI script variant
 */
public record BootRequest(MacAddress mac, Optional<InetAddress> ip, Optional<SmbiosUuid> uuid, String arch, String platform,
                          InetAddress source) {
    public BootRequest {
        Objects.requireNonNull(mac);
        Objects.requireNonNull(ip);
        Objects.requireNonNull(uuid);
        Objects.requireNonNull(source);
        arch = nz(arch);
        platform = nz(platform);
    }

    /**
     * What the machine sent, as text (stripped, absent = empty). Kept beside the parsed values because
     * the audit trail records what was said, not our reading of it (and a refused request has nothing else).
     */
    public record Reported(String mac, String ip, String uuid, String arch, String platform) {
        public Reported {
            mac = nz(mac); ip = nz(ip); uuid = nz(uuid); arch = nz(arch); platform = nz(platform);
        }
    }

    /** The result of parsing a request at the edge. */
    public sealed interface Parse permits Parsed, Rejected {
        Reported reported();

        InetAddress source();
    }

    /** Every field parsed. */
    public record Parsed(BootRequest request, Reported reported) implements Parse {
        public Parsed {
            Objects.requireNonNull(request);
            Objects.requireNonNull(reported);
        }

        /** A request built from values we already hold (a TFTP lookup): the text is their canonical form. */
        public static Parsed of(BootRequest r) {
            return new Parsed(r, new Reported(r.mac().toString(), r.ip().map(IpAddresses::format).orElse(""),
                    r.uuid().map(Object::toString).orElse(""), r.arch(), r.platform()));
        }

        @Override
        public InetAddress source() {
            return request.source();
        }
    }

    /**
     * A field did not parse; the decider refuses it (rule 1 of docs/boot.md).
     *
     * @param mac the MAC when it parsed (a later field did not), so the refusal is on the machine's record
     * @param problem the parser's message
     */
    public record Rejected(Reported reported, InetAddress source, Optional<MacAddress> mac, String problem) implements Parse {
        public Rejected {
            Objects.requireNonNull(reported);
            Objects.requireNonNull(source);
            Objects.requireNonNull(mac);
            Objects.requireNonNull(problem);
        }
    }

    /**
     * Parses the query of a {@code /boot.ipxe} request ({@code null} = absent). The MAC is required;
     * the UUID and the IP only when present. Fields are checked in that order and the first failure
     * is the one reported.
     */
    public static Parse parse(String mac, String ip, String uuid, String arch, String platform, InetAddress source) {
        Reported text = new Reported(mac, ip, uuid, arch, platform);
        Objects.requireNonNull(source);
        MacAddress m;
        try {
            m = MacAddress.parse(text.mac());
        } catch (InvalidInputException e) {
            return new Rejected(text, source, Optional.empty(), e.getMessage());
        }
        try {
            Optional<SmbiosUuid> u = text.uuid().isEmpty() ? Optional.empty() : Optional.of(SmbiosUuid.parse(text.uuid()));
            Optional<InetAddress> a = text.ip().isEmpty() ? Optional.empty() : Optional.of(IpAddresses.parse(text.ip()));
            return new Parsed(new BootRequest(m, a, u, text.arch(), text.platform(), source), text);
        } catch (InvalidInputException e) {
            return new Rejected(text, source, Optional.of(m), e.getMessage());
        }
    }

    private static String nz(String s) {
        return s == null ? "" : s.strip();
    }
}
