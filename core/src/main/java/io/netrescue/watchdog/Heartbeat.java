package io.netrescue.watchdog;

import io.netrescue.sysrq.XtSysrqVersion;
import java.util.UUID;

/**
 * An agent's sign of life: one UDP datagram every few seconds, authenticated with the host's SysRq
 * key (docs/protocols/heartbeat.md).
 *
 * @param bootId the kernel's random boot id ({@code /proc/sys/kernel/random/boot_id}): a new value means the host rebooted
 * @param seq increases with every heartbeat of this boot; the server drops a heartbeat not above the last one
 * @param sentMillis the agent's clock; the server drops heartbeats outside its freshness window
 * @param loadMilli the 1-minute load average times 1000
 * @param kernel the running kernel's release ({@code uname -r})
 * @param xtSysrq the xtables-addons version of the host's xt_SYSRQ module ({@code unknown} when its origin is unknown),
 *     empty when the host has none or does not say (older agents)
 */
public record Heartbeat(String host, UUID bootId, long seq, long sentMillis, long uptimeMillis, int loadMilli, String kernel, String xtSysrq) {
    public static final int MAX_KERNEL = 64;

    public Heartbeat {
        io.netrescue.sysrq.SysrqCodec.checkHostName(host);
        if (seq < 0 || uptimeMillis < 0 || loadMilli < 0) throw new IllegalArgumentException("negative heartbeat field");
        // loops, not regexes: the server checks every heartbeat of the fleet here
        if (kernel.length() > MAX_KERNEL || !printable(kernel, 0x20)) {
            throw new IllegalArgumentException("kernel release must be at most " + MAX_KERNEL + " printable characters");
        }
        if (xtSysrq.length() > XtSysrqVersion.MAX || !printable(xtSysrq, 0x21)) {
            throw new IllegalArgumentException("xt_SYSRQ version must be at most " + XtSysrqVersion.MAX + " printable characters without spaces");
        }
    }

    /** A heartbeat that reports no xt_SYSRQ module. */
    public Heartbeat(String host, UUID bootId, long seq, long sentMillis, long uptimeMillis, int loadMilli, String kernel) {
        this(host, bootId, seq, sentMillis, uptimeMillis, loadMilli, kernel, "");
    }

    private static boolean printable(String s, int lowest) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < lowest || c > 0x7e) return false;
        }
        return true;
    }
}
