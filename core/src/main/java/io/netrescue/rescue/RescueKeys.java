package io.netrescue.rescue;

import io.netrescue.inventory.InvalidInputException;
import java.util.ArrayList;
import java.util.List;

/**
 * Which SSH keys an activation carries: the keys given with it and the host's registered keys. Both,
 * not one instead of the other: an operator who adds a key for this one time (a colleague's) must not
 * lock out the team whose keys are registered, and the ladder, which gives none, gets the registered
 * ones. The same key given twice (whatever its comment) counts once, the given spelling first.
 */
public final class RescueKeys {
    /**
     * At most this many keys per activation, counted as the activation carries them: the given and the
     * registered ones together, the same key once. Every one is a way in as root.
     */
    public static final int MAX = 32;

    private RescueKeys() {}

    public static List<SshPublicKey> forActivation(String host, List<SshPublicKey> given, List<SshPublicKey> registered, boolean password) {
        return forActivation(host, given, registered, password, false);
    }

    /** {@code forJobs}: an activation for the host's jobs may carry no key (see {@link RescueActivation#activate}). */
    public static List<SshPublicKey> forActivation(String host, List<SshPublicKey> given, List<SshPublicKey> registered, boolean password, boolean forJobs) {
        List<SshPublicKey> out = distinct(given, registered);
        if (out.isEmpty() && !password && !forJobs) {
            throw new InvalidInputException("a rescue activation needs an SSH key or a password, and " + host + " has no registered SSH key:"
                    + " register one (netrescue host ssh-key add " + host + " FILE) or give --ssh-key FILE or --password");
        }
        if (out.size() > MAX) throw tooMany(out.size(), distinct(given, List.of()).size(), distinct(registered, List.of()).size());
        return List.copyOf(out);
    }

    /**
     * Refuses {@code given} when these keys alone are more than an activation can carry (before asking
     * for the host's registered ones, which can only add to them).
     */
    public static void checkGiven(List<SshPublicKey> given) {
        int n = distinct(given, List.of()).size();
        if (n > MAX) throw tooMany(n, n, 0);
    }

    private static InvalidInputException tooMany(int carried, int given, int registered) {
        return new InvalidInputException("a rescue activation carries at most " + MAX + " SSH keys, the given and the host's registered ones"
                + " together (the same key counted once): this one would carry " + carried + " (" + given + " given, " + registered + " registered)");
    }

    /** The keys in order, each once (the first spelling wins), in linear time: a request may give many. */
    private static List<SshPublicKey> distinct(List<SshPublicKey> first, List<SshPublicKey> then) {
        java.util.Map<String, SshPublicKey> seen = new java.util.LinkedHashMap<>();
        for (SshPublicKey k : first) seen.putIfAbsent(k.keyText(), k);
        for (SshPublicKey k : then) seen.putIfAbsent(k.keyText(), k);
        return new ArrayList<>(seen.values());
    }

    /**
     * A fingerprint as {@code ssh-keygen -l -E sha256} prints it ({@code SHA256:} and 43 characters of
     * unpadded base64), also without its prefix or in base64url ({@code -} for {@code +}, {@code _} for
     * {@code /}), the spelling that fits in a URL path segment. Returns the ssh-keygen spelling.
     */
    public static String fingerprint(String s) {
        String b = s == null ? "" : s.strip();
        if (b.startsWith("SHA256:")) b = b.substring(7);
        b = b.replace('-', '+').replace('_', '/');
        if (!b.matches("[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]")) {
            throw new InvalidInputException("malformed SSH key fingerprint (expected SHA256:... as ssh-keygen -l -E sha256 prints it)");
        }
        return "SHA256:" + b;
    }

    /** The fingerprint in base64url, for a URL path ({@code /} would split it). */
    public static String urlSafe(String fingerprint) {
        return fingerprint(fingerprint).replace('+', '-').replace('/', '_');
    }
}
