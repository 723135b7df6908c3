package io.netrescue.dhcp;

import io.netrescue.inventory.MacAddress;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The last sighting of each boot client, at most {@code capacity} of them: the least recently seen
 * MAC goes first, so a flood of spoofed MACs costs bounded memory and can only push out old entries.
 * Thread-safe (one lock; each call is a few map operations).
 */
public final class Sightings {
    private final int capacity;
    private final LinkedHashMap<MacAddress, Sighting> byMac;

    public Sightings(int capacity) {
        if (capacity < 1) throw new IllegalArgumentException("capacity must be positive");
        this.capacity = capacity;
        this.byMac = new LinkedHashMap<>(Math.min(capacity, 1 << 16), 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<MacAddress, Sighting> eldest) {
                return size() > Sightings.this.capacity;
            }
        };
    }

    /** Keeps a UUID seen earlier when a later packet of the same client lacks option 97. */
    public synchronized void record(Sighting s) {
        Sighting old = byMac.get(s.mac());
        if (old != null && s.uuid().isEmpty() && old.uuid().isPresent()) {
            s = new Sighting(s.mac(), old.uuid(), s.arch(), s.ipxe(), s.seenAt());
        }
        byMac.put(s.mac(), s);
    }

    public synchronized Optional<Sighting> lookup(MacAddress mac) {
        return Optional.ofNullable(byMac.get(mac));
    }

    public synchronized int size() {
        return byMac.size();
    }
}
