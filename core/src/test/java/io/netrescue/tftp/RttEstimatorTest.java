package io.netrescue.tftp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** RFC 6298 arithmetic, Karn's rule and the backoff, on a fake clock (nanoseconds as plain numbers). */
class RttEstimatorTest {
    static final long MS = 1_000_000L;

    @Test
    void theInitialRtoHoldsUntilTheFirstSample() {
        RttEstimator e = new RttEstimator(1000 * MS, 10 * MS, 1000 * MS);
        assertThat(e.rto()).isEqualTo(1000 * MS);
        assertThat(e.srtt()).isEqualTo(-1);
        e.sent(1, 1, 0);
        e.acked(1, 100 * MS);
        // first sample R: SRTT = R, RTTVAR = R/2, RTO = SRTT + 4 RTTVAR
        assertThat(e.srtt()).isEqualTo(100 * MS);
        assertThat(e.rttvar()).isEqualTo(50 * MS);
        assertThat(e.rto()).isEqualTo(300 * MS);
        assertThat(e.samples()).isEqualTo(1);
    }

    @Test
    void laterSamplesAreSmoothed() {
        RttEstimator e = new RttEstimator(1000 * MS, 1, 10_000 * MS);
        e.sample(100 * MS);
        e.sample(200 * MS);
        // RTTVAR = 3/4 * 50 + 1/4 * |100 - 200| = 62.5; SRTT = 7/8 * 100 + 1/8 * 200 = 112.5
        assertThat(e.rttvar()).isEqualTo(62_500_000L);
        assertThat(e.srtt()).isEqualTo(112_500_000L);
        assertThat(e.rto()).isEqualTo(112_500_000L + 4 * 62_500_000L);
        for (int i = 0; i < 200; i++) e.sample(200 * MS); // a steady path: the variance dies away, G remains
        assertThat(e.srtt()).isBetween(199 * MS, 200 * MS);
        assertThat(e.rto()).isBetween(200 * MS, 202 * MS);
    }

    @Test
    void theFloorAndTheCeilingBound() {
        RttEstimator e = new RttEstimator(5000 * MS, 20 * MS, 1000 * MS);
        assertThat(e.rto()).as("an initial RTO over the ceiling").isEqualTo(1000 * MS);
        e.sample(100_000); // 0.1 ms: a LAN
        assertThat(e.rto()).isEqualTo(20 * MS);
        e.sample(3000 * MS);
        assertThat(e.rto()).isEqualTo(1000 * MS);
        assertThatThrownBy(() -> new RttEstimator(MS, 0, MS)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new RttEstimator(MS, 2 * MS, MS)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void karnsRuleIgnoresTheAckOfARetransmittedBlock() {
        RttEstimator e = new RttEstimator(1000 * MS, MS, 1000 * MS);
        e.sent(1, 1, 0);
        e.timedOut();
        e.sent(1, 1, 1000 * MS); // block 1 again: its ACK could answer either copy
        e.acked(1, 1001 * MS);
        assertThat(e.samples()).isZero();
        assertThat(e.rto()).as("still backed off").isEqualTo(1000 * MS);
        e.sent(2, 2, 1002 * MS); // the next block is sent once: timed
        e.acked(2, 1006 * MS);
        assertThat(e.samples()).isEqualTo(1);
        assertThat(e.srtt()).isEqualTo(4 * MS);
    }

    @Test
    void aBlockSentBeforeIsNeverTimed() {
        RttEstimator e = new RttEstimator(1000 * MS, MS, 1000 * MS);
        e.sent(1, 8, 0);          // a window: its last block is timed
        e.acked(4, 5 * MS);       // a gap: no sample (the client may have waited on its own timer)
        e.sent(5, 8, 5 * MS);     // the rest again, all sent before: nothing to time
        e.acked(8, 6 * MS);
        assertThat(e.samples()).isZero();
        e.sent(9, 16, 6 * MS);
        e.acked(12, 7 * MS);
        e.sent(13, 20, 7 * MS);   // 13..16 again (the timed 16 among them), 17..20 new: 20 is timed
        e.acked(20, 10 * MS);
        assertThat(e.samples()).isEqualTo(1);
        assertThat(e.srtt()).isEqualTo(3 * MS);
    }

    @Test
    void timeoutsBackOffExponentiallyToTheCeilingUntilTheNextSample() {
        RttEstimator e = new RttEstimator(1000 * MS, 10 * MS, 1000 * MS);
        e.sample(MS);
        assertThat(e.rto()).isEqualTo(10 * MS);
        long[] expected = {20, 40, 80, 160, 320, 640, 1000, 1000};
        for (long x : expected) {
            e.timedOut();
            assertThat(e.rto()).isEqualTo(x * MS);
        }
        assertThat(e.backoffs()).isEqualTo(expected.length);
        e.sample(MS);
        assertThat(e.rto()).as("a valid sample ends the backoff").isEqualTo(10 * MS);
    }
}
