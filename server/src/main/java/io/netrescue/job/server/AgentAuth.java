package io.netrescue.job.server;

import io.netrescue.inventory.InvalidInputException;
import io.netrescue.job.AgentSignature;
import io.netrescue.rescue.server.RescueTokenRefused;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Checks an installed host's agent on the job channel ({@link AgentSignature}): the MAC under the
 * host's agent key (of this incarnation of the host, as {@code netrescue host agent-config} gives it), a
 * timestamp within {@link #WINDOW} of the server's clock, and a nonce not seen within the window (kept
 * in memory: a restart forgets them, but a request older than the window is refused by its timestamp,
 * so a replay needs a restart within a minute of the recording and a request the agent already made).
 */
public final class AgentAuth {
    static final Duration WINDOW = Duration.ofSeconds(60);
    /** Nonces remembered at most: a flood of validly signed requests only comes from a host's own key. */
    private static final int MAX_NONCES = 100_000;

    private final Clock clock;
    private final java.util.function.Function<String, java.util.Optional<byte[]>> hostKey;
    private final Map<String, Instant> seen = new LinkedHashMap<>();

    /** @param hostKey the agent key of the host of that name as it is now (empty: no such host; {@code SysrqService#hostKey}) */
    public AgentAuth(Clock clock, java.util.function.Function<String, java.util.Optional<byte[]>> hostKey) {
        this.clock = clock;
        this.hostKey = hostKey;
    }

    /** The installed system that signed this request, or {@link RescueTokenRefused} (403) with the reason. */
    public JobService.Runner check(String header, String method, String pathAndQuery, byte[] body) {
        AgentSignature.Claim c;
        try {
            c = AgentSignature.parse(header);
        } catch (InvalidInputException e) {
            throw new RescueTokenRefused(e.getMessage());
        }
        byte[] key = hostKey.apply(c.host()).orElseThrow(() -> new RescueTokenRefused("no host " + c.host()));
        if (!AgentSignature.verify(key, c, method, pathAndQuery, body)) {
            throw new RescueTokenRefused("the signature does not match " + c.host() + "'s agent key");
        }
        Instant now = clock.instant();
        long skew = Math.abs(now.getEpochSecond() - c.ts());
        if (skew > WINDOW.toSeconds()) {
            throw new RescueTokenRefused("the request's clock is " + skew + " s from the server's (at most " + WINDOW.toSeconds() + " s): check NTP on " + c.host());
        }
        synchronized (seen) {
            for (Iterator<Instant> it = seen.values().iterator(); it.hasNext(); ) {
                if (it.next().isAfter(now)) break;
                it.remove();
            }
            if (seen.size() >= MAX_NONCES) seen.remove(seen.keySet().iterator().next());
            if (seen.putIfAbsent(c.host() + " " + c.nonce(), now.plus(WINDOW.multipliedBy(2))) != null) {
                throw new RescueTokenRefused("replayed request (nonce seen before)");
            }
        }
        return JobService.Runner.installed(c.host());
    }
}
