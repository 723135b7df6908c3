package io.netrescue.agent;

import io.netrescue.inventory.Cidr;
import io.netrescue.inventory.HostName;
import io.netrescue.inventory.InvalidInputException;
import java.io.IOException;
import java.io.Reader;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.Properties;

/**
 * The agent's settings, from a {@code key = value} file (java.util.Properties: no parser library on
 * managed hosts). Written by {@code netrescue host agent-config HOST}.
 *
 * <pre>
 * host = web1                       # this host's name in the inventory
 * key = 64 hex digits               # this host's SysRq key (never the master key)
 * listen = 0.0.0.0:6099
 * allowed-keys = sub                # keys the agent will press; anything else is refused
 * allowed-sources = 10.0.0.1/32     # who may send (empty: anyone holding the key)
 * window-seconds = 30               # accepted clock difference
 * trigger = /proc/sysrq-trigger
 * state = /var/lib/netrescue-agent/sysrq.seq
 * heartbeat-to = 10.0.0.1:6100      # the server's heartbeat port (empty: no heartbeats)
 * heartbeat-seconds = 5
 * allowed-kexec = false             # and the other kexec settings: see KexecSettings
 * jobs-url = http://10.0.0.1:8080    # the server's base URL for jobs (docs/protocols/jobs.md); empty: no jobs
 * jobs-token = per-boot token        # in the rescue system: [A-Za-z0-9_-]{16,128}, its boot's token
 * allowed-jobs = none                # on an installed system: none (default), all, or script and built-in
 *                                    # names (disks,fsck,...); requests are signed with this host's key
 * dead-man = off                     # or a period (10m): restart the network, then reboot, when neither
 *                                    # the server nor the gateway answered for it (DeadManSettings)
 * </pre>
 */
