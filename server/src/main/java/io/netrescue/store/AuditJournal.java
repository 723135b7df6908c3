package io.netrescue.store;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import java.util.zip.CRC32C;

/**
 * The append-only log for routine boot decisions: the one write that happens on every boot request.
 * A database row costs index page rewrites on every commit; a record appended to a file and synced
 * with its batch costs a sequential write. Records are {@code length u32 | crc32c u32 | payload}
 * in segment files {@code DATA/journal/<first id>.log}, rotated at a size limit and dropped oldest
 * first beyond a count limit (the retention). An in-memory index (id, offset, host per record) is
 * rebuilt by scanning at start; a torn record at the end of the last segment (a crash mid-write) is
 * cut off there. Event ids share one sequence with the database's events, so the API merges both.
 */
public final class AuditJournal implements AutoCloseable {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(AuditJournal.class);
    private static final int MAX_RECORD = 8192;

    private final Path dir;
    private final long segmentBytes;
    private final int maxSegments;
    private final List<Segment> segments = new ArrayList<>();
    private final CRC32C crc = new CRC32C();
    private final ByteBuffer out = ByteBuffer.allocate(1 << 20);

    /** One file and its index. */
    private static final class Segment {
        final Path path;
        final FileChannel ch;
        long size;
        long[] ids = new long[1024];
        long[] offsets = new long[1024];
        String[] hosts = new String[1024];
        int count;

        Segment(Path path, FileChannel ch) {
            this.path = path;
            this.ch = ch;
        }

        void add(long id, long offset, String host) {
            if (count == ids.length) {
                ids = Arrays.copyOf(ids, count * 2);
                offsets = Arrays.copyOf(offsets, count * 2);
                hosts = Arrays.copyOf(hosts, count * 2);
            }
            ids[count] = id;
            offsets[count] = offset;
            hosts[count] = host;
            count++;
        }
    }

