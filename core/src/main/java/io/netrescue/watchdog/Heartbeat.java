package io.netrescue.watchdog;

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
 */
public record Heartbeat(String host, UUID bootId, long seq, long sentMillis, long uptimeMillis, int loadMilli, String kernel) {
    public static final int MAX_KERNEL = 64;

    public Heartbeat {
        io.netrescue.sysrq.SysrqCodec.checkHostName(host);
        if (seq < 0 || uptimeMillis < 0 || loadMilli < 0) throw new IllegalArgumentException("negative heartbeat field");
        if (kernel.length() > MAX_KERNEL || !kernel.matches("[\\x20-\\x7e]*")) {
            throw new IllegalArgumentException("kernel release must be at most " + MAX_KERNEL + " printable characters");
        }
    }
}
