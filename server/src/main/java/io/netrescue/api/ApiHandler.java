package io.netrescue.api;

import io.netrescue.api.Json.BootChange;
import io.netrescue.api.Json.BootJson;
import io.netrescue.api.Json.DiscoveredJson;
import io.netrescue.api.Json.ErrorJson;
import io.netrescue.api.Json.EventJson;
import io.netrescue.api.Json.HostJson;
import io.netrescue.api.Json.NewHostJson;
import io.netrescue.api.Json.ProfileJson;
import io.netrescue.boot.BootMode;
import io.netrescue.boot.Durations;
import io.netrescue.boot.Profile;
import io.netrescue.boot.Host;
import io.netrescue.inventory.server.BootModeService;
import io.netrescue.inventory.server.EventService;
import io.netrescue.inventory.server.HostService;
import io.netrescue.inventory.server.ProfileService;
import io.netrescue.inventory.HostName;
import io.netrescue.inventory.InvalidInputException;
import io.netrescue.inventory.IpAddresses;
import io.netrescue.inventory.Label;
import io.netrescue.inventory.MacAddress;
import io.netrescue.inventory.SmbiosUuid;
import io.netrescue.secrets.ApiToken;
import io.netrescue.http.Http;
import io.netrescue.store.ConflictException;
import io.netrescue.store.HostStore;
import io.netrescue.store.NotFoundException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Fields;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The JSON API under {@code /api/v1}: routes each request to the service that owns its use case
 * (which commits the change durably, with its audit event, before the response is sent). Requests need the bearer token (reads too, unless
 * {@code api.open-reads}); {@code /api/v1/health} is open.
 */
public final class ApiHandler extends Handler.Abstract {
    private static final Logger log = LoggerFactory.getLogger(ApiHandler.class);
    private static final String PREFIX = "/api/v1/";
    private static final int MAX_BODY = 1 << 20;

    private final HostService hosts;
    private final ProfileService profiles;
    private final BootModeService bootModes;
    private final EventService events;
    private final ApiToken token;
    private final boolean openReads;
    private final SysrqApi sysrq;
    private final NetbootApi netboot;
    private final io.netrescue.console.server.ConsoleLog consoleLog;
    private final WatchdogApi watchdog;
    private final RescueApi rescue;
    private final SshKeyApi sshKeys;
    private final JobApi jobs;

    public ApiHandler(HostService hosts, ProfileService profiles, BootModeService bootModes, EventService events,
                      ApiToken token, boolean openReads, SysrqApi sysrq, NetbootApi netboot,
                      io.netrescue.console.server.ConsoleLog consoleLog, WatchdogApi watchdog, RescueApi rescue, SshKeyApi sshKeys, JobApi jobs) {
        this.jobs = jobs;
        this.rescue = rescue;
        this.sshKeys = sshKeys;
        this.consoleLog = consoleLog;
        this.watchdog = watchdog;
        this.sysrq = sysrq;
        this.netboot = netboot;
        this.hosts = hosts;
        this.profiles = profiles;
        this.bootModes = bootModes;
        this.events = events;
        this.token = token;
        this.openReads = openReads;
    }

    private record Result(int status, Object body) {}

    /**
     * Reads a JSON body with the API's limits; shared with feature routers. Never null: a body of
     * {@code null} (or anything but a JSON object) is a 400, like a malformed one, with the field at fault named.
     */
    static <T> T parseBody(String s, Class<T> type) {
        if (s.length() > MAX_BODY) throw new InvalidInputException("request body larger than 1 MiB");
        if (s.isBlank()) throw new InvalidInputException("request body is empty");
        T value;
        try {
            value = Json.MAPPER.readValue(s, type);
        } catch (tools.jackson.core.JacksonException e) {
            throw new InvalidInputException(Json.problem(e));
        }
        if (value == null) throw new InvalidInputException("the request body must be a JSON object, not null");
        return value;
    }

    private static final class Unauthorized extends RuntimeException {
        Unauthorized() {
            super("missing or wrong bearer token (see <data>/api-token)", null, false, false);
        }
    }

