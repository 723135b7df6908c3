package io.netrescue.inventory.server;

import io.netrescue.boot.Host;
import io.netrescue.inventory.HostName;
import io.netrescue.inventory.IpAddresses;
import io.netrescue.store.Database;
import io.netrescue.store.Event;
import io.netrescue.store.EventStore;
import io.netrescue.store.HostStore;
import io.netrescue.store.InventoryCache;
import java.time.Clock;
import java.time.Instant;
import java.util.List;

/** Adds, lists and removes hosts; each change commits with its {@code host.*} event before it returns. */
public final class HostService {
    private final Database db;
    private final HostStore hosts;
    private final EventStore events;
    private final InventoryCache inventory;
    private final Clock clock;

    public HostService(Database db, HostStore hosts, EventStore events, InventoryCache inventory, Clock clock) {
        this.db = db;
        this.hosts = hosts;
        this.events = events;
        this.inventory = inventory;
        this.clock = clock;
    }

    public List<Host> list() {
        return db.read(hosts::list);
    }

    /** @throws io.netrescue.store.NotFoundException when there is no such host */
    /** Whether {@code name} is in the inventory. */
    public boolean exists(String name) {
        return db.read(h -> hosts.get(h, name)).isPresent();
    }

    public Host require(String name) {
        return db.read(h -> hosts.require(h, name));
    }

    /** @throws io.netrescue.store.ConflictException when the name, a MAC or the UUID is taken */
    public Host add(HostStore.NewHost n, String actor) {
        HostName.check(n.name());
        Instant now = clock.instant();
        Host added = db.inWriteTransaction(h -> {
            Host host = hosts.add(h, n, now);
            events.append(h, Event.of(now, host.name(), "host.added", actor, "macs " + host.macs()
                    + host.uuid().map(u -> " uuid " + u).orElse("")
                    + (n.ips().isEmpty() ? "" : " ips " + n.ips().stream().map(IpAddresses::format).toList())));
            return host;
        });
        inventory.refreshHost(added.name());
        return added;
    }

    /** @throws io.netrescue.store.NotFoundException when there is no such host */
    public void remove(String name, String actor) {
        Instant now = clock.instant();
        db.inWriteTransaction(h -> {
            int rescues = hosts.remove(h, name, now);
            events.append(h, Event.of(now, name, "host.removed", actor, null));
            if (rescues > 0) events.append(h, Event.of(now, name, "rescue.ended", actor, "its live rescue activation: host removed"));
            int jobs = hosts.cancelJobs(h, name, now);
            if (jobs > 0) events.append(h, Event.of(now, name, "job.cancel", actor, jobs + " queued or running job(s) cancelled: host removed"));
            return null;
        });
        inventory.refreshHost(name);
    }
}
