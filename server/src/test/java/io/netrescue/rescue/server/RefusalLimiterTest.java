package io.netrescue.rescue.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class RefusalLimiterTest {
    static final Instant T0 = Instant.parse("2026-12-03T10:00:00Z");

    @Test
    void aSourceIsHeardUntilItUsesUpItsRefusalsThenAgainWhenTheWindowTurns() {
        RefusalLimiter l = new RefusalLimiter(3, Duration.ofMinutes(1));
        assertThat(l.refused("a", T0)).isFalse();
        assertThat(l.refused("a", T0)).isFalse();
        assertThat(l.allowed("a", T0)).isTrue();
        assertThat(l.refused("a", T0)).as("the third uses it up: logged once").isTrue();
        assertThat(l.allowed("a", T0.plusSeconds(59))).isFalse();
        assertThat(l.allowed("b", T0.plusSeconds(59))).as("another source").isTrue();
        assertThat(l.allowed("a", T0.plusSeconds(60))).isTrue();
        // a clock that steps back does not lock a source out for longer
        l.refused("a", T0.plusSeconds(60));
        l.refused("a", T0.plusSeconds(60));
        l.refused("a", T0.plusSeconds(60));
        assertThat(l.allowed("a", T0)).isTrue();
    }

    @Test
    void manySourcesDoNotGrowTheTableWithoutBound() {
        RefusalLimiter l = new RefusalLimiter(1, Duration.ofMinutes(1));
        for (int i = 0; i < 100_000; i++) l.refused("10.0." + (i >> 8) + "." + (i & 255), T0);
        assertThat(l.allowed("10.0.0.0", T0)).as("the table was reset rather than grown").isTrue();
    }
}
