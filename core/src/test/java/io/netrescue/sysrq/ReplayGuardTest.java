package io.netrescue.sysrq;

import static org.assertj.core.api.Assertions.assertThat;

import io.netrescue.sysrq.ReplayGuard.Verdict;
import io.netrescue.sysrq.SysrqMessage.Ack;
import io.netrescue.sysrq.SysrqMessage.Request;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The replay window with a fake clock, against generated traffic. */
class ReplayGuardTest {
    static final long W = 30_000;

    static Request req(long id, long seq, long ts) {
        return new Request("web1", id, seq, ts, 0, new SysrqKeys("s"));
    }

    static Ack ack(Request r) {
        return new Ack("web1", r.requestId(), r.seq(), 0, SysrqMessage.Status.EXECUTED, 1, "ok");
    }

    @Test
    void windowIsInclusiveAndSymmetric() {
        ReplayGuard g = new ReplayGuard(W, 16, 0);
        long now = 1_000_000;
        assertThat(g.check(req(1, 1, now - W), now)).isEqualTo(Verdict.FRESH);
        assertThat(g.check(req(1, 1, now + W), now)).isEqualTo(Verdict.FRESH);
        assertThat(g.check(req(1, 1, now - W - 1), now)).isEqualTo(Verdict.STALE);
        assertThat(g.check(req(1, 1, now + W + 1), now)).isEqualTo(Verdict.STALE);
    }

    @Test
    void retransmissionsAreDuplicatesEvenAfterTheWindowUntilTheCacheForgets() {
        ReplayGuard g = new ReplayGuard(W, 16, 0);
        Request r = req(7, 5, 0);
        assertThat(g.check(r, 0)).isEqualTo(Verdict.FRESH);
        g.ran(r, ack(r), 0);
        assertThat(g.check(r, 1000)).isEqualTo(Verdict.DUPLICATE);
        assertThat(g.answerFor(r)).isEqualTo(ack(r));
        assertThat(g.check(r, 2 * W - 1)).isEqualTo(Verdict.DUPLICATE);
        // forgotten after 2W; by then it is stale anyway and cannot run again
        assertThat(g.check(r, 2 * W + 1)).isEqualTo(Verdict.STALE);
    }

    @Test
    void generatedTrafficRunsEachRequestAtMostOnceAndOnlyInIncreasingOrder() {
        Random rnd = new Random(7);
        for (int round = 0; round < 200; round++) {
            ReplayGuard g = new ReplayGuard(W, 8, 0);
            List<Request> sent = new ArrayList<>();
            Set<Long> ran = new HashSet<>();
            long now = 0, lastRunSeq = 0;
            for (int i = 0; i < 300; i++) {
                now += rnd.nextInt(5000);
                Request r;
                if (!sent.isEmpty() && rnd.nextInt(3) == 0) {
                    r = sent.get(rnd.nextInt(sent.size())); // replay or retransmission of something seen
                } else {
                    r = req(rnd.nextLong(), 1 + rnd.nextInt(400), now + rnd.nextInt(80_000) - 40_000);
                    sent.add(r);
                }
                if (g.check(r, now) == Verdict.FRESH) {
                    assertThat(ran.add(r.requestId())).as("ran twice").isTrue();
                    assertThat(r.seq()).isGreaterThan(lastRunSeq);
                    assertThat(Math.abs(now - r.timestampMillis())).isLessThanOrEqualTo(W);
                    lastRunSeq = r.seq();
                    g.ran(r, ack(r), now);
                }
            }
        }
    }
}
