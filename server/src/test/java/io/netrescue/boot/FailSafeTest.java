package io.netrescue.boot;

import static org.assertj.core.api.Assertions.assertThat;

import io.netrescue.boot.http.BootService;
import io.netrescue.inventory.IpAddresses;
import io.netrescue.store.Database;
import io.netrescue.store.EventStore;
import io.netrescue.store.GroupCommitWriter;
import io.netrescue.store.HostStore;
import io.netrescue.store.InventoryCache;
import io.netrescue.store.ProfileStore;
import io.netrescue.store.TokenStore;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** When the store is gone, a machine still gets a valid script that boots its disk, not an error. */
class FailSafeTest {
    @TempDir Path dir;

    @Test
    void brokenStoreYieldsALocalBootScript() {
        Database db = Database.openEmbedded(dir);
        EventStore events = new EventStore(db, java.util.Optional.empty());
        GroupCommitWriter w = new GroupCommitWriter(db, events);
        HostStore hosts = new HostStore(db);
        InventoryCache cache = new InventoryCache(db, hosts, new ProfileStore());
        BootService svc = new BootService(db, hosts, cache, events, new TokenStore(), w,
                new BootDecider(BootPolicy.DEFAULT), Clock.systemUTC(), Duration.ofHours(1), true);
        db.close(); // every query now fails
        String script = svc.decide(BootRequest.parse("52:54:00:12:34:56", "10.0.0.5", "", "", "", IpAddresses.parse("10.0.0.5")), "http://s");
        assertThat(script).isEqualTo("#!ipxe\necho netrescue: this machine boots its local disk: internal error\nexit\n");
        w.close();
    }
}
