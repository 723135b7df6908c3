package io.netrescue.rescue;

import io.netrescue.inventory.InvalidInputException;
import java.util.List;
import java.util.regex.Pattern;

/**
 * {@code known_hosts} lines (sshd(8), "SSH_KNOWN_HOSTS FILE FORMAT") for keys a rescue system
 * reported over its authenticated channel, so the operator's ssh verifies the host without asking.
 * Names are host names or literal addresses only: a pattern character ({@code * ? ! ,}), a space or
 * a marker ({@code @revoked}) in a name would widen or change what the line vouches for.
 */
public final class KnownHosts {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9.:-]{0,252}|\\[[A-Za-z0-9.:-]{1,253}]:[0-9]{1,5}");

    private KnownHosts() {}

    /** One line per key: {@code name1,name2 type base64}. */
    public static String lines(List<String> names, List<SshPublicKey> keys) {
        if (names.isEmpty()) throw new InvalidInputException("known_hosts needs at least one host name or address");
        for (String n : names) {
            if (!NAME.matcher(n).matches()) throw new InvalidInputException("not a plain host name or address for known_hosts: " + io.netrescue.inventory.Printable.clip(n));
        }
        String joined = String.join(",", names.stream().distinct().toList());
        StringBuilder b = new StringBuilder();
        for (SshPublicKey k : keys) b.append(joined).append(' ').append(k.keyText()).append('\n');
        return b.toString();
    }
}
