package io.netrescue.inventory.server;

import io.netrescue.store.Database;
import io.netrescue.store.Event;
import io.netrescue.store.EventStore;
import java.time.Clock;
import java.util.List;
import java.util.Optional;

/** The audit timeline: what happened (newest last) and which unknown machines asked to boot. */
public final class EventService {
    private final Database db;
    private final EventStore events;
    private final Clock clock;

    public EventService(Database db, EventStore events, Clock clock) {
        this.db = db;
        this.events = events;
        this.clock = clock;
    }

    /** @param afterId only events with a larger id (0: from the start), for following the timeline */
    public List<Event> recent(Optional<String> host, int limit, long afterId) {
        return db.read(h -> events.recent(h, host, limit, afterId));
    }

    public List<EventStore.Discovered> discovered() {
        return db.read(events::discovered);
    }

    /** Records an event on its own, durably, before returning. */
    public void record(String host, String kind, String actor, String reason) {
        db.inWriteTransaction(h -> {
            events.append(h, Event.of(clock.instant(), host, kind, actor, reason));
            return null;
        });
    }
}
