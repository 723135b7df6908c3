package io.netrescue.watchdog;

import java.util.UUID;

/**
 * The server's answer to an authentic, fresh heartbeat (docs/protocols/heartbeat.md): it echoes the
 * heartbeat's host, boot id and sequence number, so an agent counts the server as alive only for an
 * answer to one of its own recent heartbeats, and says whether the server holds the host in
 * maintenance (an agent's dead-man switch never reboots then).
 *
 * @param serverMillis the server's clock when it answered (informative: the agent judges freshness by the echoed seq)
 * @param maintenanceUntilMillis when the maintenance ends, 0 when unknown (manual maintenance has no end) or none
 */
public record HeartbeatAnswer(String host, UUID bootId, long seq, long serverMillis, Maintenance maintenance, long maintenanceUntilMillis) {
    /** What the server announces; the wire value is the ordinal. */
    public enum Maintenance {
        NONE, WINDOW, MANUAL
    }

    public HeartbeatAnswer {
        io.netrescue.sysrq.SysrqCodec.checkHostName(host);
        if (seq < 0 || maintenanceUntilMillis < 0) throw new IllegalArgumentException("negative heartbeat answer field");
        if (maintenance == Maintenance.NONE && maintenanceUntilMillis != 0) throw new IllegalArgumentException("an end without maintenance");
    }

    public boolean inMaintenance() {
        return maintenance != Maintenance.NONE;
    }
}
