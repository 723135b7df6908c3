package io.netrescue.watchdog;

import java.util.List;
import java.util.UUID;

/**
 * Steps an agent's dead-man switch took (restart, reboot, held, recovered), sent to the server's
 * heartbeat port once the server answers again, so they land on the host's timeline
 * (docs/protocols/heartbeat.md). Each step keeps the id and time its journal gave it: the server
 * stores a step once however often it is sent.
 *
 * @param bootId the boot that reports (the steps may come from an earlier one: a reboot is reported after it)
 */
public record DeadManReport(String host, UUID bootId, List<Step> steps) {
    public static final int MAX_STEPS = 4;
    public static final int MAX_DETAIL = 240;

    /** @param kind the step's name, e.g. {@code reboot} (the event is {@code dead-man.KIND}) */
    public record Step(long id, long wallMillis, String kind, String detail) {
        public Step {
            if (id < 1) throw new IllegalArgumentException("step id must be positive");
            if (!kind.matches("[a-z][a-z-]{0,31}")) throw new IllegalArgumentException("step kind must be 1-32 of a-z and -");
            if (detail.length() > MAX_DETAIL || !detail.matches("[\\x20-\\x7e]*")) {
                throw new IllegalArgumentException("step detail must be at most " + MAX_DETAIL + " printable ASCII characters");
            }
        }
    }

    public DeadManReport {
        io.netrescue.sysrq.SysrqCodec.checkHostName(host);
        steps = List.copyOf(steps);
        if (steps.isEmpty() || steps.size() > MAX_STEPS) throw new IllegalArgumentException("a report holds 1-" + MAX_STEPS + " steps");
    }

    /** The server's acknowledgement: every step up to {@code upTo} is stored. */
    public record Ack(String host, UUID bootId, long upTo) {
        public Ack {
            io.netrescue.sysrq.SysrqCodec.checkHostName(host);
            if (upTo < 1) throw new IllegalArgumentException("ack of step " + upTo);
        }
    }
}
