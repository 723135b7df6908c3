package io.netrescue.dhcp.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.netrescue.inventory.IpAddresses;
import io.netrescue.inventory.MacAddress;
import io.netrescue.store.Database;
import io.netrescue.store.HostStore;
import io.netrescue.store.InventoryCache;
import io.netrescue.store.ProfileStore;
import io.netrescue.testing.MutableClock;
import java.net.Inet4Address;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InventoryDhcpViewTest {
    @TempDir
    Path dir;

    @Test
    void readsKnownMacsReservationsAndRefreshesTheReverseIndex() {
        try (Database db = Database.openEmbedded(dir)) {
            HostStore hosts = new HostStore(db);
            MacAddress a = MacAddress.parse("02:00:00:00:00:0a"), a2 = MacAddress.parse("02:00:00:00:00:2a"), b = MacAddress.parse("02:00:00:00:00:0b");
            Inet4Address ip = (Inet4Address) IpAddresses.parse("10.88.0.5");
            db.inWriteTransaction(h -> hosts.add(h, new HostStore.NewHost("web1", List.of(a, a2), Optional.empty(),
                    List.of(IpAddresses.parse("fd00::5"), ip), Map.of()), Instant.now()));
            InventoryCache cache = new InventoryCache(db, hosts, new ProfileStore());
            MutableClock clock = new MutableClock(Instant.parse("2026-11-24T10:00:00Z"));
            InventoryDhcpView v = new InventoryDhcpView(cache, () -> db.read(hosts::list), Duration.ofSeconds(5), clock);
            assertThat(v.isKnown(a)).isTrue();
            assertThat(v.isKnown(b)).isFalse();
            assertThat(v.expectedIps(a2)).containsExactly(ip); // IPv6 expected addresses are not DHCPv4's
            assertThat(v.reservedForOther(ip, a)).isFalse();
            assertThat(v.reservedForOther(ip, a2)).isFalse(); // any MAC of the host
            assertThat(v.reservedForOther(ip, b)).isTrue();
            Inet4Address ip2 = (Inet4Address) IpAddresses.parse("10.88.0.6");
            db.inWriteTransaction(h -> hosts.add(h, new HostStore.NewHost("web2", List.of(b), Optional.empty(), List.of(ip2), Map.of()), Instant.now()));
            assertThat(v.reservedForOther(ip2, a)).isFalse(); // the index is at most 5 s old
            clock.advance(Duration.ofSeconds(6));
            assertThat(v.reservedForOther(ip2, a)).isTrue();
        }
    }
}
