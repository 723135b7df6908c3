package io.netrescue.api;

import io.netrescue.api.Json.SysrqConfigJson;
import io.netrescue.api.Json.SysrqRequestJson;
import io.netrescue.boot.Durations;
import io.netrescue.inventory.InvalidInputException;
import io.netrescue.inventory.IpAddresses;
import io.netrescue.store.NotFoundException;
import io.netrescue.sysrq.SysrqKeys;
import io.netrescue.sysrq.XtSysrq;
import io.netrescue.sysrq.XtSysrqVersion;
import io.netrescue.sysrq.client.SysrqConfig;
import io.netrescue.sysrq.client.SysrqDefaults;
import io.netrescue.sysrq.client.SysrqService;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import org.eclipse.jetty.util.Fields;

/**
 * {@code /api/v1/hosts/NAME/sysrq}: GET/PUT/DELETE the host's SysRq settings, POST a request;
 * {@code /api/v1/hosts/NAME/sysrq/agent-config}: the agent's configuration file (holds the host's key).
 * The xt_SYSRQ password goes in, never out.
 */
public final class SysrqApi {
    private final SysrqService service;

    /**
     * Said with an xt configuration unless the host's agent reports a fixed module: the unfixed one is a
     * remote kernel crash for anyone who can reach its port.
     */
    static final String XT_WARNING = "xt_SYSRQ older than 3.26 (Debian 12's xtables-addons-dkms 3.23) corrupts the kernel stack "
            + "on the first hashed request: anyone who can reach its port can crash the host. Make sure this host runs 3.26 or later.";

    /** What the host's heartbeats say of its xt_SYSRQ module (issue 15, item 2): nothing without an agent that reports it. */
    private final Function<String, Optional<String>> xtReported;

    public SysrqApi(SysrqService service, Function<String, Optional<String>> xtReported) {
        this.service = service;
        this.xtReported = xtReported;
    }

    record Reply(int status, Object body) {}

    interface Body {
        String read() throws java.io.IOException;

        /** The body, or a clear 400 when the client's connection fails mid-body. */
        default String text() {
            try {
                return read();
            } catch (java.io.IOException e) {
                throw new InvalidInputException("cannot read request body: " + e.getMessage());
            }
        }
    }