    @Override
    public boolean handle(Request req, Response resp, Callback cb) {
        String path = Request.getPathInContext(req);
        if (!path.startsWith(PREFIX)) return false;
        String[] seg = path.substring(PREFIX.length()).split("/", -1);
        String method = req.getMethod();
        Result r;
        try {
            if (!(seg.length == 1 && seg[0].equals("health"))) authorize(req, method);
            r = route(method, seg, req);
        } catch (Unauthorized e) {
            resp.getHeaders().put(HttpHeader.WWW_AUTHENTICATE, "Bearer realm=\"netrescue\"");
            r = new Result(401, new ErrorJson(e.getMessage()));
        } catch (InvalidInputException e) {
            r = new Result(400, new ErrorJson(e.getMessage()));
        } catch (tools.jackson.core.JacksonException e) {
            r = new Result(400, new ErrorJson(Json.problem(e)));
        } catch (NotFoundException e) {
            r = new Result(404, new ErrorJson(e.getMessage()));
        } catch (ConflictException | io.netrescue.rescue.RescueConflict e) {
            r = new Result(409, new ErrorJson(e.getMessage()));
        } catch (io.netrescue.sysrq.client.RateLimitedException e) {
            r = new Result(429, new ErrorJson(e.getMessage()));
        } catch (RuntimeException e) {
            var refused = io.netrescue.store.ConstraintViolation.of(e);
            if (refused.isPresent()) {
                // input that validation let through but the schema refuses (or a concurrent insert won): nothing was stored
                r = new Result(refused.get().conflict() ? 409 : 400, new ErrorJson(refused.get().message()));
                log.atWarn().addKeyValue("method", method).addKeyValue("path", path).addKeyValue("error", refused.get().message())
                        .log("API request refused by the store");
            } else {
                log.atError().setCause(e).addKeyValue("method", method).addKeyValue("path", path).log("API request failed");
                r = new Result(500, new ErrorJson("internal error: " + e.getClass().getSimpleName()));
            }
        }
        if (r.status == 204) {
            resp.setStatus(204);
            cb.succeeded();
        } else {
            Http.send(resp, cb, r.status, "application/json", Json.MAPPER.writeValueAsString(r.body) + "\n");
        }
        return true;
    }

    private void authorize(Request req, String method) {
        if (openReads && "GET".equals(method)) return;
        String t = Http.bearer(req);
        if (t == null || !token.matches(t)) throw new Unauthorized();
    }

