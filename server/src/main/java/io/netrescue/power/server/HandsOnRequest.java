package io.netrescue.power.server;

import java.time.Instant;
import java.util.List;

/**
 * The last step of the ladder: a person must go to the rack. What they need to know before they walk:
 * which host, what state it is in and why, what was already tried, and what it last said.
 */
public record HandsOnRequest(String host, String state, String reason, List<String> stepsTried, List<String> recentEvents,
                             List<String> consoleTail, Instant at) {
    public HandsOnRequest {
        stepsTried = List.copyOf(stepsTried);
        recentEvents = List.copyOf(recentEvents);
        consoleTail = List.copyOf(consoleTail);
    }
}
