package io.netrescue.watchdog.server;

import java.util.Optional;

/** Builds the hands-on step's webhook from {@code watchdog.hands-on-url}; empty when none is set. */
public final class HandsOnWebhook {
    private HandsOnWebhook() {}

    public static Optional<LadderEffects.HandsOn> from(WatchdogSettings s) {
        if (s.handsOnUrl().isEmpty()) return Optional.empty();
        throw new io.netrescue.inventory.InvalidInputException("watchdog.hands-on-url: the webhook client is not built yet");
    }
}
