package io.netrescue.agent.setup;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What setup changed, so that {@code --undo} can put back exactly what was there: for each path we
 * manage, whether we created it or replaced a file (kept byte for byte, with its mode, owner and
 * times, under {@code backup/}), and a hash of what we wrote (a file edited since is not overwritten
 * by an undo without {@code --force}). Kept in {@code /var/lib/netrescue/setup/} of the root;
 * written and synced before the change it describes.
 */
final class SetupState {
    static final String DIR = "var/lib/netrescue/setup";

    enum Origin { CREATED, REPLACED }

    record Entry(String path, Origin origin, String written) {}

    private final Path root;
    private final Path dir;
    private final Map<String, Entry> entries = new LinkedHashMap<>();
    private final List<String> createdDirs = new ArrayList<>();

    private SetupState(Path root) {
        this.root = root;
        this.dir = root.resolve(DIR);
    }

    static SetupState load(Path root) throws IOException {
        SetupState s = new SetupState(root);
        Path m = s.dir.resolve("manifest");
        if (!Files.exists(m)) return s;
        for (String line : Files.readAllLines(m, StandardCharsets.UTF_8)) {
            if (line.isBlank() || line.startsWith("#")) continue;
            String[] f = line.split("\t");
            switch (f[0]) {
                case "dir" -> s.createdDirs.add(f[1]);
                case "entry" -> s.entries.put(f[1], new Entry(f[1], Origin.valueOf(f[2]), f[3]));
                default -> throw new IOException("unreadable setup state " + m + ": '" + line + "'");
            }
        }
        return s;
    }

    boolean exists() {
        return Files.exists(dir.resolve("manifest"));
    }

    Map<String, Entry> entries() {
        return entries;
    }

    List<String> createdDirs() {
        return createdDirs;
    }

    void put(Entry e) {
        entries.put(e.path(), e);
    }

    void remove(String path) {
        entries.remove(path);
    }

    void addCreatedDir(String d) {
        if (!createdDirs.contains(d)) createdDirs.add(d);
    }

    Path backupOf(String path) {
        return dir.resolve("backup").resolve(path.substring(1));
    }

    /** Atomically replaces the manifest and syncs it, so a crash leaves the old or the new one. */
    void save() throws IOException {
        Files.createDirectories(dir);
        StringBuilder b = new StringBuilder("# netrescue agent setup state: do not edit; `netrescue agent setup --undo` uses it\n");
        for (String d : createdDirs) b.append("dir\t").append(d).append('\n');
        for (Entry e : entries.values()) b.append("entry\t").append(e.path()).append('\t').append(e.origin()).append('\t').append(e.written()).append('\n');
        Path tmp = dir.resolve("manifest.tmp");
        Files.writeString(tmp, b.toString(), StandardCharsets.UTF_8);
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
            ch.force(true);
        }
        Files.move(tmp, dir.resolve("manifest"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        syncDir(dir);
    }

    /** After an undo: nothing of ours is left. */
    void delete() throws IOException {
        if (!Files.exists(dir)) return;
        try (var walk = Files.walk(dir)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) Files.delete(p);
        }
    }

    static void syncDir(Path d) {
        try (FileChannel ch = FileChannel.open(d, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException ignored) {
            // some file systems cannot sync a directory; the rename is still atomic
        }
    }
}