    private Result route(String method, String[] s, Request req) {
        String actor = "api:" + Http.remoteAddress(req).getHostAddress();
        return switch (s[0]) {
            case "health" -> only(method, "GET", s, 1, () -> new Result(200, Map.of("status", "ok")));
            case "hosts" -> switch (s.length) {
                case 1 -> switch (method) {
                    case "GET" -> new Result(200, hosts.list().stream().map(HostJson::of).toList());
                    case "POST" -> new Result(201, HostJson.of(addHost(body(req, NewHostJson.class), actor)));
                    default -> notAllowed();
                };
                case 2 -> switch (method) {
                    case "GET" -> new Result(200, HostJson.of(hosts.require(s[1])));
                    case "DELETE" -> {
                        hosts.remove(s[1], actor);
                        yield new Result(204, null);
                    }
                    default -> notAllowed();
                };
                case 3, 4 -> {
                    if (s[2].equals("sysrq")) {
                        HostName.check(s[1]);
                        SysrqApi.Reply x = sysrq.route(method, s[1], s.length == 4 ? s[3] : null, () -> text(req), Request.extractQueryParameters(req), actor);
                        yield new Result(x.status(), x.body());
                    }
                    if (s[2].equals("watchdog") && s.length == 3) {
                        HostName.check(s[1]);
                        WatchdogApi.Reply x = watchdog.host(method, s[1], () -> text(req), actor);
                        yield new Result(x.status(), x.body());
                    }
                    if (s[2].equals("rescue")) {
                        HostName.check(s[1]);
                        SysrqApi.Reply x = rescue.route(method, s[1], s.length == 4 ? s[3] : null, () -> text(req), actor);
                        yield new Result(x.status(), x.body());
                    }
                    if (s[2].equals("jobs") && s.length == 3) {
                        HostName.check(s[1]);
                        SysrqApi.Reply x = jobs.host(method, s[1], () -> text(req), actor);
                        yield new Result(x.status(), x.body());
                    }
                    if (s[2].equals("disks") && s.length == 3) {
                        HostName.check(s[1]);
                        SysrqApi.Reply x = jobs.disks(method, s[1]);
                        yield new Result(x.status(), x.body());
                    }
                    if (s[2].equals("ssh-keys")) {
                        HostName.check(s[1]);
                        SysrqApi.Reply x = sshKeys.route(method, s[1], s.length == 4 ? s[3] : null, () -> text(req), actor);
                        yield new Result(x.status(), x.body());
                    }
                    if (s[2].equals("kernel-try") && s.length == 3) {
                        HostName.check(s[1]);
                        WatchdogApi.Reply x = watchdog.kernelTry(method, s[1], () -> text(req), actor);
                        yield new Result(x.status(), x.body());
                    }
                    if (s[2].equals("power")) {
                        HostName.check(s[1]);
                        WatchdogApi.Reply x = watchdog.power(method, s[1], s.length == 4 ? s[3] : null,
                                () -> text(req), actor);
                        yield new Result(x.status(), x.body());
                    }
                    if (s[2].equals("console") && s.length == 3) {
                        if (!"GET".equals(method)) yield notAllowed();
                        String name = hosts.require(s[1]).name();
                        yield new Result(200, console(name, Request.extractQueryParameters(req)));
                    }
                    if (!s[2].equals("boot") || s.length != 3) throw new NotFoundException("no such API path");
                    yield switch (method) {
                        case "GET" -> new Result(200, BootJson.of(hosts.require(s[1]).boot()));
                        case "PUT", "POST" -> new Result(200, setBoot(s[1], body(req, BootChange.class), actor));
                        default -> notAllowed();
                    };
                }
                default -> throw new NotFoundException("no such API path");
            };
            case "profiles" -> switch (s.length) {
                case 1 -> switch (method) {
                    case "GET" -> new Result(200, profiles.list().stream().map(ProfileJson::of).toList());
                    case "POST" -> {
                        ProfileJson pj = body(req, ProfileJson.class);
                        Profile p = pj.toProfile();
                        yield new Result(201, ProfileJson.of(profiles.save(p, Boolean.TRUE.equals(pj.replace()), actor)));
                    }
                    default -> notAllowed();
                };
                case 2 -> switch (method) {
                    case "GET" -> new Result(200, ProfileJson.of(profiles.require(s[1])));
                    case "DELETE" -> {
                        profiles.remove(s[1], actor);
                        yield new Result(204, null);
                    }
                    default -> notAllowed();
                };
                default -> throw new NotFoundException("no such API path");
            };
            case "events" -> only(method, "GET", s, 1, () -> {
                Fields q = Request.extractQueryParameters(req);
                Optional<String> host = Optional.ofNullable(q.getValue("host")).filter(x -> !x.isEmpty()).map(HostName::check);
                int limit = intParam(q, "limit", 100, 1, 10_000);
                long after = intParam(q, "after", 0, 0, Integer.MAX_VALUE);
                return new Result(200, events.recent(host, limit, after).stream().map(EventJson::of).toList());
            });
            case "netboot" -> {
                if (s.length > 2) throw new NotFoundException("no such API path");
                NetbootApi.Reply x = netboot.route(method, s.length == 2 ? s[1] : null);
                yield new Result(x.status(), x.body());
            }
            case "jobs" -> {
                if (s.length > 3) throw new NotFoundException("no such API path");
                SysrqApi.Reply x;
                try {
                    x = jobs.jobs(method, s, Request.extractQueryParameters(req), actor);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted");
                }
                yield new Result(x.status(), x.body());
            }
            case "watchdog" -> {
                if (s.length > 2) throw new NotFoundException("no such API path");
                WatchdogApi.Reply x = watchdog.all(method, s.length == 2 ? s[1] : null);
                yield new Result(x.status(), x.body());
            }
            case "discovered" -> only(method, "GET", s, 1,
                    () -> new Result(200, events.discovered().stream().map(DiscoveredJson::of).toList()));
            default -> throw new NotFoundException("no such API path");
        };
    }

