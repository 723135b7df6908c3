package io.netrescue.agent.deadman;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * The dead-man switch's steps, one line each ({@code ID WALL_MS KIND DETAIL}), appended and fsynced
 * before the step is taken: a reboot must be on disk before the kernel goes, both to count against
 * the day's budget after it and to be reported to the server once the host is back. Which lines
 * the server has stored is kept beside it ({@code FILE.reported}: the highest id it acknowledged).
 * The file keeps its last {@value #KEEP} lines (rewritten when it grows past twice that).
 */
public final class DeadManJournal {
    static final int KEEP = 100;

    public record Entry(long id, long wallMillis, DeadManSwitch.Kind kind, String detail) {
        String line() {
            return id + " " + wallMillis + " " + kind.name() + " " + detail + "\n";
        }
    }

    private final Path file, reported;
    private final List<Entry> entries = new ArrayList<>();
    private long nextId = 1;

    private DeadManJournal(Path file) {
        this.file = file;
        this.reported = file.resolveSibling(file.getFileName() + ".reported");
    }

    /** Reads what earlier boots wrote (lines that do not parse, e.g. one torn by a power cut, are skipped). */
    public static DeadManJournal open(Path file) throws IOException {
        DeadManJournal j = new DeadManJournal(file);
        Files.createDirectories(file.toAbsolutePath().getParent());
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            lines = List.of();
        } catch (java.nio.charset.MalformedInputException e) {
            lines = Files.readAllLines(file, StandardCharsets.ISO_8859_1);
        }
        for (String l : lines) {
            String[] f = l.split(" ", 4);
            try {
                Entry e = new Entry(Long.parseLong(f[0]), Long.parseLong(f[1]), DeadManSwitch.Kind.valueOf(f[2]), f.length > 3 ? f[3] : "");
                if (e.id() >= j.nextId) {
                    j.entries.add(e);
                    j.nextId = e.id() + 1;
                }
            } catch (RuntimeException skipped) {
                // a torn or foreign line: the others still count
            }
        }
        if (j.entries.size() > 2 * KEEP) j.compact();
        return j;
    }

    /** Appends one step and fsyncs it; returns once it is on disk. */
    public synchronized Entry append(long wallMillis, DeadManSwitch.Kind kind, String detail) throws IOException {
        Entry e = new Entry(nextId, wallMillis, kind, detail.replaceAll("[\\r\\n]+", " "));
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
            ByteBuffer b = ByteBuffer.wrap(e.line().getBytes(StandardCharsets.UTF_8));
            while (b.hasRemaining()) ch.write(b);
            ch.force(true);
        }
        if (e.id() == 1) fsyncDirectory();
        nextId++;
        entries.add(e);
        return e;
    }

    public synchronized List<Long> reboots() {
        return entries.stream().filter(e -> e.kind() == DeadManSwitch.Kind.REBOOT).map(Entry::wallMillis).toList();
    }

    /** For the agent's start-up log line. */
    public String rebootsInfo(long wall, int max) {
        long n = reboots().stream().filter(r -> r > wall - DeadManSwitch.DAY_MS && r <= wall).count();
        return n + " of at most " + max + " reboots in the last 24 h";
    }

    public synchronized List<Entry> entries() {
        return List.copyOf(entries);
    }

    /** The steps the server has not acknowledged yet, oldest first. */
    public synchronized List<Entry> unreported() throws IOException {
        long done = reportedUpTo();
        return entries.stream().filter(e -> e.id() > done).toList();
    }

    public synchronized long reportedUpTo() throws IOException {
        try {
            return Long.parseLong(Files.readString(reported).strip());
        } catch (NoSuchFileException | NumberFormatException e) {
            return 0;
        }
    }

    public synchronized void markReported(long id) throws IOException {
        if (id <= reportedUpTo()) return;
        replace(reported, id + "\n");
    }

    private void compact() throws IOException {
        List<Entry> keep = new ArrayList<>(entries.subList(entries.size() - KEEP, entries.size()));
        StringBuilder s = new StringBuilder();
        keep.forEach(e -> s.append(e.line()));
        replace(file, s.toString());
        entries.clear();
        entries.addAll(keep);
    }

    private void replace(Path target, String text) throws IOException {
        Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer b = ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
            while (b.hasRemaining()) ch.write(b);
            ch.force(true);
        }
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        fsyncDirectory();
    }

    private void fsyncDirectory() {
        try (FileChannel d = FileChannel.open(file.toAbsolutePath().getParent(), StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException ignored) {
            // some filesystems refuse to open a directory for fsync; the file itself was forced
        }
    }
}
