package io.netrescue.power.server;

import io.netrescue.inventory.InvalidInputException;
import io.netrescue.secrets.MasterKey;
import io.netrescue.store.Database;
import io.netrescue.store.Event;
import io.netrescue.store.EventStore;
import io.netrescue.store.HostStore;
import io.netrescue.store.NotFoundException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Power control of inventory hosts through their configured drivers, for {@code netrescue power}
 * and the ladder. An action goes to the first driver (in the host's order) that has it; a driver
 * that fails after its retries hands over to the next one (a dead BMC, then the PDU outlet). Every
 * attempt is on the host's timeline: {@code power.requested} is durable before anything is sent.
 */
public final class PowerService {
    private static final Logger log = LoggerFactory.getLogger(PowerService.class);

    private final Database db;
    private final HostStore hosts;
    private final PowerStore store;
    private final EventStore events;
    private final MasterKey master;
    private final Clock clock;
    private final int attempts;
    private final Duration firstBackoff;

    public PowerService(Database db, HostStore hosts, PowerStore store, EventStore events, MasterKey master, Clock clock,
                        int attempts, Duration firstBackoff) {
        this.db = db;
        this.hosts = hosts;
        this.store = store;
        this.events = events;
        this.master = master;
        this.clock = clock;
        this.attempts = attempts;
        this.firstBackoff = firstBackoff;
    }

    /** A driver as shown to operators: never its secret, only whether there is one. */
    public record View(String kind, int pos, Map<String, String> settings, boolean secret, long timeoutMillis, List<String> supports,
                       String describe) {}

    public record Outcome(String host, String action, String driver, String result, String state, String detail, int attempts) {}

    public List<View> list(String host) {
        List<View> out = new ArrayList<>();
        for (Built b : built(host)) {
            PowerStore.Stored x = b.stored();
            out.add(b.driver().map(d -> new View(x.kind(), x.pos(), x.settings(), x.sealedSecret().isPresent(), x.timeoutMillis(),
                            d.supports().stream().map(PowerAction::word).sorted().toList(), d.describe()))
                    .orElseGet(() -> new View(x.kind(), x.pos(), x.settings(), x.sealedSecret().isPresent(), x.timeoutMillis(),
                            List.of(), "unusable: " + b.error())));
        }
        return out;
    }

    /** Validates by building the driver, then stores it; the secret is sealed under the host and kind. */
    public View configure(String host, String kind, Map<String, String> settings, Optional<byte[]> secret, Duration timeout,
                          Optional<Integer> pos, String actor) {
        if (timeout.isNegative() || timeout.isZero() || timeout.toMillis() > 600_000) throw new InvalidInputException("timeout must be 1ms-10m");
        Optional<String> sealed = secret.map(b -> master.seal(b, context(host, kind)));
        var now = clock.instant();
        db.inWriteTransaction(h -> {
            hosts.require(h, host);
            Optional<String> effective = sealed.isPresent() ? sealed
                    : store.list(h, host).stream().filter(x -> x.kind().equals(kind)).findFirst().flatMap(PowerStore.Stored::sealedSecret);
            // build it now, so a bad setting is refused instead of discovered when the host is down
            driver(host, new PowerStore.Stored(kind, 0, settings, effective, (int) timeout.toMillis()));
            store.put(h, host, kind, pos, settings, sealed, true, (int) timeout.toMillis(), now);
            events.append(h, Event.of(now, host, "power.configured", actor, kind + " " + settings + (sealed.isPresent() ? " (new secret)" : "")));
            return null;
        });
        return list(host).stream().filter(v -> v.kind().equals(kind)).findFirst().orElseThrow();
    }

    public void remove(String host, String kind, String actor) {
        var now = clock.instant();
        db.inWriteTransaction(h -> {
            hosts.require(h, host);
            if (!store.remove(h, host, kind)) throw new NotFoundException(host + " has no " + kind + " power driver");
            events.append(h, Event.of(now, host, "power.removed", actor, kind));
            return null;
        });
    }

    public boolean hasDriverFor(String host, PowerAction action) {
        return drivers(host).stream().anyMatch(d -> d.supports().contains(action));
    }

    /** Performs {@code action} (STATUS included) with the first capable driver, or the named one. */
    public Outcome perform(String host, PowerAction action, Optional<String> kind, String actor) {
        List<PowerDriver> all = drivers(host);
        if (all.isEmpty()) throw new InvalidInputException(host + " has no power driver (netrescue host power " + host + " --set KIND KEY=VALUE ...)");
        List<PowerDriver> candidates = all.stream().filter(d -> kind.map(k -> d.kind().equals(k)).orElse(true))
                .filter(d -> d.supports().contains(action)).toList();
        if (candidates.isEmpty()) {
            throw new InvalidInputException(kind.map(k -> host + "'s " + k + " driver").orElse("none of " + host + "'s power drivers")
                    + " cannot " + action.word() + " (configured: " + String.join(", ", all.stream().map(PowerDriver::kind).toList()) + ")");
        }
        // every attempt is on the timeline first, a status query too: it talks to the BMC or PDU as a cycle does
        record(host, "power.requested", actor, action.word() + " via " + candidates.getFirst().describe());
        Outcome last = null;
        for (PowerDriver d : candidates) {
            last = attempt(host, d, action);
            record(host, last.result().equals("ok") ? "power." + action.word() : "power.failed", actor,
                    action.word() + " via " + d.describe() + ": " + last.detail() + (last.attempts() > 1 ? " (" + last.attempts() + " attempts)" : ""));
            if (last.result().equals("ok")) return last;
        }
        return last;
    }

    private Outcome attempt(String host, PowerDriver d, PowerAction action) {
        Duration backoff = firstBackoff;
        for (int i = 1; ; i++) {
            try {
                if (action == PowerAction.STATUS) {
                    PowerState st = d.status();
                    return new Outcome(host, action.word(), d.kind(), "ok", st.name().toLowerCase(), "power is " + st.name().toLowerCase(), i);
                }
                String detail = d.perform(action);
                return new Outcome(host, action.word(), d.kind(), "ok", null, detail, i);
            } catch (PowerException e) {
                log.atWarn().addKeyValue("host", host).addKeyValue("driver", d.describe()).addKeyValue("action", action.word())
                        .addKeyValue("attempt", i).addKeyValue("error", e.getMessage()).log("power action failed");
                if (!e.retryable() || i >= attempts) return new Outcome(host, action.word(), d.kind(), "failed", null, e.getMessage(), i);
            } catch (RuntimeException e) {
                // a driver bug must not take the ladder down with it: it is a failed attempt like any other
                log.atError().setCause(e).addKeyValue("host", host).addKeyValue("driver", d.kind()).log("power driver threw");
                return new Outcome(host, action.word(), d.kind(), "failed", null, "driver error: " + e, i);
            }
            try {
                Thread.sleep(backoff);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return new Outcome(host, action.word(), d.kind(), "failed", null, "interrupted", i);
            }
            backoff = backoff.multipliedBy(2);
        }
    }

    private List<PowerDriver> drivers(String host) {
        List<PowerDriver> out = new ArrayList<>();
        for (Built b : built(host)) {
            if (b.driver().isPresent()) out.add(b.driver().get());
            else log.atWarn().addKeyValue("host", host).addKeyValue("driver", b.stored().kind()).addKeyValue("error", b.error()).log("power driver unusable");
        }
        return out;
    }

    /** A stored driver, built; one that cannot be built (a bad setting, a secret that no longer opens) says why. */
    private record Built(PowerStore.Stored stored, Optional<PowerDriver> driver, String error) {}

    private List<Built> built(String host) {
        List<PowerStore.Stored> stored = db.read(h -> {
            hosts.require(h, host);
            return store.list(h, host);
        });
        List<Built> out = new ArrayList<>();
        for (PowerStore.Stored x : stored) {
            try {
                out.add(new Built(x, Optional.of(driver(host, x)), ""));
            } catch (RuntimeException e) {
                out.add(new Built(x, Optional.empty(), String.valueOf(e.getMessage())));
            }
        }
        return out;
    }

    private PowerDriver driver(String host, PowerStore.Stored x) {
        Optional<String> secret = x.sealedSecret().map(s -> new String(master.open(s, context(host, x.kind())), StandardCharsets.UTF_8));
        return PowerDrivers.create(new PowerSettings(host, x.kind(), x.settings(), secret, Duration.ofMillis(x.timeoutMillis())));
    }

    private static String context(String host, String kind) {
        return "power:" + kind + ":" + host;
    }

    private void record(String host, String kind, String actor, String detail) {
        var now = clock.instant();
        db.inWriteTransaction(h -> {
            events.append(h, Event.of(now, host, kind, actor, detail));
            return null;
        });
    }
}
