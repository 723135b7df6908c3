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
    /** At most this many keys per activation: every one is a way in as root. */
    public static final int MAX = 32;

    private RescueKeys() {}

    public static List<SshPublicKey> forActivation(String host, List<SshPublicKey> given, List<SshPublicKey> registered, boolean password) {
        List<SshPublicKey> out = new ArrayList<>();
        for (SshPublicKey k : given) add(out, k);
        for (SshPublicKey k : registered) add(out, k);
        if (out.isEmpty() && !password) {
            throw new InvalidInputException("a rescue activation needs an SSH key or a password, and " + host + " has no registered SSH key:"
                    + " register one (netrescue host ssh-key add " + host + " FILE) or give --ssh-key FILE or --password");
        }
        if (out.size() > MAX) throw new InvalidInputException("at most " + MAX + " SSH keys per activation (given and registered together)");
        return List.copyOf(out);
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

    private static void add(List<SshPublicKey> out, SshPublicKey k) {
        if (out.stream().noneMatch(k::sameKey)) out.add(k);
    }
}
