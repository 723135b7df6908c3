package io.netrescue.rescue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netrescue.inventory.InvalidInputException;
import io.netrescue.rescue.RescueActivation.State;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class RescueActivationTest {
    // a real ed25519 public key (ssh-keygen -t ed25519)
    static final SshPublicKey KEY = SshPublicKey.parse(
            "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKJorwhW84BJK7gwpeH38Gs16ZH8IhlXNLmCBmD0j3dL op@desk");
    static final Instant T0 = Instant.parse("2026-12-03T10:00:00Z");

    @Test
    void anActivationGoesFromActivatedThroughBootedToReadyAndEnds() {
        RescueActivation a = RescueActivation.activate(1, "web1", T0, Duration.ofHours(2), List.of(KEY), false);
        assertThat(a.stateAt(T0)).isEqualTo(State.ACTIVATED);
        assertThat(a.expiresAt()).isEqualTo(T0.plus(Duration.ofHours(2)));
        RescueActivation booted = a.booted(T0.plusSeconds(30));
        RescueActivation ready = booted.ready(new HostKeyReport(List.of(KEY)), T0.plusSeconds(40));
        assertThat(ready.state()).isEqualTo(State.READY);
        assertThat(ready.readyAt()).contains(T0.plusSeconds(40));
        assertThat(ready.hostKeys()).containsExactly(KEY);
        RescueActivation ended = ready.end(T0.plusSeconds(60), "ended by api:127.0.0.1");
        assertThat(ended.stateAt(T0.plusSeconds(61))).isEqualTo(State.ENDED);
        assertThat(ended.endedAt()).contains(T0.plusSeconds(60));
        assertThat(ended.end(T0.plusSeconds(90), "again")).isSameAs(ended);
    }

    @Test
    void aReportIsAcceptedOncePerBoot() {
        RescueActivation ready = RescueActivation.activate(1, "web1", T0, Duration.ofHours(2), List.of(KEY), false)
                .booted(T0).ready(new HostKeyReport(List.of(KEY)), T0);
        assertThatThrownBy(() -> ready.ready(new HostKeyReport(List.of(KEY)), T0)).isInstanceOf(RescueConflict.class).hasMessageContaining("already");
        // the rescue system rebooted: its new host keys replace the old ones
        RescueActivation again = ready.booted(T0.plusSeconds(5));
        assertThat(again.hostKeys()).isEmpty();
        assertThat(again.ready(new HostKeyReport(List.of(KEY)), T0.plusSeconds(9)).state()).isEqualTo(State.READY);
        RescueActivation fresh = RescueActivation.activate(2, "web1", T0, Duration.ofHours(2), List.of(KEY), false);
        assertThatThrownBy(() -> fresh.ready(new HostKeyReport(List.of(KEY)), T0)).isInstanceOf(RescueConflict.class).hasMessageContaining("not fetched");
    }

    @Test
    void expiryEndsItWithoutAnyWrite() {
        RescueActivation a = RescueActivation.activate(1, "web1", T0, Duration.ofMinutes(30), List.of(), true);
        Instant late = T0.plus(Duration.ofMinutes(30));
        assertThat(a.live(late.minusMillis(1))).isTrue();
        assertThat(a.stateAt(late)).isEqualTo(State.ENDED);
        assertThatThrownBy(() -> a.booted(late)).isInstanceOf(RescueConflict.class).hasMessageContaining("expired");
        RescueActivation recorded = a.end(late.plusSeconds(100), "ended by api");
        assertThat(recorded.endReason()).isEqualTo("expired");
        assertThat(recorded.endedAt()).contains(late);
    }

    @Test
    void nobodyCouldLogInWithoutACredential() {
        assertThatThrownBy(() -> RescueActivation.activate(1, "web1", T0, Duration.ofHours(1), List.of(), false))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("SSH key or a password");
        assertThatThrownBy(() -> RescueActivation.activate(1, "web1", T0, Duration.ofSeconds(59), List.of(KEY), false))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("from 1 minute to 7 days");
        assertThat(RescueActivation.activate(1, "web1", T0, Duration.ofMinutes(1), List.of(KEY), false).expiresAt()).isEqualTo(T0.plusSeconds(60));
        assertThatThrownBy(() -> RescueActivation.activate(1, "web1", T0, Duration.ofDays(8), List.of(KEY), false))
                .isInstanceOf(InvalidInputException.class);
    }

    /** Help texts say the limits with these constants: they are the limits, not a copy of them. */
    @Test
    void theLimitsAsWrittenAreTheLimits() {
        assertThat(io.netrescue.boot.Durations.parse(RescueActivation.MIN_TEXT)).isEqualTo(RescueActivation.MIN).isEqualTo(Duration.ofMinutes(1));
        assertThat(io.netrescue.boot.Durations.parse(RescueActivation.MAX_TEXT)).isEqualTo(RescueActivation.MAX);
        assertThat(io.netrescue.boot.Durations.parse(RescueActivation.DEFAULT_TEXT)).isEqualTo(RescueActivation.DEFAULT);
    }
}
