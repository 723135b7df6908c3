package io.netrescue.watchdog.server;

import io.netrescue.power.server.HandsOnRequest;
import io.netrescue.power.server.HandsOnRequester;
import io.netrescue.power.server.PowerException;
import io.netrescue.power.server.PowerSettings;
import io.netrescue.inventory.InvalidInputException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The hands-on step's webhook ({@code watchdog.hands-on-url}): the host's state, why, the ladder's
 * steps and its recent timeline, POSTed (signed when a secret file is set) to a ticketing system or
 * chat bridge. Retried like a power action (three attempts), with the same idempotency key.
 */
public final class HandsOnWebhook implements LadderEffects.HandsOn {
    private final HandsOnRequester requester;
    private final Clock clock;

    private HandsOnWebhook(HandsOnRequester requester, Clock clock) {
        this.requester = requester;
        this.clock = clock;
    }

    public static Optional<LadderEffects.HandsOn> from(WatchdogSettings s, Clock clock) {
        if (s.handsOnUrl().isEmpty()) return Optional.empty();
        Optional<String> secret = Optional.empty();
        if (!s.handsOnSecretFile().isEmpty()) {
            try {
                secret = Optional.of(Files.readString(Path.of(s.handsOnSecretFile())).strip());
            } catch (IOException e) {
                throw new InvalidInputException("watchdog.hands-on-secret-file: cannot read " + s.handsOnSecretFile() + ": " + e.getMessage());
            }
        }
        try {
            return Optional.of(new HandsOnWebhook(HandsOnRequester.from(new PowerSettings("watchdog", "hands-on",
                    Map.of("url", s.handsOnUrl(), "verify", s.handsOnVerify()), secret, Duration.ofSeconds(15))), clock));
        } catch (InvalidInputException e) {
            throw new InvalidInputException("watchdog.hands-on-url: " + e.getMessage());
        }
    }

    @Override
    public Result request(String host, Watchdog.HealthView view, List<String> recentEvents, List<String> consoleTail) throws Exception {
        List<String> steps = recentEvents.stream().filter(l -> l.contains(" ladder.step")).toList();
        HandsOnRequest r = new HandsOnRequest(host, view.state().word(), view.reason(), steps, recentEvents, consoleTail,
                clock.instant().truncatedTo(java.time.temporal.ChronoUnit.SECONDS));
        PowerException last = null;
        for (int i = 0; i < 3; i++) {
            try {
                return new Result(requester.request(r));
            } catch (PowerException e) {
                last = e;
                if (!e.retryable()) break;
                Thread.sleep(1000L << i);
            }
        }
        throw last;
    }
}
