package io.netrescue.boot;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class KernelTrialTest {
    static final Instant T0 = Instant.parse("2026-11-23T10:00:00Z");
    final KernelTrial trial = new KernelTrial(1, "web1", "k612", T0, T0.plusSeconds(600), KernelTrial.State.ARMED, "", false);

    @Test
    void aHealthyReportFromTheTrialProfileBeforeTheDeadlineSucceeds() {
        var r = List.of(new KernelTrial.Report(T0.plusSeconds(90), "k612", "OK"));
        assertThat(trial.judge(r, T0.plusSeconds(91))).isEqualTo(new KernelTrial.Verdict.Healthy(T0.plusSeconds(90), "ok"));
    }

    @Test
    void silenceUntilTheDeadlineFailsAndSoDoesABadReport() {
        assertThat(trial.judge(List.of(), T0.plusSeconds(599))).isInstanceOf(KernelTrial.Verdict.Waiting.class);
        assertThat(trial.judge(List.of(), T0.plusSeconds(600))).isEqualTo(new KernelTrial.Verdict.Failed("no healthy report from profile k612 within 10m"));
        assertThat(trial.judge(List.of(new KernelTrial.Report(T0.plusSeconds(30), "k612", "degraded")), T0.plusSeconds(31)))
                .isEqualTo(new KernelTrial.Verdict.Failed("the trial kernel reported 'degraded'"));
    }

    @Test
    void reportsFromOtherProfilesOrOutsideTheTrialDoNotCount() {
        var r = List.of(new KernelTrial.Report(T0.minusSeconds(5), "k612", "ok"), new KernelTrial.Report(T0.plusSeconds(5), "rescue", "ok"),
                new KernelTrial.Report(T0.plusSeconds(700), "k612", "ok"));
        assertThat(trial.judge(r, T0.plusSeconds(60))).isInstanceOf(KernelTrial.Verdict.Waiting.class);
        assertThat(trial.judge(r, T0.plusSeconds(800))).isInstanceOf(KernelTrial.Verdict.Failed.class);
    }
}
