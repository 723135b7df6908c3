package io.netrescue.power.server;

import io.netrescue.http.TlsVerify;
import io.netrescue.inventory.InvalidInputException;
import io.netrescue.power.server.RedfishResources.ComputerSystem;
import io.netrescue.power.server.RedfishResources.ResetAction;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateException;
import java.time.Duration;
import java.util.Base64;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLPeerUnverifiedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A BMC's Redfish service: status is the ComputerSystem's {@code PowerState}, actions POST the
 * system's {@code #ComputerSystem.Reset} target with a ResetType the BMC lists as allowed.
 *
 * <p>HTTP Basic authentication on every request rather than a Redfish session: each call is one
 * short exchange, and a session would cost two more requests (create, delete) per call, leave a
 * session slot occupied on the BMC whenever the delete is lost (BMCs have a handful of slots), and
 * put a bearer token in memory that must be managed. Basic is one of the two authentication methods
 * DSP0266 defines, and the BMCs in use accept it.
 */
public final class RedfishDriver implements PowerDriver {
    private static final Logger log = LoggerFactory.getLogger(RedfishDriver.class);
    static final Set<String> SETTINGS = Set.of("url", "system", "user", "verify");
    private static final Pattern SYSTEM_ID = Pattern.compile("[A-Za-z0-9._~:@!$&'()*+,;=-]+");
    private static final long MAX_BODY = 1 << 20;
    private static final Duration POLL = Duration.ofMillis(250);

    private final URI base;
    private final Optional<String> systemSetting;
    private final String user;
    private final String authorization;
    private final TlsVerify tls;
    private final Duration timeout;
    private final HttpClient http;
    private volatile URI systemUri;