    Reply route(String method, String host, String sub, Body body, Fields query, String actor) {
        if ("agent-config".equals(sub)) {
            if (!"GET".equals(method)) return new Reply(405, new Json.ErrorJson("method not allowed"));
            String listen = Optional.ofNullable(query.getValue("listen")).orElse(SysrqDefaults.AGENT_LISTEN);
            List<String> sources = Optional.ofNullable(query.getValue("sources")).filter(x -> !x.isBlank())
                    .map(x -> Arrays.asList(x.split(","))).orElse(List.of());
            for (String src : sources) io.netrescue.inventory.Cidr.parse(src);
            if (!listen.matches("[0-9a-fA-F.:\\[\\]]+:[0-9]{1,5}")) throw new InvalidInputException("listen must be address:port");
            String hb = Optional.ofNullable(query.getValue("heartbeat-to")).orElse("").strip();
            if (!hb.isEmpty() && !hb.matches("[0-9a-fA-F.:\\[\\]]+:[0-9]{1,5}")) throw new InvalidInputException("heartbeat-to must be address:port");
            String jobsUrl = Optional.ofNullable(query.getValue("jobs-url")).orElse("").strip();
            String allowedJobs = Optional.ofNullable(query.getValue("allowed-jobs")).orElse("").strip();
            if (!jobsUrl.isEmpty() && !jobsUrl.matches("https?://[A-Za-z0-9.\\[\\]:-]+(:[0-9]{1,5})?/?")) {
                throw new InvalidInputException("jobs-url must be the server's base URL, like http://10.0.0.1:8080");
            }
            if (!allowedJobs.matches("((all|none|script|[a-z][a-z0-9-]{0,31})(,(script|[a-z][a-z0-9-]{0,31}))*)?")) {
                throw new InvalidInputException("allowed-jobs is none, all, or a comma-separated list of script and built-in names");
            }
            if (jobsUrl.isEmpty() != (allowedJobs.isEmpty() || allowedJobs.equals("none"))) {
                throw new InvalidInputException("jobs-url and allowed-jobs go together: jobs on an installed system are off unless both are given");
            }
            return new Reply(200, java.util.Map.of("host", host, "config", service.agentConfig(host, listen, sources, hb, jobsUrl, allowedJobs)));
        }
        if (sub != null) throw new NotFoundException("no such API path");
        return switch (method) {
            case "GET" -> new Reply(200, view(service.config(host), xtReported.apply(host)));
            case "PUT" -> {
                SysrqConfigJson j = ApiHandler.parseBody(read(body), SysrqConfigJson.class);
                SysrqConfig old = service.find(host).orElse(null);
                SysrqConfig c = new SysrqConfig(
                        j.dialect() != null ? SysrqConfig.Dialect.parse(j.dialect()) : old != null ? old.dialect() : SysrqConfig.Dialect.AGENT,
                        j.address() != null ? IpAddresses.parse(j.address()) : old != null ? old.address() : required("address"),
                        j.agentPort() != null ? j.agentPort() : old != null ? old.agentPort() : SysrqDefaults.AGENT_PORT,
                        j.xtPort() != null ? j.xtPort() : old != null ? old.xtPort() : SysrqDefaults.XT_PORT,
                        j.hashAddress() != null ? Optional.of(j.hashAddress()).filter(x -> !x.isBlank()).map(IpAddresses::parse)
                                : old != null ? old.hashAddress() : Optional.empty(),
                        j.hash() != null ? XtSysrq.Hash.parse(j.hash()) : old != null ? old.xtHash() : SysrqDefaults.XT_HASH,
                        Optional.empty(),
                        j.allowedKeys() != null ? j.allowedKeys() : old != null ? old.allowedKeys() : SysrqDefaults.ALLOWED_KEYS);
                Optional<byte[]> pw = Optional.ofNullable(j.password()).map(p -> {
                    if (p.isEmpty() || p.length() > 256) throw new InvalidInputException("password must be 1-256 characters");
                    return p.getBytes(StandardCharsets.UTF_8);
                });
                yield new Reply(200, view(service.configure(host, c, pw, actor), xtReported.apply(host)));
            }
            case "DELETE" -> {
                service.remove(host, actor);
                yield new Reply(204, null);
            }
            case "POST" -> {
                SysrqRequestJson r = ApiHandler.parseBody(read(body), SysrqRequestJson.class);
                int pause = r.pause() == null ? SysrqDefaults.PAUSE_MILLIS : r.pause();
                if (pause < 0 || pause > 60_000) throw new InvalidInputException("pause must be 0-60000 ms");
                Duration confirm = r.confirm() == null ? SysrqDefaults.CONFIRM_WITHIN
                        : r.confirm().equals("0") || r.confirm().equals("0s") ? Duration.ZERO : Durations.parse(r.confirm());
                yield new Reply(200, service.trigger(host, new SysrqKeys(r.keys()),
                        Optional.ofNullable(r.via()).map(SysrqConfig.Dialect::parse), pause, confirm, actor));
            }
            default -> new Reply(405, new Json.ErrorJson("method not allowed"));
        };
    }

    private static String read(Body b) {
        try {
            return b.read();
        } catch (java.io.IOException e) {
            throw new InvalidInputException("cannot read request body: " + e.getMessage());
        }
    }

    private static <T> T required(String field) {
        throw new InvalidInputException(field + " is required");
    }

    static SysrqConfigJson view(SysrqConfig c, Optional<String> xt) {
        return new SysrqConfigJson(c.dialect().word(), IpAddresses.format(c.address()), c.agentPort(), c.xtPort(),
                c.hashAddress().map(IpAddresses::format).orElse(null), c.xtHash().name().toLowerCase(), null,
                c.sealedPassword().isPresent(), c.allowedKeys(), c.dialect() == SysrqConfig.Dialect.XT ? xtWarning(xt).orElse(null) : null);
    }

    /** The warning for an xt configuration, from what the host reported: none for a fixed module, a specific one for a broken one. */
    static Optional<String> xtWarning(Optional<String> reported) {
        if (reported.isEmpty()) return Optional.of(XT_WARNING);
        String v = reported.get();
        if (XtSysrqVersion.safe(v)) return Optional.empty();
        if (v.equals(XtSysrqVersion.UNKNOWN)) {
            return Optional.of("this host's agent reports an xt_SYSRQ module built by an unknown xtables-addons: versions before "
                    + XtSysrqVersion.FIXED + " crash the kernel on the first hashed request (anyone who can reach its port can crash the host)."
                    + " Install Debian 13's xtables-addons-dkms or a module built from " + XtSysrqVersion.FIXED + " or later.");
        }
        return Optional.of("this host's agent reports xt_SYSRQ from xtables-addons " + v + ", which crashes the kernel on the first hashed"
                + " request (fixed in " + XtSysrqVersion.FIXED + "): anyone who can reach its port can crash the host."
                + " Install Debian 13's xtables-addons-dkms or a module built from " + XtSysrqVersion.FIXED + " or later.");
    }
}
