package io.netrescue.boot;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * A host's boot mode with its optional expiry. A {@link BootMode.Once} remembers the state to
 * return to after it has been served ({@code previous}); other modes have none.
 */
public record BootState(BootMode mode, Optional<Instant> expiresAt, Optional<BootState> previous) {

    public static final BootState LOCAL = new BootState(BootMode.LOCAL, Optional.empty(), Optional.empty());

    public BootState {
        Objects.requireNonNull(mode);
        Objects.requireNonNull(expiresAt);
        Objects.requireNonNull(previous);
        if (!(mode instanceof BootMode.Once) && previous.isPresent()) {
            throw new IllegalArgumentException("only a once mode has a previous state");
        }
        if (previous.flatMap(BootState::previous).isPresent()) {
            throw new IllegalArgumentException("previous states do not nest");
        }
    }

    public static BootState of(BootMode mode, Optional<Instant> expiresAt) {
        return new BootState(mode, expiresAt, Optional.empty());
    }

    /**
     * The state an operator's request produces from {@code current}: a once keeps the mode it
     * interrupts (unless that was itself a once, whose own previous is kept) so it can return to it.
     */
    public static BootState set(BootState current, BootMode mode, Optional<Instant> expiresAt) {
        if (mode instanceof BootMode.Once) {
            BootState back = current.mode() instanceof BootMode.Once ? current.previous().orElse(LOCAL) : current;
            return new BootState(mode, expiresAt, Optional.of(back));
        }
        return of(mode, expiresAt);
    }

    public boolean expired(Instant now) {
        return expiresAt.map(t -> !now.isBefore(t)).orElse(false);
    }

    /** What follows once this state has been used up (a once served) or has expired. */
    public BootState next(Instant now) {
        if (expired(now)) return LOCAL;
        if (mode instanceof BootMode.Once) {
            BootState back = previous.orElse(LOCAL);
            return back.expired(now) ? LOCAL : back;
        }
        return this;
    }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder(mode.kind());
        mode.profileName().ifPresent(p -> b.append(' ').append(p));
        expiresAt.ifPresent(t -> b.append(" until ").append(t));
        previous.ifPresent(p -> b.append(", then ").append(p));
        return b.toString();
    }
}
