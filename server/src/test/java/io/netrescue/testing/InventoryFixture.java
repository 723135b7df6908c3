package io.netrescue.testing;

import io.netrescue.inventory.server.BootModeService;
import io.netrescue.inventory.server.EventService;
import io.netrescue.inventory.server.HostService;
import io.netrescue.inventory.server.ProfileService;
import io.netrescue.store.Database;
import io.netrescue.store.EventStore;
import io.netrescue.store.HostStore;
import io.netrescue.store.InventoryCache;
import io.netrescue.store.ProfileStore;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Optional;

/** A real embedded store in {@code dir} with the inventory's stores and services, wired as the server wires them. */
public record InventoryFixture(Database db, HostStore hostStore, ProfileStore profileStore, EventStore eventStore, InventoryCache cache,
                               HostService hosts, ProfileService profiles, BootModeService bootModes, EventService events) implements AutoCloseable {

    public static InventoryFixture open(Path dir, Clock clock) {
        Database db = Database.openEmbedded(dir);
        HostStore hostStore = new HostStore(db);
        ProfileStore profileStore = new ProfileStore();
        EventStore eventStore = new EventStore(db, Optional.empty());
        InventoryCache cache = new InventoryCache(db, hostStore, profileStore);
        return new InventoryFixture(db, hostStore, profileStore, eventStore, cache,
                new HostService(db, hostStore, eventStore, cache, clock), new ProfileService(db, profileStore, eventStore, cache, clock),
                new BootModeService(db, hostStore, profileStore, eventStore, cache, clock), new EventService(db, eventStore, clock));
    }

    @Override
    public void close() {
        db.close();
    }
}
