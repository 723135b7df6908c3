package io.netrescue.boot;

import io.netrescue.inventory.MacAddress;
import java.util.Optional;

/**
 * The outcome of one boot request: what to serve, why, and the state change that serving it implies.
 * A decision with a transition is only valid if the transition is applied (compare-and-set on the
 * host's version); otherwise the request is decided again on fresh data.
 */
public record BootDecision(Verdict verdict, Action action, String reason, Optional<String> host,
                           Optional<MacAddress> mac, Optional<Transition> transition) {

    /** How the decision came about; the audit log records it. */
    public enum Verdict {
        /** A known host served according to its mode. */
        SERVED,
        /** A known host whose mode ended (expired) at this request. */
        EXPIRED,
        /** The request failed a check (source address, expected IP, UUID, malformed input). */
        REFUSED,
        /** A machine not in the inventory. */
        UNKNOWN,
        /** Something broke inside the server; the machine boots locally. */
        ERROR
    }

    public sealed interface Action {
        /** Hand the machine back to its firmware (local disk). */
        record Local() implements Action {}

        /** Boot a profile over the network. */
        record NetBoot(Profile profile, BootMode mode) implements Action {}
    }

    /** Move host {@code host} from {@code expectedVersion} to {@code next}. */
    public record Transition(String host, long expectedVersion, BootState next, String why) {}

    public static BootDecision local(Verdict v, String reason, Optional<String> host, Optional<MacAddress> mac) {
        return new BootDecision(v, new Action.Local(), reason, host, mac, Optional.empty());
    }

    public boolean netboot() {
        return action instanceof Action.NetBoot;
    }
}
