package io.netrescue.power.server;

import io.netrescue.inventory.InvalidInputException;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * One host's configuration of one driver: the driver kind, its settings as strings (from the CLI or
 * API, stored as given), an optional secret (password, community, v3 passphrase; stored sealed with
 * the master key, only opened here to build the driver) and the per-call timeout.
 */
public record PowerSettings(String host, String kind, Map<String, String> settings, Optional<String> secret, Duration timeout) {

    public PowerSettings {
        settings = java.util.Collections.unmodifiableMap(new TreeMap<>(settings));
        if (timeout.isNegative() || timeout.isZero()) throw new InvalidInputException("power timeout must be positive");
    }

    public String required(String key) {
        String v = settings.get(key);
        if (v == null || v.isBlank()) throw new InvalidInputException(kind + " power for " + host + ": missing setting '" + key + "'");
        return v.strip();
    }

    public String optional(String key, String fallback) {
        String v = settings.get(key);
        return v == null || v.isBlank() ? fallback : v.strip();
    }

    public int integer(String key, int fallback, int min, int max) {
        String v = settings.get(key);
        if (v == null || v.isBlank()) return fallback;
        try {
            int i = Integer.parseInt(v.strip());
            if (i < min || i > max) throw new NumberFormatException();
            return i;
        } catch (NumberFormatException e) {
            throw new InvalidInputException(kind + " power for " + host + ": '" + key + "' must be a number " + min + "-" + max + ", not '" + v + "'");
        }
    }

    public String requiredSecret() {
        return secret.filter(s -> !s.isEmpty()).orElseThrow(() ->
                new InvalidInputException(kind + " power for " + host + " needs a secret (--secret-file)"));
    }

    /** Refuses settings the driver does not know, so a typo is an error instead of a silent default. */
    public void onlyKnown(Set<String> known) {
        for (String k : settings.keySet()) {
            if (!known.contains(k)) {
                throw new InvalidInputException(kind + " power for " + host + ": unknown setting '" + k + "' (known: "
                        + String.join(", ", new java.util.TreeSet<>(known)) + ")");
            }
        }
    }
}
