package io.netrescue.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.netrescue.boot.BootMode;
import io.netrescue.boot.BootState;
import io.netrescue.inventory.MacAddress;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InventoryCacheTest {
    @TempDir Path dir;

    @Test
    void aKnownHostNeverDisappearsWhileItIsRefreshed() throws Exception {
        try (Database db = Database.openEmbedded(dir)) {
            HostStore hosts = new HostStore(db);
            MacAddress mac = MacAddress.parse("52:54:00:00:00:01");
            db.inWriteTransaction(h -> hosts.add(h, new HostStore.NewHost("web1", List.of(mac), Optional.empty(), List.of(), Map.of()), Instant.now()));
            InventoryCache cache = new InventoryCache(db, hosts, new ProfileStore());
            AtomicBoolean stop = new AtomicBoolean();
            AtomicLong misses = new AtomicLong(), reads = new AtomicLong();
            Thread reader = Thread.ofPlatform().start(() -> {
                while (!stop.get()) {
                    if (cache.hostByMac(mac).isEmpty()) misses.incrementAndGet();
                    reads.incrementAndGet();
                }
            });
            for (int i = 0; i < 2000; i++) {
                if (i % 2 == 0) {
                    db.inWriteTransaction(h -> hosts.setBoot(h, "web1", BootState.of(new BootMode.Rescue(Optional.empty()), Optional.empty()), Instant.now()));
                }
                cache.refreshHost("web1"); // half of these refresh an unchanged host
            }
            stop.set(true);
            reader.join();
            assertThat(reads.get()).isGreaterThan(1000);
            assertThat(misses.get()).isZero();
            assertThat(cache.hostByMac(mac)).isPresent();
            db.inWriteTransaction(h -> {
                hosts.remove(h, "web1", java.time.Instant.now());
                return null;
            });
            cache.refreshHost("web1");
            assertThat(cache.hostByMac(mac)).isEmpty();
            assertThat(cache.hostCount()).isZero();
        }
    }
}