    private Host addHost(NewHostJson n, String actor) {
        if (n == null) throw new InvalidInputException("request body is empty");
        List<MacAddress> macs = n.macs() == null ? List.of() : n.macs().stream().map(MacAddress::parse).toList();
        Optional<SmbiosUuid> uuid = Optional.ofNullable(n.uuid()).filter(u -> !u.isBlank()).map(SmbiosUuid::parse);
        var ips = n.ips() == null ? List.<java.net.InetAddress>of() : n.ips().stream().map(IpAddresses::parse).toList();
        Map<String, String> labels = new TreeMap<>();
        if (n.labels() != null) n.labels().forEach((k, v) -> labels.put(new Label(k, v).key(), v));
        HostName.check(n.name());
        return hosts.add(new HostStore.NewHost(n.name(), macs, uuid, ips, labels), actor);
    }

    private BootJson setBoot(String name, BootChange c, String actor) {
        if (c == null) throw new InvalidInputException("request body is empty");
        BootMode mode = BootMode.of(c.mode(), c.profile());
        var lasting = Optional.ofNullable(Json.optional(c.forDuration(), "for")).map(Durations::parse);
        return BootJson.of(bootModes.set(name, mode, lasting, actor, "").next());
    }

    private static <T> T body(Request req, Class<T> type) {
        try {
            return parseBody(text(req), type);
        } catch (java.io.IOException e) {
            throw new InvalidInputException("cannot read request body: " + e.getMessage());
        }
    }

    /**
     * A request body as text: at most 1 MiB read (a chunked body has no length to check first), and strict
     * UTF-8 (JSON's encoding), refused with a 400 that says so rather than decoded with replacements.
     */
    static String text(Request req) throws java.io.IOException {
        if (req.getLength() > MAX_BODY) throw new InvalidInputException("request body larger than 1 MiB");
        byte[] raw = Content.Source.asInputStream(req).readNBytes(MAX_BODY + 1);
        if (raw.length > MAX_BODY) throw new InvalidInputException("request body larger than 1 MiB");
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(java.nio.charset.CodingErrorAction.REPORT)
                    .onUnmappableCharacter(java.nio.charset.CodingErrorAction.REPORT).decode(java.nio.ByteBuffer.wrap(raw)).toString();
        } catch (java.nio.charset.CharacterCodingException e) {
            throw new InvalidInputException("request body is not valid UTF-8");
        }
    }

    private Json.ConsoleJson console(String host, Fields q) {
        try {
            var page = q.getValue("after") != null
                    ? consoleLog.after(host, intParam(q, "after", 0, 0, Integer.MAX_VALUE))
                    : consoleLog.tail(host, intParam(q, "lines", 100, 1, 100_000));
            return new Json.ConsoleJson(host, page.lines(), page.next());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    static int intParam(Fields q, String name, int def, int min, int max) {
        String v = q.getValue(name);
        if (v == null || v.isEmpty()) return def;
        try {
            if (!v.matches("[0-9]{1,10}")) throw new NumberFormatException(); // ASCII: parseInt takes any script's digits
            int i = Integer.parseInt(v);
            if (i < min || i > max) throw new NumberFormatException();
            return i;
        } catch (NumberFormatException e) {
            throw new InvalidInputException(name + " must be a number from " + min + " to " + max);
        }
    }

    private static Result only(String method, String allowed, String[] s, int len, java.util.function.Supplier<Result> r) {
        if (s.length != len) throw new NotFoundException("no such API path");
        if (!allowed.equals(method)) return notAllowed();
        return r.get();
    }

    private static Result notAllowed() {
        return new Result(405, new ErrorJson("method not allowed"));
    }
}
