package io.netrescue.http;

import static io.netrescue.http.ConnectionLimits.NONE;
import static org.assertj.core.api.Assertions.assertThat;

import io.netrescue.http.ConnectionLimits.Admission;
import io.netrescue.http.ConnectionLimits.Phase;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The decisions behind {@link ConnectionGuard}, on a clock of plain nanoseconds. */
class ConnectionLimitsTest {
    private static final long S = 1_000_000_000L;
    private final ConnectionLimits limits = new ConnectionLimits(2, 3, Duration.ofSeconds(10));

    @Test
    void aSourceOverItsShareIsRefusedAndAFullServerMakesRoom() {
        assertThat(limits.admit(2, 3)).isEqualTo(Admission.ADMIT);
        assertThat(limits.admit(3, 3)).isEqualTo(Admission.REFUSE);
        assertThat(limits.admit(3, 9)).as("the source's share first").isEqualTo(Admission.REFUSE);
        assertThat(limits.admit(1, 4)).isEqualTo(Admission.MAKE_ROOM);
        assertThat(ConnectionLimits.evictable(Phase.BUSY)).as("a request in progress is never cut to make room").isFalse();
        assertThat(ConnectionLimits.evictable(Phase.HEADERS)).isTrue();
        assertThat(ConnectionLimits.evictable(Phase.IDLE)).isTrue();
    }

    @Test
    void theFirstRequestsHeadersAreDueTheTimeoutAfterTheAcceptWhateverTrickles() {
        long since = 100 * S; // the accept
        for (long t = 101; t < 110; t++) {
            since = ConnectionLimits.headersSince(since, t % 2 == 0 ? Phase.SILENT : Phase.HEADERS, t * S);
            assertThat(limits.late(since, Phase.HEADERS, t * S)).isFalse();
        }
        since = ConnectionLimits.headersSince(since, Phase.HEADERS, 110 * S);
        assertThat(limits.late(since, Phase.HEADERS, 110 * S)).isTrue();
    }

    @Test
    void aCompleteRequestStopsTheClockAndTheNextOneStartsItAgain() {
        long since = ConnectionLimits.headersSince(0, Phase.BUSY, 5 * S);
        assertThat(since).isEqualTo(NONE);
        since = ConnectionLimits.headersSince(since, Phase.IDLE, 60 * S);
        assertThat(limits.late(since, Phase.HEADERS, 60 * S)).as("a persistent connection between requests: the idle timeout's business").isFalse();
        since = ConnectionLimits.headersSince(since, Phase.HEADERS, 61 * S);
        assertThat(since).isEqualTo(61 * S);
        since = ConnectionLimits.headersSince(since, Phase.HEADERS, 70 * S);
        assertThat(limits.late(since, Phase.HEADERS, 70 * S)).isFalse();
        assertThat(limits.late(ConnectionLimits.headersSince(since, Phase.HEADERS, 71 * S), Phase.HEADERS, 71 * S)).isTrue();
    }
}
