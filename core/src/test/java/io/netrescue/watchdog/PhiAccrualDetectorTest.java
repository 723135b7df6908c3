package io.netrescue.watchdog;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** The detector's promises, measured on generated heartbeat streams (seeded, so reproducible). */
class PhiAccrualDetectorTest {
    /** Heartbeats every second; a pause of 3 s (up to 3 lost in a row) is acceptable. */
    static final int INTERVAL = 1000;
    static final double THRESHOLD = 8;

    static PhiAccrualDetector detector() {
        return new PhiAccrualDetector(INTERVAL, 200, 3000);
    }

    @Test
    void regularHeartbeatsKeepPhiLow() {
        PhiAccrualDetector d = detector();
        long t = 0;
        for (int i = 0; i < 200; i++) {
            d.heartbeat(t);
            assertThat(d.phi(t + INTERVAL)).isLessThan(1);
            t += INTERVAL;
        }
    }

    /** 1% random loss with 10% jitter, 400,000 heartbeats: never above the threshold. */
    @Test
    void onePercentLossDoesNotRaiseSuspicion() {
        Random r = new Random(42);
        double worst = 0;
        for (int host = 0; host < 200; host++) {
            PhiAccrualDetector d = detector();
            long t = 0;
            long last = 0;
            for (int i = 0; i < 2000; i++) {
                t += INTERVAL + (long) (r.nextGaussian() * INTERVAL * 0.1);
                if (r.nextDouble() < 0.01) continue; // lost
                // the check runs every 100 ms between arrivals: the worst phi before this arrival
                worst = Math.max(worst, d.phi(t - 1));
                d.heartbeat(t);
                last = t;
            }
            assertThat(last).isPositive();
        }
        assertThat(worst).as("worst phi seen with 1% loss").isLessThan(THRESHOLD);
    }

    /** A dead host crosses the threshold within 10 s. */
    @Test
    void aDeadHostIsSuspectedWithinTenSeconds() {
        Random r = new Random(7);
        PhiAccrualDetector d = detector();
        long t = 0;
        for (int i = 0; i < 100; i++) {
            t += INTERVAL + (long) (r.nextGaussian() * INTERVAL * 0.1);
            d.heartbeat(t);
        }
        long died = t;
        long detected = -1;
        for (long now = died; now < died + 60_000; now += 100) {
            if (d.phi(now) >= THRESHOLD) {
                detected = now - died;
                break;
            }
        }
        assertThat(detected).as("ms from the last heartbeat to phi >= %s", THRESHOLD).isBetween(4000L, 10_000L);
        assertThat(d.phi(died + 600_000)).isGreaterThan(100); // and it keeps climbing
    }

    @Test
    void noHeartbeatYetMeansNoSuspicionAndDuplicatesAreIgnored() {
        PhiAccrualDetector d = detector();
        assertThat(d.phi(1_000_000)).isZero();
        d.heartbeat(10_000);
        d.heartbeat(10_000);
        d.heartbeat(9_000);
        assertThat(d.lastHeartbeatMillis()).isEqualTo(10_000);
    }

    /** The judge skips computing phi before quietUntilMillis: phi must really be below 0.31 up to then, for any history. */
    @Test
    void phiStaysLowUntilQuietUntil() {
        Random r = new Random(7);
        assertThat(new PhiAccrualDetector(1000, 100, 0).quietUntilMillis()).isEqualTo(Long.MIN_VALUE);
        for (int host = 0; host < 300; host++) {
            int interval = 100 + r.nextInt(10_000);
            PhiAccrualDetector d = new PhiAccrualDetector(interval, 1 + r.nextInt(500), r.nextInt(3) * interval);
            long t = r.nextInt(1_000_000);
            for (int i = 0; i < 100; i++) {
                t += Math.max(1, (long) (interval * (r.nextDouble() < 0.1 ? 3 * r.nextDouble() : 0.5 + r.nextDouble())));
                d.heartbeat(t);
                long q = d.quietUntilMillis();
                assertThat(q).isGreaterThan(t);
                for (long at = t; at <= q; at += Math.max(1, (q - t) / 50)) assertThat(d.phi(at)).as("phi at +%d ms", at - t).isLessThan(0.31);
                assertThat(d.phi(q)).isLessThan(0.31);
            }
        }
    }
}
