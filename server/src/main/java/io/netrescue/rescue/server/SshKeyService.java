package io.netrescue.rescue.server;

import io.netrescue.inventory.InvalidInputException;
import io.netrescue.rescue.RescueKeys;
import io.netrescue.rescue.SshPublicKey;
import io.netrescue.store.Database;
import io.netrescue.store.Event;
import io.netrescue.store.EventStore;
import io.netrescue.store.HostStore;
import io.netrescue.store.NotFoundException;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;

/**
 * The SSH public keys registered for a host, which every rescue activation of it carries
 * ({@code netrescue host ssh-key}). Adding a key that is already registered changes nothing and is
 * not an error, so a script can add its keys on every run.
 */
public final class SshKeyService {
    /** At most this many registered keys per host. */
    public static final int MAX_PER_HOST = 16;

    /** What an add did: the keys it registered and those that already were. */
    public record Added(List<SshKeyStore.Registered> added, List<SshKeyStore.Registered> unchanged) {}

    private final Database db;
    private final HostStore hosts;
    private final SshKeyStore store;
    private final EventStore events;
    private final Clock clock;

    public SshKeyService(Database db, HostStore hosts, SshKeyStore store, EventStore events, Clock clock) {
        this.db = db;
        this.hosts = hosts;
        this.store = store;
        this.events = events;
        this.clock = clock;
    }

    public List<SshKeyStore.Registered> list(String host) {
        return db.read(h -> {
            hosts.require(h, host);
            return store.list(h, host);
        });
    }

    /** Registers {@code keys} (already parsed strictly) for {@code host}, all or none. */
    public Added add(String host, List<SshPublicKey> keys, String actor) {
        if (keys.isEmpty()) throw new InvalidInputException("no SSH key given");
        Instant now = clock.instant().truncatedTo(ChronoUnit.MILLIS);
        return db.inWriteTransaction(h -> {
            hosts.require(h, host);
            List<SshKeyStore.Registered> have = store.list(h, host);
            List<SshKeyStore.Registered> unchanged = new ArrayList<>();
            List<SshPublicKey> fresh = new ArrayList<>();
            for (SshPublicKey k : keys) {
                var old = have.stream().filter(r -> r.key().sameKey(k)).findFirst();
                if (old.isPresent()) {
                    if (!unchanged.contains(old.get())) unchanged.add(old.get());
                } else if (fresh.stream().noneMatch(k::sameKey)) {
                    fresh.add(k);
                }
            }
            if (have.size() + fresh.size() > MAX_PER_HOST) {
                throw new InvalidInputException(host + " would have more than " + MAX_PER_HOST + " registered SSH keys");
            }
            List<SshKeyStore.Registered> added = new ArrayList<>();
            for (SshPublicKey k : fresh) {
                store.add(h, host, k, now, actor);
                added.add(new SshKeyStore.Registered(k, now, actor));
                events.append(h, Event.of(now, host, "ssh-key.added", actor, k.type() + " " + k.fingerprint() + (k.comment().isEmpty() ? "" : " " + k.comment())));
            }
            return new Added(added, unchanged);
        });
    }

    /** Removes the key with this fingerprint ({@code SHA256:...}, also in base64url). */
    public SshKeyStore.Registered remove(String host, String fingerprint, String actor) {
        String fp = RescueKeys.fingerprint(fingerprint);
        Instant now = clock.instant().truncatedTo(ChronoUnit.MILLIS);
        return db.inWriteTransaction(h -> {
            hosts.require(h, host);
            SshKeyStore.Registered r = store.list(h, host).stream().filter(x -> x.key().fingerprint().equals(fp)).findFirst()
                    .orElseThrow(() -> new NotFoundException(host + " has no registered SSH key " + fp));
            store.remove(h, host, fp);
            events.append(h, Event.of(now, host, "ssh-key.removed", actor, r.key().type() + " " + fp));
            return r;
        });
    }
}
