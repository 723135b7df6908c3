package io.netrescue.agent.setup;

import java.nio.file.Path;
import java.util.Optional;

/**
 * What {@code agent setup} is asked to put in place.
 *
 * @param root the system to change ("/" on a host; a directory tree in tests)
 * @param panicSeconds kernel.panic: reboot this many seconds after a panic
 * @param sysrqMask kernel.sysrq for keyboard/console SysRq (network SysRq does not depend on it)
 * @param agentConfig an agent configuration file to install as /etc/netrescue/agent.conf (0600)
 * @param watchdogSeconds systemd's RuntimeWatchdogSec: the hardware watchdog, when present
 * @param netconsole the server's netconsole receiver, ADDRESS[:PORT] (port 6666 by default)
 */
public record SetupOptions(Path root, int panicSeconds, boolean panicOnOops, int sysrqMask, boolean kexec,
                           Optional<Integer> watchdogSeconds, boolean sshEarly, Optional<Path> agentConfig,
                           Optional<String> netconsole, Optional<XtSysrq> xt, Optional<DeadMan> deadMan) {
    /**
     * The agent's dead-man switch (docs/watchdog.md): written as the agent config drop-in
     * {@code /etc/netrescue/agent.conf.d/50-dead-man.conf}.
     *
     * @param restart empty: the distribution's network service, as setup finds it
     */
    public record DeadMan(String period, String target, Optional<String> restart, int maxReboots) {
        public DeadMan {
            var d = io.netrescue.agent.deadman.DeadManSettings.duration(period);
            if (d == null || d.compareTo(java.time.Duration.ofSeconds(10)) < 0 || d.compareTo(java.time.Duration.ofDays(1)) > 0) {
                throw new IllegalArgumentException("--dead-man needs a period of 10s-1d like 90s, 10m or 2h, not '" + period + "'");
            }
            if (!target.matches("gateway|none|[0-9]{1,3}(\\.[0-9]{1,3}){3}|[0-9a-fA-F:]{2,39}")) {
                throw new IllegalArgumentException("--dead-man-target must be gateway, none or an IP address, not '" + target + "'");
            }
            if (!target.equals("gateway") && !target.equals("none")) {
                // a target that always answers (this host) or never is a unicast host (any, broadcast, multicast) disables the switch unseen
                java.net.InetAddress a;
                try {
                    a = java.net.InetAddress.ofLiteral(target);
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("--dead-man-target '" + target + "' is not an IP address");
                }
                if (a.isLoopbackAddress() || a.isAnyLocalAddress() || a.isMulticastAddress() || target.equals("255.255.255.255")) {
                    throw new IllegalArgumentException("--dead-man-target must be another host's unicast address (the gateway by default), not " + target);
                }
            }
            if (maxReboots < 0 || maxReboots > 100) throw new IllegalArgumentException("--dead-man-max-reboots must be 0..100");
            restart.ifPresent(r -> {
                if (r.isBlank()) throw new IllegalArgumentException("--dead-man-restart needs a one-line command");
                // the value is a line of the agent's properties file: a CR would start a key of its own there,
                // a backslash escapes or continues the line; control characters would also reach terminals
                for (int i = 0; i < r.length(); i++) {
                    char c = r.charAt(i);
                    if (c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0) || c == '\\') {
                        throw new IllegalArgumentException("--dead-man-restart needs a one-line command without control characters or backslashes"
                                + " (character " + (i + 1) + " is U+" + String.format("%04X", (int) c) + "); put a longer command in a script");
                    }
                }
            });
        }
    }

    /** @param passwordFile holds the password the server has for this host (`host sysrq NAME --password-file`) */
    /** @param allowBroken arm it even where the installed xt_SYSRQ is older than 3.26 or of unknown version (it crashes the kernel) */
    public record XtSysrq(String server, int port, Path passwordFile, String hash, boolean allowBroken) {
        public XtSysrq {
            if (!server.matches("[0-9]{1,3}(\\.[0-9]{1,3}){3}|[0-9a-fA-F:]{2,39}")) {
                throw new IllegalArgumentException("--xt-sysrq needs the server's IP address (the firewall rule accepts SysRq only from it)");
            }
            if (port < 1 || port > 65535) throw new IllegalArgumentException("--xt-sysrq-port must be 1..65535");
            if (!hash.equals("sha1") && !hash.equals("sha256")) throw new IllegalArgumentException("--xt-sysrq-hash must be sha1 or sha256");
        }
    }

    public SetupOptions {
        if (panicSeconds < 1 || panicSeconds > 3600) throw new IllegalArgumentException("--panic must be 1..3600 seconds");
        if (sysrqMask < 0 || sysrqMask > 511) throw new IllegalArgumentException("--sysrq-mask must be 0..511 (1 = all functions)");
        netconsole.ifPresent(n -> {
            if (!n.matches("[0-9]{1,3}(\\.[0-9]{1,3}){3}(:[0-9]{1,5})?")) {
                throw new IllegalArgumentException("--netconsole needs the server's IPv4 address[:port], e.g. 10.0.0.1:6666 (the kernel's netconsole speaks IPv4 here)");
            }
        });
        watchdogSeconds.ifPresent(w -> {
            if (w < 1 || w > 600) throw new IllegalArgumentException("--watchdog must be 1..600 seconds");
        });
    }

    public static SetupOptions defaults(Path root) {
        return new SetupOptions(root, 10, true, 1, false, Optional.empty(), false, Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty());
    }
}
