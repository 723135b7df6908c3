package io.netrescue.sysrq.client;

import io.netrescue.inventory.InvalidInputException;
import io.netrescue.inventory.Printable;
import io.netrescue.sysrq.XtSysrq;
import java.net.InetAddress;
import java.util.Locale;
import java.util.Optional;

/**
 * How netrescue reaches one host's SysRq receiver.
 *
 * @param dialect the default for {@code --via}
 * @param address where requests go (the host's address as seen from the server)
 * @param hashAddress xt_SYSRQ only: the destination address as the host's kernel sees it, when a NAT
 *     or port forward sits in between (the kernel hashes the address in its IP header); else {@code address}
 * @param sealedPassword xt_SYSRQ only: the module's password, sealed with the master key
 * @param allowedKeys the keys the server will send to this host at all
 */
public record SysrqConfig(Dialect dialect, InetAddress address, int agentPort, int xtPort, Optional<InetAddress> hashAddress,
                          XtSysrq.Hash xtHash, Optional<String> sealedPassword, String allowedKeys) {

    public enum Dialect {
        /** Our own agent: authenticated, acknowledged, exactly once. */
        AGENT,
        /** The kernel module xt_SYSRQ: works when user space is dead; no acknowledgement. */
        XT;

        public static Dialect parse(String s) {
            return switch (s == null ? "" : s.toLowerCase(Locale.ROOT)) {
                case "agent" -> AGENT;
                case "xt" -> XT;
                default -> throw new InvalidInputException("SysRq dialect must be 'agent' or 'xt', not '" + Printable.clip(s) + "'");
            };
        }

        public String word() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public SysrqConfig {
        if (agentPort < 1 || agentPort > 65535 || xtPort < 1 || xtPort > 65535) throw new InvalidInputException("SysRq ports must be 1-65535");
        if (allowedKeys == null || !allowedKeys.matches("[0-9a-z]{1,36}")) {
            throw new InvalidInputException("allowed keys must be SysRq keys 0-9a-z, e.g. sub");
        }
    }

    public InetAddress xtDestination() {
        return hashAddress.orElse(address);
    }
}
