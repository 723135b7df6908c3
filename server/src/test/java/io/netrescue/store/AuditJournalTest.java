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

    @Test
    void aDamagedOlderSegmentStillOpensAndServesWhatItCanRead() throws Exception {
        long firstOfLast;
        try (AuditJournal j = new AuditJournal(dir, 10_000, 10)) {
            for (int i = 1; i <= 300; i++) j.append(List.of(ev(i, "h")));
            j.sync();
        }
        List<Path> segs;
        try (Stream<Path> s = Files.list(dir)) {
            segs = s.sorted().toList();
        }
        assertThat(segs).hasSizeGreaterThan(2);
        firstOfLast = Long.parseLong(segs.getLast().getFileName().toString().replace(".log", ""));
        // bit rot in the middle of the first segment: records after it in that file are unreadable
        try (FileChannel ch = FileChannel.open(segs.getFirst(), StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(new byte[] {0x7f, 0x7f}), 2000);
        }
        long sizeBefore = Files.size(segs.getFirst());
        try (AuditJournal j = new AuditJournal(dir, 10_000, 10)) {
            assertThat(j.maxId()).isEqualTo(300);
            List<Event> all = j.recent(Optional.empty(), 1000, 0);
            assertThat(all).extracting(Event::id).contains(300L, firstOfLast, 1L);
            assertThat(all).allSatisfy(e -> assertThat(e).isEqualTo(ev(e.id(), "h")));
            j.append(List.of(ev(301, "h")));
            j.sync();
        }
        assertThat(Files.size(segs.getFirst())).as("a damaged older segment is kept as it is").isEqualTo(sizeBefore);
    }

    @Test
    void aRecordWithAValidChecksumButNoValidEventIsTreatedAsTorn() throws Exception {
        try (AuditJournal j = new AuditJournal(dir, 1 << 20, 4)) {
            j.append(List.of(ev(1, "a")));
            j.sync();
        }
        Path seg;
        try (Stream<Path> s = Files.list(dir)) {
            seg = s.findFirst().orElseThrow();
        }
        byte[] junk = new byte[40];
        java.util.Arrays.fill(junk, (byte) 0x7f); // string lengths that run past the record
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        crc.update(junk);
        ByteBuffer rec = ByteBuffer.allocate(8 + junk.length).putInt(junk.length).putInt((int) crc.getValue()).put(junk).flip();
        try (FileChannel ch = FileChannel.open(seg, StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
            ch.write(rec);
        }
        try (AuditJournal j = new AuditJournal(dir, 1 << 20, 4)) {
            assertThat(j.maxId()).isEqualTo(1);
            assertThat(j.recent(Optional.empty(), 10, 0)).containsExactly(ev(1, "a"));
        }
    }
}
