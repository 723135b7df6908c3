package io.netrescue.inventory.server;

import io.netrescue.boot.Profile;
import io.netrescue.store.Database;
import io.netrescue.store.Event;
import io.netrescue.store.EventStore;
import io.netrescue.store.InventoryCache;
import io.netrescue.store.NotFoundException;
import io.netrescue.store.ProfileStore;
import java.time.Clock;
import java.time.Instant;
import java.util.List;

/** Saves, lists and removes boot profiles; each change commits with its {@code profile.*} event. */
public final class ProfileService {
    private final Database db;
    private final ProfileStore profiles;
    private final EventStore events;
    private final InventoryCache inventory;
    private final Clock clock;

    public ProfileService(Database db, ProfileStore profiles, EventStore events, InventoryCache inventory, Clock clock) {
        this.db = db;
        this.profiles = profiles;
        this.events = events;
        this.inventory = inventory;
        this.clock = clock;
    }

    public List<Profile> list() {
        return db.read(profiles::list);
    }

    public Profile require(String name) {
        return db.read(h -> profiles.get(h, name)).orElseThrow(() -> new NotFoundException("no profile named " + name));
    }

    /** @param replace whether an existing profile of that name may be overwritten (else a conflict) */
    public Profile save(Profile p, boolean replace, String actor) {
        // checked here, not when a stored profile is read: a profile saved by an older version still loads
        // (and boots the local disk with an error logged) instead of stopping the server
        io.netrescue.boot.IpxeScripts.checkArgs(p.cmdline());
        Instant now = clock.instant();
        db.inWriteTransaction(h -> {
            profiles.put(h, p, replace, now);
            events.append(h, Event.of(now, null, "profile.saved", actor, "profile " + p.name() + ": kernel " + p.kernel()));
            return null;
        });
        inventory.refreshProfile(p.name());
        return p;
    }

    public void remove(String name, String actor) {
        Instant now = clock.instant();
        db.inWriteTransaction(h -> {
            profiles.remove(h, name);
            events.append(h, Event.of(now, null, "profile.removed", actor, "profile " + name));
            return null;
        });
        inventory.refreshProfile(name);
    }
}
