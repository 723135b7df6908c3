package io.netrescue.store;

import io.netrescue.boot.BootInputs;
import io.netrescue.boot.Profile;
import io.netrescue.boot.Host;
import io.netrescue.inventory.MacAddress;
import io.netrescue.inventory.SmbiosUuid;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Hosts and profiles in memory, so a boot decision reads no database. Loaded at start; every write
 * that changes a host or a profile refreshes that entry from the database after its commit and
 * before it is acknowledged. Decisions that change state still go through compare-and-set in the
 * database, so a stale entry can only cause a retry, never a wrong once.
 * One server instance owns the store; several instances on a shared database would need change
 * notifications (PostgreSQL LISTEN/NOTIFY) to keep their caches fresh.
 */
public final class InventoryCache implements BootInputs {
    private final Database db;
    private final HostStore hosts;
    private final ProfileStore profiles;
    private final Map<String, Host> byName = new ConcurrentHashMap<>();
    private final Map<MacAddress, Host> byMac = new ConcurrentHashMap<>();
    private final Map<SmbiosUuid, Host> byUuid = new ConcurrentHashMap<>();
    private final Map<String, Profile> profileByName = new ConcurrentHashMap<>();
    private final java.util.List<java.util.function.Consumer<String>> hostListeners = new java.util.concurrent.CopyOnWriteArrayList<>();

    public InventoryCache(Database db, HostStore hosts, ProfileStore profiles) {
        this.db = db;
        this.hosts = hosts;
        this.profiles = profiles;
        db.read(h -> {
            hosts.list(h).forEach(this::put);
            profiles.list(h).forEach(p -> profileByName.put(p.name(), p));
            return null;
        });
    }

    @Override
    public Optional<Host> hostByMac(MacAddress mac) {
        return Optional.ofNullable(byMac.get(mac));
    }

    @Override
    public Optional<Host> hostByUuid(SmbiosUuid uuid) {
        return Optional.ofNullable(byUuid.get(uuid));
    }

    @Override
    public Optional<Profile> profile(String name) {
        return Optional.ofNullable(profileByName.get(name));
    }

    public int hostCount() {
        return byName.size();
    }

    /**
     * Re-reads one host after a committed change (or its removal). Serialized so the last read wins.
     * The fresh entries are put before the stale ones are dropped, so a concurrent decision never
     * finds a known host missing (it would boot it as an unknown machine). Removal is by identity:
     * records compare by content, and an unchanged host must not take its fresh copy with it.
     */
    public synchronized void refreshHost(String name) {
        Optional<Host> fresh = db.read(h -> hosts.get(h, name));
        Host old = byName.get(name);
        fresh.ifPresent(this::put);
        if (old != null) {
            old.macs().forEach(m -> byMac.computeIfPresent(m, (k, v) -> v == old ? null : v));
            old.uuid().ifPresent(u -> byUuid.computeIfPresent(u, (k, v) -> v == old ? null : v));
            byName.computeIfPresent(name, (k, v) -> v == old ? null : v);
        }
        hostListeners.forEach(l -> l.accept(name));
    }

    /** Told the name of every host refreshed here (added, changed, removed), after the cache has it: the watchdog re-reads only those. */
    public void onHostChange(java.util.function.Consumer<String> listener) {
        hostListeners.add(listener);
    }

    public synchronized void refreshProfile(String name) {
        Optional<Profile> fresh = db.read(h -> profiles.get(h, name));
        fresh.ifPresentOrElse(p -> profileByName.put(name, p), () -> profileByName.remove(name));
    }

    private void put(Host h) {
        byName.put(h.name(), h);
        h.macs().forEach(m -> byMac.put(m, h));
        h.uuid().ifPresent(u -> byUuid.put(u, h));
    }
}
