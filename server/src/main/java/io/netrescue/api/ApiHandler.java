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
import io.netrescue.boot.BootState;
import io.netrescue.boot.Durations;
import io.netrescue.boot.Profile;
import io.netrescue.boot.Host;
import io.netrescue.inventory.HostName;
import io.netrescue.inventory.InvalidInputException;
import io.netrescue.inventory.IpAddresses;
import io.netrescue.inventory.Label;
import io.netrescue.inventory.MacAddress;
import io.netrescue.inventory.SmbiosUuid;
import io.netrescue.secrets.ApiToken;
import io.netrescue.http.Http;
import io.netrescue.store.ConflictException;
import io.netrescue.store.Database;
import io.netrescue.store.Event;
import io.netrescue.store.EventStore;
import io.netrescue.store.HostStore;
import io.netrescue.store.InventoryCache;
import io.netrescue.store.NotFoundException;
import io.netrescue.store.ProfileStore;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
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
 * The JSON API under {@code /api/v1}. Every state change is committed durably, together with its
 * audit event, before the response is sent. Requests need the bearer token (reads too, unless
 * {@code api.open-reads}); {@code /api/v1/health} is open.
 */
public final class ApiHandler extends Handler.Abstract {
    private static final Logger log = LoggerFactory.getLogger(ApiHandler.class);
    private static final String PREFIX = "/api/v1/";
    private static final int MAX_BODY = 1 << 20;

    private final Database db;
    private final HostStore hosts;
    private final ProfileStore profiles;
    private final InventoryCache inventory;
    private final EventStore events;
    private final ApiToken token;
    private final boolean openReads;
    private final Clock clock;
    private final SysrqApi sysrq;
    private final NetbootApi netboot;
    private final io.netrescue.console.server.ConsoleLog consoleLog;
    private final WatchdogApi watchdog;

    public ApiHandler(Database db, HostStore hosts, ProfileStore profiles, InventoryCache inventory, EventStore events,
                      ApiToken token, boolean openReads, Clock clock, SysrqApi sysrq, NetbootApi netboot,
                      io.netrescue.console.server.ConsoleLog consoleLog, WatchdogApi watchdog) {
        this.consoleLog = consoleLog;
        this.watchdog = watchdog;
        this.sysrq = sysrq;
        this.netboot = netboot;
        this.db = db;
        this.hosts = hosts;
        this.profiles = profiles;
        this.inventory = inventory;
        this.events = events;
        this.token = token;
        this.openReads = openReads;
        this.clock = clock;
    }

    private record Result(int status, Object body) {}

    /** Reads a JSON body with the API's limits; shared with feature routers. */
    static <T> T parseBody(String s, Class<T> type) {
        if (s.length() > MAX_BODY) throw new InvalidInputException("request body larger than 1 MiB");
        if (s.isBlank()) throw new InvalidInputException("request body is empty");
        return Json.MAPPER.readValue(s, type);
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
            r = new Result(400, new ErrorJson("malformed JSON: " + e.getOriginalMessage()));
        } catch (NotFoundException e) {
            r = new Result(404, new ErrorJson(e.getMessage()));
        } catch (ConflictException e) {
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
        String h = req.getHeaders().get(HttpHeader.AUTHORIZATION);
        if (h == null || !h.startsWith("Bearer ") || !token.matches(h.substring(7).strip())) throw new Unauthorized();
    }

