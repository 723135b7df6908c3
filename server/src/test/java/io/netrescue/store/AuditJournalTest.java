package io.netrescue.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AuditJournalTest {
    @TempDir Path dir;

    static Event ev(long id, String host) {
        return new Event(id, Instant.ofEpochSecond(1_800_000_000L, id), Optional.ofNullable(host), "boot.served", "boot",
                Optional.of("52:54:00:00:00:01"), Optional.of("10.0.0.5"), Optional.of("10.0.0.5"), Optional.of("local"),
                Optional.of("mode local é"));
    }

    @Test
    void appendsReadsBackPerHostAndSurvivesReopen() throws Exception {
        try (AuditJournal j = new AuditJournal(dir, 1 << 20, 4)) {
            List<Event> es = new ArrayList<>();
            for (int i = 1; i <= 1000; i++) es.add(ev(i, "h" + (i % 10)));
            j.append(es);
            j.sync();
            assertThat(j.maxId()).isEqualTo(1000);
            List<Event> h3 = j.recent(Optional.of("h3"), 5, 0);
            assertThat(h3).extracting(Event::id).containsExactly(993L, 983L, 973L, 963L, 953L);
            assertThat(h3.getFirst()).isEqualTo(ev(993, "h3"));
            assertThat(j.recent(Optional.empty(), 3, 998)).extracting(Event::id).containsExactly(1000L, 999L);
        }
        try (AuditJournal j = new AuditJournal(dir, 1 << 20, 4)) {
            assertThat(j.maxId()).isEqualTo(1000);
            assertThat(j.recent(Optional.of("h7"), 1, 0)).containsExactly(ev(997, "h7"));
        }
    }

    @Test
    void aTornTailIsCutAndAppendingContinues() throws Exception {
        try (AuditJournal j = new AuditJournal(dir, 1 << 20, 4)) {
            j.append(List.of(ev(1, "a"), ev(2, "b"), ev(3, "c")));
            j.sync();
        }
        Path seg;
        try (Stream<Path> s = Files.list(dir)) {
            seg = s.findFirst().orElseThrow();
        }
        long size = Files.size(seg);
        try (FileChannel ch = FileChannel.open(seg, StandardOpenOption.WRITE)) {
            ch.truncate(size - 5); // a crash in the middle of writing record 3
        }
        try (AuditJournal j = new AuditJournal(dir, 1 << 20, 4)) {
            assertThat(j.maxId()).isEqualTo(2);
            j.append(List.of(ev(4, "d")));
            j.sync();
            assertThat(j.recent(Optional.empty(), 10, 0)).extracting(Event::id).containsExactly(4L, 2L, 1L);
        }
        // a flipped byte inside a record is caught by its checksum
        try (FileChannel ch = FileChannel.open(seg, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(new byte[] {0x7f}), 20);
        }
        try (AuditJournal j = new AuditJournal(dir, 1 << 20, 4)) {
            assertThat(j.maxId()).isZero();
        }
    }

    @Test
    void rotatesAndKeepsOnlyTheNewestSegments() throws Exception {
        try (AuditJournal j = new AuditJournal(dir, 10_000, 3)) {
            for (int i = 1; i <= 2000; i++) j.append(List.of(ev(i, "h")));
            j.sync();
            try (Stream<Path> s = Files.list(dir)) {
                assertThat(s.count()).isEqualTo(3);
            }
            List<Event> all = j.recent(Optional.empty(), 5000, 0);
            assertThat(all.getFirst().id()).isEqualTo(2000);
            assertThat(all.size()).isLessThan(2000).isGreaterThan(100);
        }
    }
}
