package io.netrescue.watchdog;

import java.util.UUID;

/**
 * Whether an authentic heartbeat is news, per host (pure; time is an argument). The MAC proves who
 * sent it, not when: a recorded heartbeat replayed later must not keep a dead host "up". So a
 * heartbeat counts only if its clock is within {@code windowMillis} of ours and, within one boot,
 * its sequence number is above the last one counted. A new boot id is accepted when fresh (the host
 * rebooted); the boot id it replaced is refused from then on, so replays cannot make a host look as
 * if it rebooted back and forth.
 */
public final class HeartbeatGuard {
    public enum Verdict { FRESH, NEW_BOOT, STALE, REPLAYED }

    private UUID bootId, previousBoot;
    private long seq = -1;

    public Verdict check(Heartbeat h, long nowMillis, long windowMillis) {
        if (Math.abs(nowMillis - h.sentMillis()) > windowMillis) return Verdict.STALE;
        if (bootId == null || !bootId.equals(h.bootId())) {
            if (h.bootId().equals(previousBoot)) return Verdict.REPLAYED; // a boot that has ended does not come back
            boolean first = bootId == null;
            previousBoot = bootId;
            bootId = h.bootId();
            seq = h.seq();
            return first ? Verdict.FRESH : Verdict.NEW_BOOT;
        }
        if (h.seq() <= seq) return Verdict.REPLAYED;
        seq = h.seq();
        return Verdict.FRESH;
    }

    public UUID bootId() {
        return bootId;
    }
}