    public AuditJournal(Path dir, long segmentBytes, int maxSegments) throws IOException {
        this.dir = dir;
        this.segmentBytes = segmentBytes;
        this.maxSegments = maxSegments;
        Files.createDirectories(dir);
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.filter(p -> p.getFileName().toString().matches("\\d{20}\\.log")).sorted().toList();
        }
        for (int i = 0; i < files.size(); i++) {
            boolean last = i == files.size() - 1;
            FileChannel ch = FileChannel.open(files.get(i), last
                    ? new StandardOpenOption[] {StandardOpenOption.READ, StandardOpenOption.WRITE}
                    : new StandardOpenOption[] {StandardOpenOption.READ});
            Segment seg = new Segment(files.get(i), ch);
            scan(seg, last);
            segments.add(seg);
        }
    }

    /**
     * Builds the index of one segment. A record that is cut short, fails its checksum or does not
     * decode ends the readable part: in the last segment that is a torn tail (a crash mid-write, never
     * acknowledged, since acknowledgement waits for the sync) and is cut off; in an older segment,
     * which was synced whole before the next one began, it is damage from outside: the readable part
     * stays served, the file is left as it is for inspection, and the log says where.
     */
    private void scan(Segment seg, boolean last) throws IOException {
        long size = seg.ch.size(), pos = 0;
        ByteBuffer head = ByteBuffer.allocate(8);
        while (pos + 8 <= size) {
            head.clear();
            seg.ch.read(head, pos);
            head.flip();
            int len = head.getInt();
            int sum = head.getInt();
            if (len <= 0 || len > MAX_RECORD || pos + 8 + len > size) break;
            ByteBuffer payload = ByteBuffer.allocate(len);
            seg.ch.read(payload, pos + 8);
            payload.flip();
            crc.reset();
            crc.update(payload.duplicate());
            if ((int) crc.getValue() != sum) break;
            Event e;
            try {
                e = decode(payload);
            } catch (RuntimeException malformed) {
                break;
            }
            seg.add(e.id(), pos, e.host().map(this::canonical).orElse(null));
            pos += 8 + len;
        }
        if (pos != size) {
            if (last) {
                seg.ch.truncate(pos);
                seg.ch.force(true);
            } else {
                log.atError().addKeyValue("segment", seg.path).addKeyValue("byte", pos).addKeyValue("size", size)
                        .log("audit journal segment damaged: serving the records before that byte");
            }
        }
        seg.size = pos;
    }

    /** Appends events (ids already assigned, increasing) in as few writes as fit the buffer; durable after {@link #sync()}. */
    public synchronized void append(List<Event> events) {
        try {
            out.clear();
            Segment seg = null;
            long at = 0;
            for (Event e : events) {
                if (seg == null || out.remaining() < MAX_RECORD * 2 || seg.size + out.position() >= segmentBytes) {
                    flush(seg, at);
                    seg = current(e.id());
                    at = seg.size;
                }
                int start = out.position();
                out.position(start + 8);
                encode(e, out);
                int len = out.position() - start - 8;
                crc.reset();
                crc.update(out.array(), start + 8, len);
                out.putInt(start, len).putInt(start + 4, (int) crc.getValue());
                seg.add(e.id(), at + start, e.host().map(this::canonical).orElse(null));
            }
            flush(seg, at);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Writes the buffered records at {@code at} in {@code seg} (one write call for many records). */
    private void flush(Segment seg, long at) throws IOException {
        if (seg == null || out.position() == 0) {
            out.clear();
            return;
        }
        out.flip();
        int n = out.remaining();
        while (out.hasRemaining()) seg.ch.write(out, at + out.position());
        seg.size = at + n;
        out.clear();
    }

    /** One String per host name in the index, without the JVM-wide intern table. */
    private final java.util.HashMap<String, String> names = new java.util.HashMap<>();

    private String canonical(String host) {
        return names.computeIfAbsent(host, h -> h);
    }

    public synchronized void sync() {
        if (segments.isEmpty()) return;
        try {
            segments.getLast().ch.force(false);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private Segment current(long firstId) throws IOException {
        if (segments.isEmpty() || segments.getLast().size >= segmentBytes) {
            if (!segments.isEmpty()) {
                Segment full = segments.getLast();
                full.ch.force(false);
            }
            Path p = dir.resolve(String.format("%020d.log", firstId));
            Segment s = new Segment(p, FileChannel.open(p, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ, StandardOpenOption.WRITE));
            syncDirectory(); // the new file's name must survive a power cut as surely as the records synced into it
            segments.add(s);
            while (segments.size() > maxSegments) {
                Segment old = segments.removeFirst();
                old.ch.close();
                Files.deleteIfExists(old.path);
            }
        }
        return segments.getLast();
    }

    private void syncDirectory() throws IOException {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        }
    }

    public synchronized long maxId() {
        for (int i = segments.size() - 1; i >= 0; i--) {
            Segment s = segments.get(i);
            if (s.count > 0) return s.ids[s.count - 1];
        }
        return 0;
    }

    /** The newest {@code limit} events with id above {@code afterId}, for one host or all, newest first. */
    public synchronized List<Event> recent(Optional<String> host, int limit, long afterId) {
        List<Event> found = new ArrayList<>();
        try {
            for (int i = segments.size() - 1; i >= 0 && found.size() < limit; i--) {
                Segment s = segments.get(i);
                for (int j = s.count - 1; j >= 0 && found.size() < limit; j--) {
                    if (s.ids[j] <= afterId) return found;
                    if (host.isPresent() && !host.get().equals(s.hosts[j])) continue;
                    found.add(read(s, s.offsets[j]));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return found;
    }

    private static Event read(Segment s, long offset) throws IOException {
        ByteBuffer head = ByteBuffer.allocate(8);
        s.ch.read(head, offset);
        head.flip();
        ByteBuffer payload = ByteBuffer.allocate(head.getInt());
        s.ch.read(payload, offset + 8);
        payload.flip();
        return decode(payload);
    }

    static void encode(Event e, ByteBuffer b) {
        b.putLong(e.id()).putLong(e.at().getEpochSecond()).putInt(e.at().getNano());
        put(b, e.host().orElse(null));
        put(b, e.kind());
        put(b, e.actor());
        put(b, e.mac().orElse(null));
        put(b, e.reportedIp().orElse(null));
        put(b, e.sourceIp().orElse(null));
        put(b, e.decision().orElse(null));
        put(b, e.reason().orElse(null));
    }

    static Event decode(ByteBuffer b) {
        long id = b.getLong();
        Instant at = Instant.ofEpochSecond(b.getLong(), b.getInt());
        return new Event(id, at, get(b), get(b).orElse(""), get(b).orElse(""), get(b), get(b), get(b), get(b), get(b));
    }

    private static void put(ByteBuffer b, String s) {
        if (s == null) {
            b.putShort((short) -1);
            return;
        }
        byte[] x = s.getBytes(StandardCharsets.UTF_8);
        int n = Math.min(x.length, 1024);
        b.putShort((short) n).put(x, 0, n);
    }

    private static Optional<String> get(ByteBuffer b) {
        int n = b.getShort();
        if (n < 0) return Optional.empty();
        byte[] x = new byte[n];
        b.get(x);
        return Optional.of(new String(x, StandardCharsets.UTF_8));
    }

    @Override
    public synchronized void close() throws IOException {
        for (Segment s : segments) {
            if (s == segments.getLast()) s.ch.force(false);
            s.ch.close();
        }
        segments.clear();
    }
}
