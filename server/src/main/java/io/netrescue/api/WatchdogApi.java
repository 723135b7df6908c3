package io.netrescue.api;

import io.netrescue.api.Json.HealthJson;
import io.netrescue.api.Json.PowerDriverJson;
import io.netrescue.api.Json.PowerRequestJson;
import io.netrescue.api.Json.WatchdogChange;
import io.netrescue.boot.Durations;
import io.netrescue.inventory.InvalidInputException;
import io.netrescue.power.server.PowerAction;
import io.netrescue.power.server.PowerService;
import io.netrescue.store.NotFoundException;
import io.netrescue.watchdog.Ladder;
import io.netrescue.watchdog.server.Watchdog;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * {@code /api/v1/watchdog} (every host's liveness), {@code /api/v1/hosts/NAME/watchdog} (GET; POST
 * maintenance, silence, ladder overrides), {@code /api/v1/hosts/NAME/power} (GET drivers; POST an
 * action) and {@code /api/v1/hosts/NAME/power/KIND} (PUT, DELETE a driver).
 */
public final class WatchdogApi {
    private final Supplier<Optional<Watchdog>> watchdog;
    private final PowerService power;
    private final Supplier<io.netrescue.boot.trial.KernelTrials> trials;

    public WatchdogApi(Supplier<Optional<Watchdog>> watchdog, PowerService power, Supplier<io.netrescue.boot.trial.KernelTrials> trials) {
        this.watchdog = watchdog;
        this.power = power;
        this.trials = trials;
    }

    /** {@code /hosts/NAME/kernel-try}: POST arms a trial, GET its history (newest first), DELETE cancels. */
    Reply kernelTry(String method, String host, SysrqApi.Body body, String actor) {
        return switch (method) {
            case "GET" -> new Reply(200, trials.get().history(host).stream().map(Json.KernelTrialJson::of).toList());
            case "POST" -> {
                Json.KernelTryJson j = ApiHandler.parseBody(read(body), Json.KernelTryJson.class);
                if (j.profile() == null || j.profile().isBlank()) throw new InvalidInputException("profile is required");
                Duration d = j.deadline() == null ? Duration.ofMinutes(10) : Durations.parse(j.deadline());
                yield new Reply(201, Json.KernelTrialJson.of(trials.get().start(host, io.netrescue.boot.Profile.checkName(j.profile()), d,
                        Boolean.TRUE.equals(j.reboot()), Boolean.TRUE.equals(j.kexec()), actor)));
            }
            case "DELETE" -> new Reply(200, Json.KernelTrialJson.of(trials.get().cancel(host, actor)));
            default -> new Reply(405, new Json.ErrorJson("method not allowed"));
        };
    }

    record Reply(int status, Object body) {}

    private Watchdog wd() {
        return watchdog.get().orElseThrow(() -> new IllegalStateException("the watchdog is not running"));
    }

    Reply all(String method, String sub) {
        if (!"GET".equals(method)) return new Reply(405, new Json.ErrorJson("method not allowed"));
        if (sub == null) return new Reply(200, wd().all().stream().map(HealthJson::of).toList());
        if (!sub.equals("summary")) throw new NotFoundException("no such API path");
        return new Reply(200, wd().summary());
    }

    Reply host(String method, String host, SysrqApi.Body body, String actor) {
        return switch (method) {
            case "GET" -> new Reply(200, HealthJson.of(wd().one(host)));
            case "POST" -> {
                WatchdogChange c = ApiHandler.parseBody(read(body), WatchdogChange.class);
                String reason = c.reason() == null ? "" : c.reason().strip();
                if (reason.length() > 200 || !reason.matches("[\\x20-\\x7e]*")) throw new InvalidInputException("reason must be up to 200 printable characters");
                int n = (c.maintenance() != null ? 1 : 0) + (c.silence() != null ? 1 : 0) + (c.ladder() != null ? 1 : 0);
                if (n != 1) throw new InvalidInputException("give exactly one of maintenance, silence or ladder");
                Watchdog.HealthView v;
                if (c.maintenance() != null) v = wd().maintenance(host, c.maintenance(), reason, actor);
                else if (c.silence() != null) {
                    Duration d = c.silence().strip().equals("0") ? Duration.ZERO : Durations.parse(c.silence());
                    v = wd().silence(host, d, reason, actor);
                } else {
                    Ladder.OverrideKind k;
                    try {
                        k = Ladder.OverrideKind.valueOf(c.ladder().strip().toUpperCase(Locale.ROOT));
                    } catch (IllegalArgumentException e) {
                        throw new InvalidInputException("ladder must be start, pause, resume, skip or abort, not '" + c.ladder() + "'");
                    }
                    v = wd().override(host, k, actor);
                }
                yield new Reply(200, HealthJson.of(v));
            }
            default -> new Reply(405, new Json.ErrorJson("method not allowed"));
        };
    }

    Reply power(String method, String host, String kind, SysrqApi.Body body, String actor) {
        if (kind == null) {
            return switch (method) {
                case "GET" -> new Reply(200, power.list(host).stream().map(WatchdogApi::view).toList());
                case "POST" -> {
                    PowerRequestJson r = ApiHandler.parseBody(read(body), PowerRequestJson.class);
                    if (r.action() == null) throw new InvalidInputException("action is required (status, on, off, cycle, soft-reset)");
                    yield new Reply(200, power.perform(host, PowerAction.parse(r.action()), Optional.ofNullable(r.driver()), actor));
                }
                default -> new Reply(405, new Json.ErrorJson("method not allowed"));
            };
        }
        if (!kind.matches("[a-z][a-z0-9-]{0,15}")) throw new NotFoundException("no such power driver kind");
        return switch (method) {
            case "PUT" -> {
                PowerDriverJson j = ApiHandler.parseBody(read(body), PowerDriverJson.class);
                Map<String, String> settings = j.settings() == null ? Map.of() : j.settings();
                Duration timeout = j.timeout() == null ? Duration.ofSeconds(10) : Durations.parse(j.timeout());
                Optional<byte[]> secret = Optional.ofNullable(j.secret()).map(s -> {
                    if (s.isEmpty() || s.length() > 512) throw new InvalidInputException("secret must be 1-512 characters");
                    return s.getBytes(StandardCharsets.UTF_8);
                });
                yield new Reply(200, view(power.configure(host, kind, settings, secret, timeout, Optional.ofNullable(j.pos()), actor)));
            }
            case "DELETE" -> {
                power.remove(host, kind, actor);
                yield new Reply(204, null);
            }
            default -> new Reply(405, new Json.ErrorJson("method not allowed"));
        };
    }

    static PowerDriverJson view(PowerService.View v) {
        return new PowerDriverJson(v.kind(), v.pos(), v.settings(), null, v.secret(), Durations.format(Duration.ofMillis(v.timeoutMillis())),
                v.supports(), v.describe());
    }

    private static String read(SysrqApi.Body b) {
        try {
            return b.read();
        } catch (java.io.IOException e) {
            throw new InvalidInputException("cannot read request body: " + e.getMessage());
        }
    }
}
