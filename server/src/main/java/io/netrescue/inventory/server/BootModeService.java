package io.netrescue.inventory.server;

import io.netrescue.boot.BootMode;
import io.netrescue.boot.BootState;
import io.netrescue.boot.Host;
import io.netrescue.inventory.InvalidInputException;
import io.netrescue.store.Database;
import io.netrescue.store.Event;
import io.netrescue.store.EventStore;
import io.netrescue.store.HostStore;
import io.netrescue.store.InventoryCache;
import io.netrescue.store.NotFoundException;
import io.netrescue.store.ProfileStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Optional;
import org.jdbi.v3.core.Handle;

/**
 * Sets what a host boots next, for an operator (API, CLI) and for the watchdog's rescue step alike:
 * the profile is checked, the state and its {@code boot.mode} event commit together, and the boot
 * path's cache is refreshed before the caller hears back.
 */
public final class BootModeService {
    /** The host's boot state before and after the change. */
    public record Change(BootState was, BootState next) {}

    private final Database db;
    private final HostStore hosts;
    private final ProfileStore profiles;
    private final EventStore events;
    private final InventoryCache inventory;
    private final Clock clock;

    public BootModeService(Database db, HostStore hosts, ProfileStore profiles, EventStore events, InventoryCache inventory, Clock clock) {
        this.db = db;
        this.hosts = hosts;
        this.profiles = profiles;
        this.events = events;
        this.inventory = inventory;
        this.clock = clock;
    }

    /**
     * @param lasting how long the mode holds before the host falls back to its default (empty: until changed)
     * @param why appended to the event's reason, e.g. who decided ("" for none)
     */
    public Change set(String host, BootMode mode, Optional<Duration> lasting, String actor, String why) {
        if (mode instanceof BootMode.Local && lasting.isPresent()) throw new InvalidInputException("mode local never expires; --for makes no sense");
        // stored to the millisecond, so what the API echoes is what a later read returns
        Instant now = clock.instant().truncatedTo(ChronoUnit.MILLIS);
        Optional<Instant> until = lasting.map(now::plus);
        Change c = db.inWriteTransaction(h -> apply(h, host, mode, until, now, actor, why));
        inventory.refreshHost(host);
        return c;
    }

    /**
     * The same change inside a caller's transaction (a use case that sets the boot mode together
     * with its own rows, such as a rescue activation); the caller calls {@link #committed} after
     * its commit.
     */
    public Change apply(Handle h, String host, BootMode mode, Optional<Instant> until, Instant now, String actor, String why) {
        Host x = hosts.require(h, host);
        mode.profileName().ifPresent(p -> {
            if (profiles.get(h, p).isEmpty()) throw new NotFoundException("no profile named " + p);
        });
        BootState next = BootState.set(x.boot(), mode, until);
        hosts.setBoot(h, host, next, now);
        events.append(h, Event.of(now, host, "boot.mode", actor, "mode set to " + next + " (was " + x.boot() + ")" + why));
        return new Change(x.boot(), next);
    }

    /**
     * Puts back a whole boot state from before (its expiry, a once with what follows it), inside a
     * caller's transaction; one that expired meanwhile becomes what its expiry leads to, as at a boot.
     */
    public Change restore(Handle h, String host, BootState state, Instant now, String actor, String why) {
        Host x = hosts.require(h, host);
        BootState next = state.expired(now) ? state.next(now) : state;
        hosts.setBoot(h, host, next, now);
        events.append(h, Event.of(now, host, "boot.mode", actor, "mode set back to " + next + " (was " + x.boot() + ")" + why));
        return new Change(x.boot(), next);
    }

    /** After a commit that included {@link #apply}: the boot path sees the new mode. */
    public void committed(String host) {
        inventory.refreshHost(host);
    }
}
