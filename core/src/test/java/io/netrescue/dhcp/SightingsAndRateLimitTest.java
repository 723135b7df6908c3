package io.netrescue.dhcp;

import static org.assertj.core.api.Assertions.assertThat;

import io.netrescue.inventory.MacAddress;
import io.netrescue.inventory.SmbiosUuid;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class SightingsAndRateLimitTest {
    static final Instant T = Instant.parse("2026-11-24T10:00:00Z");

    @Test
    void sightingsAreBoundedAndKeepAnEarlierUuid() {
        Sightings s = new Sightings(3);
        SmbiosUuid u = SmbiosUuid.parse("8c5b0b4e-2f6a-4d1e-9a61-0123456789ab");
        s.record(new Sighting(new MacAddress(1), Optional.of(u), ClientArch.BIOS, false, T));
        s.record(new Sighting(new MacAddress(1), Optional.empty(), ClientArch.BIOS, true, T.plusSeconds(1))); // iPXE's 4011 request
        assertThat(s.lookup(new MacAddress(1))).contains(new Sighting(new MacAddress(1), Optional.of(u), ClientArch.BIOS, true, T.plusSeconds(1)));
        for (int i = 2; i <= 4; i++) s.record(new Sighting(new MacAddress(i), Optional.empty(), ClientArch.EFI_X64, false, T));
        assertThat(s.size()).isEqualTo(3);
        assertThat(s.lookup(new MacAddress(1))).isEmpty(); // least recently seen goes first
        assertThat(s.lookup(new MacAddress(4))).isPresent();
    }

    @Test
    void sightingsAreThreadSafe() throws Exception {
        Sightings s = new Sightings(1000);
        CountDownLatch go = new CountDownLatch(1);
        Thread[] ts = new Thread[4];
        for (int t = 0; t < ts.length; t++) {
            int base = t;
            ts[t] = Thread.ofPlatform().start(() -> {
                try {
                    go.await();
                } catch (InterruptedException e) {
                    return;
                }
                for (int i = 0; i < 20_000; i++) {
                    s.record(new Sighting(new MacAddress(base * 100_000 + i % 500), Optional.empty(), ClientArch.BIOS, false, T));
                    s.lookup(new MacAddress(i % 500));
                }
            });
        }
        go.countDown();
        for (Thread t : ts) t.join();
        assertThat(s.size()).isEqualTo(1000);
    }

    @Test
    void aFloodingSourceOnlyEmptiesItsOwnBucket() {
        SourceRateLimit r = new SourceRateLimit(10, 5, 100);
        AtomicInteger flooder = new AtomicInteger();
        long now = 0;
        for (int i = 0; i < 1000; i++) if (r.tryAcquire(1, now)) flooder.incrementAndGet();
        assertThat(flooder).hasValue(5); // the burst
        assertThat(r.tryAcquire(2, now)).isTrue(); // another source is unaffected
        now += 100_000_000; // 0.1 s: one token back
        assertThat(r.tryAcquire(1, now)).isTrue();
        assertThat(r.tryAcquire(1, now)).isFalse();
        now += 10_000_000_000L; // long idle: back to the burst, not more
        int n = 0;
        for (int i = 0; i < 100; i++) if (r.tryAcquire(1, now)) n++;
        assertThat(n).isEqualTo(5);
    }

    @Test
    void rateLimitMemoryIsBounded() {
        SourceRateLimit r = new SourceRateLimit(1, 1, 10);
        for (long k = 0; k < 100_000; k++) assertThat(r.tryAcquire(k, 0)).isTrue();
        assertThat(r.tryAcquire(99_999, 0)).isFalse(); // recent ones are still tracked
    }
}
