package io.netrescue.console.server;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Each host's console lines in {@code DATA/console/HOST.log}, bounded: past {@code maxBytes} the file
 * becomes {@code HOST.log.1} (the previous one is dropped), so a chatty or hostile kernel costs at most
 * twice that per host. Lines are written without fsync: they are diagnostics, and a crash of the
 * server loses at most what the OS had not written yet. One writer thread; readers read the files.
 */
public final class ConsoleLog implements AutoCloseable {
    private static final int OPEN_FILES = 128;
    private final Path dir;
    private final long maxBytes;
    private final Map<String, FileChannel> open = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, FileChannel> e) {
            if (size() <= OPEN_FILES) return false;
            closeQuietly(e.getValue());
            return true;
        }
    };

    public record Page(List<String> lines, long next) {}

    public ConsoleLog(Path dir, long maxBytes) throws IOException {
        this.dir = Files.createDirectories(dir);
        this.maxBytes = maxBytes;
    }

    /** Called by the receiver thread only. */
    public synchronized void append(String host, Instant at, String line) throws IOException {
        FileChannel ch = open.get(host);
        if (ch == null) {
            ch = FileChannel.open(file(host), StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
            open.put(host, ch);
        }
        if (ch.size() >= maxBytes) {
            closeQuietly(ch);
            open.remove(host);
            Files.move(file(host), dir.resolve(host + ".log.1"), StandardCopyOption.REPLACE_EXISTING);
            ch = FileChannel.open(file(host), StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
            open.put(host, ch);
        }
        ByteBuffer b = ByteBuffer.wrap((at + " " + line + "\n").getBytes(StandardCharsets.UTF_8));
        while (b.hasRemaining()) ch.write(b);
    }

    /**
     * The last {@code n} lines (older file included when needed), and the offset to follow from.
     */
    public Page tail(String host, int n) throws IOException {
        List<String> lines = new ArrayList<>();
        Path older = dir.resolve(host + ".log.1");
        if (Files.exists(older)) lines.addAll(Files.readAllLines(older, StandardCharsets.UTF_8));
        Path f = file(host);
        long size = 0;
        if (Files.exists(f)) {
            byte[] all = Files.readAllBytes(f);
            size = all.length;
            int end = all.length;
            while (end > 0 && all[end - 1] != '\n') end--; // a line being written is not shown half
            size = end;
            String s = new String(all, 0, end, StandardCharsets.UTF_8);
            if (!s.isEmpty()) lines.addAll(List.of(s.split("\n")));
        }
        List<String> last = lines.subList(Math.max(0, lines.size() - n), lines.size());
        return new Page(List.copyOf(last), size);
    }

    /** Lines written after {@code offset} (from an earlier page); after a rotation, from the new file's start. */
    public Page after(String host, long offset) throws IOException {
        Path f = file(host);
        if (!Files.exists(f)) return new Page(List.of(), 0);
        try (RandomAccessFile r = new RandomAccessFile(f.toFile(), "r")) {
            long size = r.length();
            long from = offset > size ? 0 : offset;
            int len = (int) Math.min(size - from, 1 << 20);
            byte[] b = new byte[len];
            r.seek(from);
            r.readFully(b);
            int end = len;
            while (end > 0 && b[end - 1] != '\n') end--;
            String s = new String(b, 0, end, StandardCharsets.UTF_8);
            return new Page(s.isEmpty() ? List.of() : List.of(s.split("\n")), from + end);
        }
    }

    private Path file(String host) {
        return dir.resolve(host + ".log");
    }

    @Override
    public synchronized void close() {
        open.values().forEach(ConsoleLog::closeQuietly);
        open.clear();
    }

    private static void closeQuietly(FileChannel c) {
        try {
            c.close();
        } catch (IOException ignored) {
            // closing a log file; nothing to recover
        }
    }
}
