package io.netrescue.watchdog;

import io.netrescue.inventory.InvalidInputException;
import java.time.Duration;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;

/**
 * An escalation ladder for the hosts whose labels match {@code selector} (every pair must match; an
 * empty selector matches every host). The first matching policy in the file applies.
 *
 * @param maxAttempts ladder runs allowed per host within {@code attemptWindow}; beyond that a dead host
 *     gets only the hands-on request: a machine that dies every hour needs a person, not more power cycles
 * @param backoff each further run within the window multiplies the waits by this factor
 * @param cooldown after a recovery, a new death waits this long before a new run starts
 */
public record LadderPolicy(String name, Map<String, String> selector, List<LadderStep> steps, int maxAttempts,
                           Duration attemptWindow, double backoff, Duration cooldown, List<MaintenanceWindow> maintenance,
                           ZoneId zone) {

    public LadderPolicy {
        selector = Map.copyOf(selector);
        steps = List.copyOf(steps);
        maintenance = List.copyOf(maintenance);
        if (steps.isEmpty()) throw new InvalidInputException("policy " + name + ": no steps");
        if (maxAttempts < 1) throw new InvalidInputException("policy " + name + ": max-attempts must be at least 1");
        if (backoff < 1 || backoff > 10) throw new InvalidInputException("policy " + name + ": backoff must be 1-10");
    }

    public boolean matches(Map<String, String> labels) {
        for (var e : selector.entrySet()) {
            if (!e.getValue().equals(labels.get(e.getKey()))) return false;
        }
        return true;
    }

    /** The default ladder: the example, a sensible start for a site that has SysRq and a BMC. */
    public static LadderPolicy defaults() {
        return new LadderPolicy("default", Map.of(), List.of(
                LadderStep.parse("wait 60s"), LadderStep.parse("sysrq sisub"), LadderStep.parse("wait 120s"),
                LadderStep.parse("power cycle"), LadderStep.parse("wait 300s"), LadderStep.parse("rescue"),
                LadderStep.parse("wait 300s"), LadderStep.parse("hands-on")),
                3, Duration.ofHours(24), 2, Duration.ofMinutes(30), List.of(), ZoneId.of("UTC"));
    }

    /** Parses {@code "rack=r1,role=db"} (empty: every host). */
    public static Map<String, String> selector(String s) {
        Map<String, String> m = new java.util.TreeMap<>();
        if (s == null || s.isBlank()) return m;
        for (String p : s.split(",")) {
            int eq = p.indexOf('=');
            if (eq <= 0) throw new InvalidInputException("selector '" + s + "' must be key=value pairs separated by commas");
            m.put(p.substring(0, eq).strip(), p.substring(eq + 1).strip());
        }
        return m;
    }
}