    private Result route(String method, String[] s, Request req) {
        String actor = "api:" + Http.remoteAddress(req).getHostAddress();
        return switch (s[0]) {
            case "health" -> only(method, "GET", s, 1, () -> new Result(200, Map.of("status", "ok")));
            case "hosts" -> switch (s.length) {
                case 1 -> switch (method) {
                    case "GET" -> new Result(200, db.read(hosts::list).stream().map(HostJson::of).toList());
                    case "POST" -> new Result(201, HostJson.of(addHost(body(req, NewHostJson.class), actor)));
                    default -> notAllowed();
                };
                case 2 -> switch (method) {
                    case "GET" -> new Result(200, HostJson.of(db.read(h -> hosts.require(h, s[1]))));
                    case "DELETE" -> {
                        Instant now = clock.instant();
                        db.inWriteTransaction(h -> {
                            hosts.remove(h, s[1]);
                            events.append(h, Event.of(now, s[1], "host.removed", actor, null));
                            return null;
                        });
                        inventory.refreshHost(s[1]);
                        yield new Result(204, null);
                    }
                    default -> notAllowed();
                };
                case 3, 4 -> {
                    if (s[2].equals("sysrq")) {
                        HostName.check(s[1]);
                        SysrqApi.Reply x = sysrq.route(method, s[1], s.length == 4 ? s[3] : null, () -> Content.Source.asString(req,
                                StandardCharsets.UTF_8), Request.extractQueryParameters(req), actor);
                        yield new Result(x.status(), x.body());
                    }
                    if (s[2].equals("watchdog") && s.length == 3) {
                        HostName.check(s[1]);
                        WatchdogApi.Reply x = watchdog.host(method, s[1], () -> Content.Source.asString(req, StandardCharsets.UTF_8), actor);
                        yield new Result(x.status(), x.body());
                    }
                    if (s[2].equals("kernel-try") && s.length == 3) {
                        HostName.check(s[1]);
                        WatchdogApi.Reply x = watchdog.kernelTry(method, s[1], () -> Content.Source.asString(req, StandardCharsets.UTF_8), actor);
                        yield new Result(x.status(), x.body());
                    }
                    if (s[2].equals("power")) {
                        HostName.check(s[1]);
                        WatchdogApi.Reply x = watchdog.power(method, s[1], s.length == 4 ? s[3] : null,
                                () -> Content.Source.asString(req, StandardCharsets.UTF_8), actor);
                        yield new Result(x.status(), x.body());
                    }
                    if (s[2].equals("console") && s.length == 3) {
                        if (!"GET".equals(method)) yield notAllowed();
                        String name = db.read(h -> hosts.require(h, s[1])).name();
                        yield new Result(200, console(name, Request.extractQueryParameters(req)));
                    }
                    if (!s[2].equals("boot") || s.length != 3) throw new NotFoundException("no such API path");
                    yield switch (method) {
                        case "GET" -> new Result(200, BootJson.of(db.read(h -> hosts.require(h, s[1])).boot()));
                        case "PUT", "POST" -> new Result(200, setBoot(s[1], body(req, BootChange.class), actor));
                        default -> notAllowed();
                    };
                }
                default -> throw new NotFoundException("no such API path");
            };
            case "profiles" -> switch (s.length) {
                case 1 -> switch (method) {
                    case "GET" -> new Result(200, db.read(profiles::list).stream().map(ProfileJson::of).toList());
                    case "POST" -> {
                        ProfileJson pj = body(req, ProfileJson.class);
                        Profile p = pj.toProfile();
                        Instant now = clock.instant();
                        db.inWriteTransaction(h -> {
                            profiles.put(h, p, Boolean.TRUE.equals(pj.replace()), now);
                            events.append(h, Event.of(now, null, "profile.saved", actor, "profile " + p.name() + ": kernel " + p.kernel()));
                            return null;
                        });
                        inventory.refreshProfile(p.name());
                        yield new Result(201, ProfileJson.of(p));
                    }
                    default -> notAllowed();
                };
                case 2 -> switch (method) {
                    case "GET" -> new Result(200, ProfileJson.of(db.read(h -> profiles.get(h, s[1]))
                            .orElseThrow(() -> new NotFoundException("no profile named " + s[1]))));
                    case "DELETE" -> {
                        Instant now = clock.instant();
                        db.inWriteTransaction(h -> {
                            profiles.remove(h, s[1]);
                            events.append(h, Event.of(now, null, "profile.removed", actor, "profile " + s[1]));
                            return null;
                        });
                        inventory.refreshProfile(s[1]);
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
                return new Result(200, db.read(h -> events.recent(h, host, limit, after)).stream().map(EventJson::of).toList());
            });
            case "netboot" -> {
                if (s.length > 2) throw new NotFoundException("no such API path");
                NetbootApi.Reply x = netboot.route(method, s.length == 2 ? s[1] : null);
                yield new Result(x.status(), x.body());
            }
            case "watchdog" -> {
                if (s.length > 2) throw new NotFoundException("no such API path");
                WatchdogApi.Reply x = watchdog.all(method, s.length == 2 ? s[1] : null);
                yield new Result(x.status(), x.body());
            }
            case "discovered" -> only(method, "GET", s, 1,
                    () -> new Result(200, db.read(events::discovered).stream().map(DiscoveredJson::of).toList()));
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
        Instant now = clock.instant();
        Host added = db.inWriteTransaction(h -> {
            Host host = hosts.add(h, new HostStore.NewHost(n.name(), macs, uuid, ips, labels), now);
            events.append(h, Event.of(now, host.name(), "host.added", actor, "macs " + host.macs()
                    + host.uuid().map(u -> " uuid " + u).orElse("") + (ips.isEmpty() ? "" : " ips " + n.ips())));
            return host;
        });
        inventory.refreshHost(added.name());
        return added;
    }

    private BootJson setBoot(String name, BootChange c, String actor) {
        if (c == null) throw new InvalidInputException("request body is empty");
        BootMode mode = BootMode.of(c.mode(), c.profile());
        Instant now = clock.instant().truncatedTo(java.time.temporal.ChronoUnit.MILLIS);
        Optional<Instant> until = Optional.ofNullable(c.forDuration()).filter(x -> !x.isBlank()).map(d -> now.plus(Durations.parse(d)));
        if (mode instanceof BootMode.Local && until.isPresent()) throw new InvalidInputException("mode local never expires; --for makes no sense");
        BootJson set = db.inWriteTransaction(h -> {
            Host host = hosts.require(h, name);
            mode.profileName().ifPresent(p -> {
                if (profiles.get(h, p).isEmpty()) throw new NotFoundException("no profile named " + p);
            });
            BootState next = BootState.set(host.boot(), mode, until);
            hosts.setBoot(h, name, next, now);
            events.append(h, Event.of(now, name, "boot.mode", actor, "mode set to " + next + " (was " + host.boot() + ")"));
            return BootJson.of(next);
        });
        inventory.refreshHost(name);
        return set;
    }

    private static <T> T body(Request req, Class<T> type) {
        if (req.getLength() > MAX_BODY) throw new InvalidInputException("request body larger than 1 MiB");
        try {
            String s = Content.Source.asString(req, StandardCharsets.UTF_8);
            if (s.length() > MAX_BODY) throw new InvalidInputException("request body larger than 1 MiB");
            if (s.isBlank()) throw new InvalidInputException("request body is empty");
            return Json.MAPPER.readValue(s, type);
        } catch (java.io.IOException e) {
            throw new InvalidInputException("cannot read request body: " + e.getMessage());
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

    private static int intParam(Fields q, String name, int def, int min, int max) {
        String v = q.getValue(name);
        if (v == null || v.isEmpty()) return def;
        try {
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
