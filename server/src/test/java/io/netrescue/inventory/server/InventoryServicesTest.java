package io.netrescue.inventory.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netrescue.boot.BootMode;
import io.netrescue.boot.Profile;
import io.netrescue.inventory.InvalidInputException;
import io.netrescue.inventory.IpAddresses;
import io.netrescue.inventory.MacAddress;
import io.netrescue.store.ConflictException;
import io.netrescue.store.Database;
import io.netrescue.store.Event;
import io.netrescue.store.HostStore;
import io.netrescue.store.InventoryCache;
import io.netrescue.store.NotFoundException;
import io.netrescue.testing.MutableClock;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The inventory's services against a real embedded store: what commits, which events, what the boot path's cache sees. */
class InventoryServicesTest {
    private static final MacAddress MAC = MacAddress.parse("52:54:00:00:00:01");

    @TempDir Path dir;
    private final MutableClock clock = new MutableClock(Instant.parse("2026-12-03T10:00:00.123456Z"));
    private Database db;
    private InventoryCache cache;
    private HostService hosts;
    private ProfileService profiles;
    private BootModeService bootModes;
    private EventService events;

    @BeforeEach
    void open() {
        var f = io.netrescue.testing.InventoryFixture.open(dir, clock);
        db = f.db();
        cache = f.cache();
        hosts = f.hosts();
        profiles = f.profiles();
        bootModes = f.bootModes();
        events = f.events();
    }

    @AfterEach
    void close() {
        db.close();
    }

    private void addWeb1() {
        hosts.add(new HostStore.NewHost("web1", List.of(MAC), Optional.empty(), List.of(IpAddresses.parse("10.0.0.5")), Map.of()), "api:test");
    }

    private List<Event> timeline() {
        return events.recent(Optional.empty(), 100, 0);
    }

    @Test
    void anAddedHostIsStoredAuditedAndBootableAtOnce() {
        addWeb1();
        assertThat(hosts.list()).extracting(h -> h.name()).containsExactly("web1");
        assertThat(cache.hostByMac(MAC)).isPresent(); // the boot path sees it without waiting for a reload
        assertThat(timeline()).singleElement().satisfies(e -> {
            assertThat(e.kind()).isEqualTo("host.added");
            assertThat(e.actor()).isEqualTo("api:test");
            assertThat(e.reason()).contains("macs [52:54:00:00:00:01] ips [10.0.0.5]");
        });
    }

    @Test
    void aRefusedAddLeavesNoTrace() {
        addWeb1();
        assertThatThrownBy(this::addWeb1).isInstanceOf(ConflictException.class);
        assertThatThrownBy(() -> hosts.add(new HostStore.NewHost("bad name!", List.of(), Optional.empty(), List.of(), Map.of()), "api:test"))
                .isInstanceOf(InvalidInputException.class);
        assertThat(timeline()).hasSize(1);
    }

    @Test
    void removingAHostForgetsItEverywhere() {
        addWeb1();
        hosts.remove("web1", "api:test");
        assertThat(cache.hostByMac(MAC)).isEmpty();
        assertThatThrownBy(() -> hosts.require("web1")).isInstanceOf(NotFoundException.class);
        assertThat(timeline()).extracting(Event::kind).containsExactly("host.added", "host.removed");
        assertThatThrownBy(() -> hosts.remove("web1", "api:test")).isInstanceOf(NotFoundException.class);
        assertThat(timeline()).hasSize(2);
    }

    @Test
    void aBootModeWithADurationExpiresAtTheStoredMillisecond() {
        addWeb1();
        profiles.save(new Profile("trixie", "vmlinuz", List.of("initrd.img"), "console=ttyS0"), false, "api:test");
        var change = bootModes.set("web1", new BootMode.Persistent("trixie"), Optional.of(Duration.ofHours(1)), "api:test", "");
        assertThat(change.was().mode()).isEqualTo(new BootMode.Local());
        assertThat(change.next().expiresAt()).contains(Instant.parse("2026-12-03T11:00:00.123Z"));
        assertThat(hosts.require("web1").boot()).isEqualTo(change.next());
        assertThat(cache.hostByMac(MAC).orElseThrow().boot()).isEqualTo(change.next());
        assertThat(timeline().getLast().reason().orElseThrow()).startsWith("mode set to ").endsWith("(was " + change.was() + ")");
    }

    @Test
    void theLaddersRescueSaysWhoDecided() {
        addWeb1();
        var change = bootModes.set("web1", new BootMode.Rescue(Optional.empty()), Optional.empty(), "watchdog", " by the ladder's rescue step");
        Event e = timeline().getLast();
        assertThat(e.actor()).isEqualTo("watchdog");
        assertThat(e.reason().orElseThrow()).isEqualTo("mode set to " + change.next() + " (was " + change.was() + ") by the ladder's rescue step");
    }

    @Test
    void aRefusedBootModeChangesNothing() {
        addWeb1();
        assertThatThrownBy(() -> bootModes.set("web1", new BootMode.Once("missing"), Optional.empty(), "api:test", ""))
                .isInstanceOf(NotFoundException.class).hasMessage("no profile named missing");
        assertThatThrownBy(() -> bootModes.set("web1", new BootMode.Local(), Optional.of(Duration.ofMinutes(5)), "api:test", ""))
                .isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> bootModes.set("ghost", new BootMode.Local(), Optional.empty(), "api:test", ""))
                .isInstanceOf(NotFoundException.class);
        assertThat(hosts.require("web1").boot().mode()).isEqualTo(new BootMode.Local());
        assertThat(timeline()).extracting(Event::kind).containsExactly("host.added");
    }

    @Test
    void profilesAreSavedReplacedAndRemovedWithEvents() {
        Profile p = new Profile("trixie", "vmlinuz", List.of(), "quiet");
        profiles.save(p, false, "api:test");
        assertThatThrownBy(() -> profiles.save(p, false, "api:test")).isInstanceOf(ConflictException.class);
        profiles.save(new Profile("trixie", "vmlinuz-2", List.of(), "quiet"), true, "api:test");
        assertThat(profiles.require("trixie").kernel()).isEqualTo("vmlinuz-2");
        assertThat(cache.profile("trixie").orElseThrow().kernel()).isEqualTo("vmlinuz-2");
        profiles.remove("trixie", "api:test");
        assertThatThrownBy(() -> profiles.require("trixie")).isInstanceOf(NotFoundException.class).hasMessage("no profile named trixie");
        assertThat(cache.profile("trixie")).isEmpty();
        assertThat(timeline()).extracting(e -> e.reason().orElseThrow())
                .containsExactly("profile trixie: kernel vmlinuz", "profile trixie: kernel vmlinuz-2", "profile trixie");
    }

    @Test
    void theTimelineFollowsFromAnId() {
        events.record(null, "server.started", "server", "listening");
        addWeb1();
        long first = timeline().getFirst().id();
        assertThat(events.recent(Optional.empty(), 100, first)).extracting(Event::kind).containsExactly("host.added");
        assertThat(events.recent(Optional.of("web1"), 100, 0)).extracting(Event::kind).containsExactly("host.added");
        assertThat(events.discovered()).isEmpty();
    }
}
