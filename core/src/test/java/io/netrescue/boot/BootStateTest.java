package io.netrescue.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netrescue.inventory.InvalidInputException;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class BootStateTest {
    static final Instant T = Instant.parse("2026-11-23T12:00:00Z");

    @Test
    void onceRemembersTheModeItInterrupts() {
        BootState rescue = BootState.of(new BootMode.Rescue(Optional.empty()), Optional.of(T.plusSeconds(3600)));
        BootState once = BootState.set(rescue, new BootMode.Once("test"), Optional.empty());
        assertThat(once.previous()).contains(rescue);
        assertThat(once.next(T)).isEqualTo(rescue);
        assertThat(once.next(T.plusSeconds(7200))).isEqualTo(BootState.LOCAL);
    }

    @Test
    void aOnceOverAOnceKeepsTheOriginalModeNotTheFirstOnce() {
        BootState persistent = BootState.of(new BootMode.Persistent("p"), Optional.empty());
        BootState first = BootState.set(persistent, new BootMode.Once("a"), Optional.empty());
        BootState second = BootState.set(first, new BootMode.Once("b"), Optional.empty());
        assertThat(second.previous()).contains(persistent);
    }

    @Test
    void expiryIsInclusive() {
        BootState s = BootState.of(new BootMode.Persistent("p"), Optional.of(T));
        assertThat(s.expired(T.minusMillis(1))).isFalse();
        assertThat(s.expired(T)).isTrue();
    }

    @Test
    void modesParseFromTheirWords() {
        assertThat(BootMode.of("local", null)).isEqualTo(BootMode.LOCAL);
        assertThat(BootMode.of("rescue", "")).isEqualTo(new BootMode.Rescue(Optional.empty()));
        assertThat(BootMode.of("once", "x")).isEqualTo(new BootMode.Once("x"));
        assertThatThrownBy(() -> BootMode.of("once", null)).isInstanceOf(InvalidInputException.class).hasMessageContaining("needs a profile");
        assertThatThrownBy(() -> BootMode.of("reboot", null)).isInstanceOf(InvalidInputException.class).hasMessageContaining("unknown boot mode");
        assertThatThrownBy(() -> BootMode.of("local", "x")).isInstanceOf(InvalidInputException.class);
    }
}
