package io.netrescue.store;

import java.time.Instant;
import java.util.Optional;

/**
 * One line of the audit log / a host's timeline.
 *
 * @param kind what happened: {@code boot.decision}, {@code host.added}, {@code boot.mode}, ...
 * @param actor who or what caused it: {@code api:<address>}, {@code boot}, {@code server}
 */
public record Event(long id, Instant at, Optional<String> host, String kind, String actor,
                    Optional<String> mac, Optional<String> reportedIp, Optional<String> sourceIp,
                    Optional<String> decision, Optional<String> reason) {

    public static Event of(Instant at, String host, String kind, String actor, String reason) {
        return new Event(0, at, Optional.ofNullable(host), kind, actor, Optional.empty(), Optional.empty(),
                Optional.empty(), Optional.empty(), Optional.ofNullable(reason));
    }
}