public record AgentConfig(String host, byte[] key, InetSocketAddress listen, String allowedKeys, List<Cidr> allowedSources,
                          long windowMillis, Path trigger, Path state, java.util.Optional<InetSocketAddress> heartbeatTo,
                          int heartbeatSeconds, KexecSettings kexec, java.util.Optional<Jobs> jobs,
                          java.util.Optional<io.netrescue.agent.deadman.DeadManSettings> deadMan) {
    private static final java.util.regex.Pattern TOKEN = java.util.regex.Pattern.compile("[A-Za-z0-9_-]{16,128}");

    /**
     * Where the agent fetches jobs: in a rescue system with its boot's per-boot token ({@code jobs-token}),
     * on an installed system with requests signed by the host's key and only the jobs {@code allowed-jobs} names.
     */
    public record Jobs(java.net.URI url, java.util.Optional<String> token, io.netrescue.agent.job.AllowedJobs allowed) {
        public boolean installed() {
            return token.isEmpty();
        }

        @Override
        public String toString() {
            return "Jobs[url=" + url + token.map(t -> ", token=(" + t.length() + " characters)").orElse(", allowed-jobs=" + allowed) + "]";
        }
    }

    /**
     * Reads {@code file}, then {@code file.d/*.conf} in name order, each overriding the keys it sets:
     * the server's config stays whole in {@code file} (replaced as a unit when the key changes) while
     * {@code agent setup} adds host-local settings as its own files (e.g. the dead-man switch's).
     */
    public static AgentConfig load(Path file) throws IOException {
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(file)) {
            p.load(r);
        }
        StringBuilder where = new StringBuilder(file.toString());
        Path dir = file.resolveSibling(file.getFileName() + ".d");
        if (Files.isDirectory(dir)) {
            List<Path> dropIns;
            try (var s = Files.list(dir)) {
                dropIns = s.filter(f -> f.getFileName().toString().endsWith(".conf")).sorted().toList();
            }
            for (Path d : dropIns) {
                try (Reader r = Files.newBufferedReader(d)) {
                    p.load(r);
                }
                where.append(" + ").append(d.getFileName());
            }
        }
        return of(p, where.toString());
    }

    public static AgentConfig of(Properties p, String where) {
        String host = required(p, "host", where);
        try {
            HostName.check(host);
        } catch (InvalidInputException e) {
            throw new InvalidInputException(where + ": host: " + e.getMessage());
        }
        byte[] key;
        try {
            key = HexFormat.of().parseHex(required(p, "key", where));
        } catch (IllegalArgumentException e) {
            throw new InvalidInputException(where + ": key must be hex digits");
        }
        if (key.length < 32) throw new InvalidInputException(where + ": key must be 256 bits (64 hex digits)");
        InetSocketAddress addr = address(p.getProperty("listen", "0.0.0.0:6099").strip(), where, "listen");
        String hbTo = p.getProperty("heartbeat-to", "").strip();
        java.util.Optional<InetSocketAddress> heartbeatTo = hbTo.isEmpty() ? java.util.Optional.empty()
                : java.util.Optional.of(address(hbTo, where, "heartbeat-to"));
        int hbSeconds;
        try {
            hbSeconds = Integer.parseInt(p.getProperty("heartbeat-seconds", "5").strip());
        } catch (NumberFormatException e) {
            hbSeconds = -1;
        }
        if (hbSeconds < 1 || hbSeconds > 300) throw new InvalidInputException(where + ": heartbeat-seconds must be 1-300");
        String allowed = p.getProperty("allowed-keys", "sub").strip();
        if (!allowed.matches("[0-9a-z]+")) throw new InvalidInputException(where + ": allowed-keys must be keys 0-9a-z, e.g. sub");
        List<Cidr> sources;
        String src = p.getProperty("allowed-sources", "").strip();
        try {
            sources = src.isEmpty() ? List.of() : java.util.Arrays.stream(src.split("[,\\s]+")).map(Cidr::parse).toList();
        } catch (InvalidInputException e) {
            throw new InvalidInputException(where + ": allowed-sources: " + e.getMessage());
        }
        long window;
        try {
            window = Long.parseLong(p.getProperty("window-seconds", "30").strip()) * 1000;
        } catch (NumberFormatException e) {
            throw new InvalidInputException(where + ": window-seconds must be a number");
        }
        if (window < 1000 || window > 3_600_000) throw new InvalidInputException(where + ": window-seconds must be 1-3600");
        Path state = Path.of(p.getProperty("state", "/var/lib/netrescue-agent/sysrq.seq").strip());
        var deadMan = io.netrescue.agent.deadman.DeadManSettings.of(p, where, state.toAbsolutePath().getParent());
        if (deadMan.isPresent() && heartbeatTo.isEmpty() && deadMan.get().target() instanceof io.netrescue.agent.deadman.DeadManSettings.Target.None) {
            throw new InvalidInputException(where + ": dead-man needs something to listen for: heartbeat-to (the server's answers) or a dead-man-target");
        }
        return new AgentConfig(host, key, addr, allowed, sources, window,
                Path.of(p.getProperty("trigger", "/proc/sysrq-trigger").strip()), state, heartbeatTo, hbSeconds,
                KexecSettings.of(p, where), jobs(p, where), deadMan);
    }

    private static java.util.Optional<Jobs> jobs(Properties p, String where) {
        String url = p.getProperty("jobs-url", "").strip(), token = p.getProperty("jobs-token", "").strip();
        io.netrescue.agent.job.AllowedJobs allowed;
        try {
            allowed = io.netrescue.agent.job.AllowedJobs.parse(p.getProperty("allowed-jobs", ""));
        } catch (InvalidInputException e) {
            throw new InvalidInputException(where + ": " + e.getMessage());
        }
        if (url.isEmpty()) {
            if (!token.isEmpty()) throw new InvalidInputException(where + ": jobs-token needs jobs-url");
            if (allowed.any()) throw new InvalidInputException(where + ": allowed-jobs needs jobs-url (the server's base URL)");
            return java.util.Optional.empty();
        }
        if (token.isEmpty() && !allowed.any()) {
            throw new InvalidInputException(where + ": jobs-url without jobs-token is for an installed system, which runs only the jobs"
                    + " allowed-jobs names (none by default): name them, or remove jobs-url");
        }
        java.net.URI u;
        try {
            u = new java.net.URI(url);
        } catch (java.net.URISyntaxException e) {
            u = null;
        }
        if (u == null || !("http".equals(u.getScheme()) || "https".equals(u.getScheme())) || u.getHost() == null
                || u.getRawQuery() != null || u.getRawFragment() != null || u.getRawUserInfo() != null)
            throw new InvalidInputException(where + ": jobs-url must be an http or https URL like http://10.0.0.1:8080, not '" + url + "'");
        if (!token.isEmpty() && !TOKEN.matcher(token).matches()) throw new InvalidInputException(where + ": jobs-token must be 16-128 characters A-Z a-z 0-9 _ -");
        return java.util.Optional.of(new Jobs(u, token.isEmpty() ? java.util.Optional.empty() : java.util.Optional.of(token), allowed));
    }

    private static InetSocketAddress address(String v, String where, String key) {
        int c = v.lastIndexOf(':');
        try {
            return new InetSocketAddress(io.netrescue.inventory.IpAddresses.parse(v.substring(0, c).replace("[", "").replace("]", "")),
                    Integer.parseInt(v.substring(c + 1)));
        } catch (RuntimeException e) {
            throw new InvalidInputException(where + ": " + key + " must be address:port, not '" + v + "'");
        }
    }

    private static String required(Properties p, String k, String where) {
        String v = p.getProperty(k);
        if (v == null || v.isBlank()) throw new InvalidInputException(where + ": missing '" + k + "'");
        return v.strip();
    }

    public boolean sourceAllowed(java.net.InetAddress a) {
        if (allowedSources.isEmpty()) return true;
        for (Cidr c : allowedSources) if (c.contains(a)) return true;
        return false;
    }
}
