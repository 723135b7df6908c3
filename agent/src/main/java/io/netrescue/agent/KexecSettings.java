package io.netrescue.agent;

import io.netrescue.inventory.InvalidInputException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Properties;

/**
 * The agent's kexec settings. Off by default: whoever holds this host's key could otherwise replace its
 * running kernel with any kernel the server names, which is more than the SysRq keys it allows.
 *
 * <pre>
 * allowed-kexec = false                  # true lets the server kexec this host into a test kernel
 * kexec-dir = /run/netrescue-kexec       # where kernel and initrd are fetched (a tmpfs: gone at reboot)
 * kexec-command = /sbin/kexec            # kexec-tools
 * kexec-execute = systemctl              # systemctl: "systemctl kexec" (clean shutdown); direct: "kexec -e" (at once)
 * systemctl-command = /bin/systemctl
 * kexec-timeout-seconds = 120            # fetching and loading, before the agent gives up
 * </pre>
 */
public record KexecSettings(boolean allowed, Path dir, Path kexec, Execute execute, Path systemctl, int timeoutSeconds) {

    /** How the loaded kernel is started. */
    public enum Execute {
        /** {@code systemctl kexec}: services stop and file systems unmount first, like a reboot. */
        SYSTEMCTL,
        /** {@code kexec -e}: at once, like SysRq b: for hosts without systemd (unsynced data is lost). */
        DIRECT
    }

    static KexecSettings of(Properties p, String where) {
        String allowed = p.getProperty("allowed-kexec", "false").strip().toLowerCase(Locale.ROOT);
        if (!allowed.equals("true") && !allowed.equals("false")) throw new InvalidInputException(where + ": allowed-kexec must be true or false");
        String ex = p.getProperty("kexec-execute", "systemctl").strip().toLowerCase(Locale.ROOT);
        Execute execute = switch (ex) {
            case "systemctl" -> Execute.SYSTEMCTL;
            case "direct" -> Execute.DIRECT;
            default -> throw new InvalidInputException(where + ": kexec-execute must be systemctl or direct, not '" + ex + "'");
        };
        int timeout;
        try {
            timeout = Integer.parseInt(p.getProperty("kexec-timeout-seconds", "120").strip());
        } catch (NumberFormatException e) {
            timeout = -1;
        }
        if (timeout < 5 || timeout > 3600) throw new InvalidInputException(where + ": kexec-timeout-seconds must be 5-3600");
        return new KexecSettings(allowed.equals("true"), absolute(p, "kexec-dir", "/run/netrescue-kexec", where),
                absolute(p, "kexec-command", "/sbin/kexec", where), execute, absolute(p, "systemctl-command", "/bin/systemctl", where), timeout);
    }

    private static Path absolute(Properties p, String key, String def, String where) {
        Path x = Path.of(p.getProperty(key, def).strip());
        if (!x.isAbsolute()) throw new InvalidInputException(where + ": " + key + " must be an absolute path, not '" + x + "'");
        return x;
    }
}