    private RedfishDriver(URI base, Optional<String> system, String user, String password, TlsVerify tls, Duration timeout) {
        this.base = base;
        this.systemSetting = system;
        this.user = user;
        this.authorization = "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
        this.tls = tls;
        this.timeout = timeout;
        HttpClient.Builder b = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1) // BMC web servers speak 1.1; no h2c upgrade dance
                .followRedirects(HttpClient.Redirect.NEVER) // a redirect must not carry the credentials elsewhere
                .connectTimeout(timeout);
        tls.context().ifPresent(b::sslContext);
        this.http = b.build();
    }

    /**
     * Settings: {@code url} (https://bmc[:port], or http:// for labs), {@code system} (a ComputerSystem
     * path or id; discovered when there is exactly one), {@code user}, {@code verify} (true | false |
     * CA PEM file); the secret is the password.
     */
    public static RedfishDriver from(PowerSettings s) {
        s.onlyKnown(SETTINGS);
        String where = "redfish power for " + s.host();
        URI base = baseUrl(s.required("url"), where);
        Optional<String> system = Optional.ofNullable(s.optional("system", null)).map(v -> systemPath(v, where));
        String user = s.required("user");
        if (user.contains(":")) throw new InvalidInputException(where + ": 'user' cannot contain ':' (HTTP Basic)");
        String password = s.requiredSecret();
        TlsVerify tls = TlsVerify.parse(s.optional("verify", "true"), where + ": ");
        if (base.getScheme().equals("http")) {
            log.atWarn().addKeyValue("host", s.host()).addKeyValue("url", base)
                    .log("redfish over plain http: the BMC password crosses the network readable (labs only)");
        }
        return new RedfishDriver(base, system, user, password, tls, s.timeout());
    }

    private static URI baseUrl(String v, String where) {
        URI u;
        try {
            u = new URI(v);
        } catch (URISyntaxException e) {
            throw new InvalidInputException(where + ": 'url' is not a URL: '" + v + "'");
        }
        String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(java.util.Locale.ROOT);
        if (!scheme.equals("https") && !scheme.equals("http") || u.getHost() == null) {
            throw new InvalidInputException(where + ": 'url' must be https://HOST[:PORT] (or http:// in a lab), not '" + v + "'");
        }
        if (u.getRawUserInfo() != null || u.getRawQuery() != null || u.getRawFragment() != null
                || u.getRawPath() != null && !u.getRawPath().isEmpty() && !u.getRawPath().equals("/")) {
            throw new InvalidInputException(where + ": 'url' must be only https://HOST[:PORT] (no path, user or query), not '" + v + "'");
        }
        return URI.create(scheme + "://" + u.getRawAuthority());
    }

    private static String systemPath(String v, String where) {
        if (v.startsWith("/redfish/v1/") && !v.contains("..") && !v.contains("?") && !v.contains("#") && !v.contains(" ")) {
            return v.endsWith("/") ? v.substring(0, v.length() - 1) : v;
        }
        if (SYSTEM_ID.matcher(v).matches()) return "/redfish/v1/Systems/" + v;
        throw new InvalidInputException(where + ": 'system' must be a path /redfish/v1/Systems/ID or an ID, not '" + v + "'");
    }

    @Override
    public String kind() {
        return "redfish";
    }

    @Override
    public Set<PowerAction> supports() {
        return EnumSet.allOf(PowerAction.class);
    }

    @Override
    public String describe() {
        return "redfish " + base + (systemSetting.isPresent() ? " " + systemSetting.get() : "");
    }

    @Override
    public PowerState status() throws PowerException {
        long deadline = deadline();
        ComputerSystem sys = system(deadline);
        log.atDebug().addKeyValue("bmc", base).addKeyValue("system", sys.id()).addKeyValue("powerState", sys.powerState().orElse("-"))
                .log("redfish status");
        return sys.state();
    }

    @Override
    public String perform(PowerAction action) throws PowerException {
        if (action == PowerAction.STATUS) return "power is " + status().name().toLowerCase(java.util.Locale.ROOT);
        long deadline = deadline();
        ComputerSystem sys = system(deadline);
        ResetAction reset = sys.reset().orElseThrow(() -> new PowerException(
                "redfish " + base + ": system " + sys.id() + " has no #ComputerSystem.Reset action", false));
        Optional<List<String>> allowed = allowed(reset, deadline);
        URI target = RedfishResources.sameOrigin(base, reset.target());
        return switch (action) {
            case ON -> reset(sys, target, pick(allowed, sys, action, "On"), deadline);
            case OFF -> reset(sys, target, pick(allowed, sys, action, "ForceOff"), deadline);
            case SOFT_RESET -> reset(sys, target, pick(allowed, sys, action, "GracefulRestart"), deadline);
            case CYCLE -> {
                Optional<String> one = allowed.isEmpty() ? Optional.of("ForceRestart")
                        : allowed.get().contains("PowerCycle") ? Optional.of("PowerCycle")
                        : allowed.get().contains("ForceRestart") ? Optional.of("ForceRestart") : Optional.empty();
                if (one.isPresent()) yield reset(sys, target, one.get(), deadline);
                yield offThenOn(sys, target, allowed, deadline);
            }
            case STATUS -> throw new IllegalStateException();
        };
    }

    /** No PowerCycle and no ForceRestart: ForceOff, wait until the BMC says Off, then On. */
    private String offThenOn(ComputerSystem sys, URI target, Optional<List<String>> allowed, long deadline) throws PowerException {
        String off = pick(allowed, sys, PowerAction.CYCLE, "ForceOff");
        String on = pick(allowed, sys, PowerAction.CYCLE, "On");
        reset(sys, target, off, deadline);
        while (system(deadline).state() != PowerState.OFF) {
            if (System.nanoTime() + POLL.toNanos() - deadline > 0) {
                throw new PowerException("redfish " + base + ": system " + sys.id() + " not Off within " + timeout.toMillis()
                        + " ms after ForceOff; On not sent (the system may be left off)", true);
            }
            sleep(POLL);
        }
        reset(sys, target, on, deadline);
        return "ComputerSystem.Reset ForceOff then On accepted by " + base + " (system " + sys.id() + ")";
    }

    private static String pick(Optional<List<String>> allowed, ComputerSystem sys, PowerAction action, String type) throws PowerException {
        if (allowed.isPresent() && !allowed.get().contains(type)) {
            throw new PowerException("redfish: system " + sys.id() + " does not allow ResetType " + type + " (needed for "
                    + action.word() + "; allowed: " + String.join(", ", allowed.get()) + ")", false);
        }
        return type;
    }

    private Optional<List<String>> allowed(ResetAction reset, long deadline) throws PowerException {
        if (reset.allowed().isPresent()) return reset.allowed();
        if (reset.actionInfo().isPresent()) {
            URI info = RedfishResources.sameOrigin(base, reset.actionInfo().get());
            return Optional.of(RedfishResources.actionInfoResetTypes(get(info, "ActionInfo", deadline)));
        }
        return Optional.empty(); // the BMC does not say: send the usual value and let it answer
    }

    private String reset(ComputerSystem sys, URI target, String type, long deadline) throws PowerException {
        byte[] body = ("{\"ResetType\":\"" + type + "\"}").getBytes(StandardCharsets.US_ASCII);
        HttpRequest req = request(target, deadline).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
        HttpResponse<byte[]> r = send(req, "Reset " + type);
        log.atInfo().addKeyValue("bmc", base).addKeyValue("system", sys.id()).addKeyValue("resetType", type)
                .addKeyValue("status", r.statusCode()).log("redfish reset accepted");
        return "ComputerSystem.Reset " + type + " accepted by " + base + " (system " + sys.id() + ", HTTP " + r.statusCode() + ")";
    }

    private ComputerSystem system(long deadline) throws PowerException {
        return RedfishResources.system(get(systemUri(deadline), "ComputerSystem", deadline));
    }

    private URI systemUri(long deadline) throws PowerException {
        URI u = systemUri;
        if (u != null) return u;
        if (systemSetting.isPresent()) {
            u = base.resolve(systemSetting.get());
        } else {
            URI root = base.resolve("/redfish/v1/");
            URI systems = RedfishResources.sameOrigin(base, RedfishResources.systemsLink(get(root, "service root", deadline)));
            List<String> members = RedfishResources.members(get(systems, "Systems collection", deadline));
            if (members.size() != 1) {
                throw new PowerException("redfish " + base + ": " + (members.isEmpty() ? "no ComputerSystem"
                        : members.size() + " ComputerSystems (" + RedfishResources.clean(String.join(", ", members))
                        + "); set 'system' to one of them"), false);
            }
            u = RedfishResources.sameOrigin(base, members.getFirst());
            log.atInfo().addKeyValue("bmc", base).addKeyValue("system", u.getRawPath()).log("redfish system discovered");
        }
        systemUri = u;
        return u;
    }

    private byte[] get(URI uri, String what, long deadline) throws PowerException {
        return send(request(uri, deadline).GET().build(), "GET " + what).body();
    }

    private HttpRequest.Builder request(URI uri, long deadline) throws PowerException {
        long left = deadline - System.nanoTime();
        if (left <= 0) throw new PowerException("redfish " + base + ": no answer within " + timeout.toMillis() + " ms", true);
        return HttpRequest.newBuilder(uri).timeout(Duration.ofNanos(left))
                .header("Accept", "application/json")
                .header("OData-Version", "4.0")
                .header("Authorization", authorization);
    }

    private HttpResponse<byte[]> send(HttpRequest req, String what) throws PowerException {
        String where = "redfish " + base + " " + what + " " + req.uri().getRawPath();
        HttpResponse<byte[]> r;
        try {
            r = http.send(req, HttpResponse.BodyHandlers.limiting(HttpResponse.BodyHandlers.ofByteArray(), MAX_BODY));
        } catch (HttpTimeoutException e) {
            throw new PowerException(where + ": no answer within " + timeout.toMillis() + " ms", true, e);
        } catch (SSLException e) {
            if (isCertificateProblem(e)) {
                throw new PowerException(where + ": the BMC's TLS certificate is not trusted with " + tls.describe() + " ("
                        + rootMessage(e) + "); give its CA with verify=/path/ca.pem, or verify=false", false, e);
            }
            throw new PowerException(where + ": TLS failed (" + rootMessage(e) + ")", true, e);
        } catch (ConnectException e) {
            throw new PowerException(where + ": cannot connect (" + rootMessage(e) + ")", true, e);
        } catch (IOException e) {
            throw new PowerException(where + ": " + rootMessage(e), true, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PowerException(where + ": interrupted", false, e);
        }
        int c = r.statusCode();
        if (c >= 200 && c < 300) return r;
        String said = RedfishResources.errorMessage(r.body()).map(m -> ": " + m).orElse("");
        if (c == 401 || c == 403) {
            throw new PowerException(where + ": HTTP " + c + (c == 401 ? " (user '" + RedfishResources.clean(user)
                    + "' and the secret were not accepted)" : " (user '" + RedfishResources.clean(user) + "' lacks the privilege)") + said, false);
        }
        // 5xx: the BMC is busy or its web service is restarting; 4xx: this request will never work
        throw new PowerException(where + ": HTTP " + c + said, c >= 500);
    }

    private static boolean isCertificateProblem(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof CertificateException || t instanceof SSLPeerUnverifiedException) return true;
            if (t instanceof SSLHandshakeException && String.valueOf(t.getMessage()).contains("certificate")) return true;
        }
        return false;
    }

    /** The innermost message, because the JDK HTTP client often wraps with a null or generic one. */
    private static String rootMessage(Throwable e) {
        String m = null;
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t.getMessage() != null && !t.getMessage().isBlank()) m = t.getMessage();
        }
        return m != null ? m : e.getClass().getSimpleName();
    }

    private long deadline() {
        return System.nanoTime() + timeout.toNanos();
    }

    private static void sleep(Duration d) throws PowerException {
        try {
            Thread.sleep(d);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PowerException("redfish: interrupted", false, e);
        }
    }
}
