package io.netrescue.agent.setup;

import io.netrescue.inventory.InvalidInputException;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Puts a plan in place on a root, idempotently, and takes it out again byte for byte. The order of
 * every change: back up the original, record it in the state (synced), then write the new file
 * atomically (temporary file, sync, rename). A crash at any point leaves either the old file or the
 * new one, and a state that knows how to undo it.
 */
final class Applier {
    private final Path root;
    private final boolean dryRun;
    private final PrintStream out;

    /** What happened to each path, in order: "created", "replaced", "unchanged", "updated", "restored", "removed". */
    record Step(String action, String path) {}

    Applier(Path root, boolean dryRun, PrintStream out) {
        this.root = root;
        this.dryRun = dryRun;
        this.out = out;
    }

    List<Step> apply(List<Change> plan) throws IOException {
        SetupState state = SetupState.load(root);
        List<Step> steps = new ArrayList<>();
        Set<String> wanted = new HashSet<>();
        for (Change c : plan) wanted.add(c.path());
        // Things a previous run put in place that this run no longer asks for (an option dropped) go back first.
        List<SetupState.Entry> dropped = state.entries().values().stream().filter(e -> !wanted.contains(e.path())).toList();
        refuseEditedSince(dropped, false);
        for (SetupState.Entry e : dropped) {
            steps.add(restore(state, e));
            if (!dryRun) state.save();
        }
        for (Change c : plan) {
            String now = current(c.path());
            String want = digest(c);
            if (want.equals(now)) {
                steps.add(new Step("unchanged", c.path()));
                continue;
            }
            SetupState.Entry known = state.entries().get(c.path());
            String action;
            if (known == null) {
                action = now == null ? "created" : "replaced";
                if (dryRun) {
                    diff(c, now);
                    steps.add(new Step(action, c.path()));
                    continue;
                }
                ensureDirs(state, "/" + SetupState.DIR); // first: the state records the directories it needed too
                ensureDirs(state, parent(c.path()));
                if (now != null) backup(state, c.path());
                state.put(new SetupState.Entry(c.path(), now == null ? SetupState.Origin.CREATED : SetupState.Origin.REPLACED, want));
            } else {
                action = "updated";
                if (dryRun) {
                    diff(c, now);
                    steps.add(new Step(action, c.path()));
                    continue;
                }
                state.put(new SetupState.Entry(c.path(), known.origin(), want));
            }
            state.save();
            write(c);
            steps.add(new Step(action, c.path()));
        }
        return steps;
    }

    List<Step> undo(boolean force) throws IOException {
        SetupState state = SetupState.load(root);
        if (!state.exists()) throw new InvalidInputException("nothing to undo: no setup state in " + root.resolve(SetupState.DIR));
        List<SetupState.Entry> entries = new ArrayList<>(state.entries().values());
        java.util.Collections.reverse(entries);
        refuseEditedSince(entries, force);
        List<Step> steps = new ArrayList<>();
        if (dryRun) {
            for (SetupState.Entry e : entries) steps.add(new Step(e.origin() == SetupState.Origin.CREATED ? "removed" : "restored", e.path()));
            return steps;
        }
        for (SetupState.Entry e : entries) {
            steps.add(restore(state, e));
            state.save();
        }
        List<String> dirs = new ArrayList<>(state.createdDirs());
        state.delete();
        java.util.Collections.reverse(dirs);
        for (String d : dirs) {
            Path p = resolve(d);
            if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                try (var s = Files.list(p)) {
                    if (s.findAny().isEmpty()) Files.delete(p);
                }
            }
        }
        return steps;
    }

    private void refuseEditedSince(List<SetupState.Entry> entries, boolean force) throws IOException {
        List<String> edited = new ArrayList<>();
        for (SetupState.Entry e : entries) {
            String now = current(e.path());
            if (now != null && !now.equals(e.written())) edited.add(e.path());
        }
        if (!edited.isEmpty() && !force) {
            throw new InvalidInputException("changed by someone else since setup wrote them: " + String.join(", ", edited)
                    + "; undoing would discard those changes (use --force to restore the originals anyway)");
        }
    }

    private Step restore(SetupState state, SetupState.Entry e) throws IOException {
        Path p = resolve(e.path());
        if (e.origin() == SetupState.Origin.CREATED) {
            if (!dryRun) Files.deleteIfExists(p);
            if (!dryRun) state.remove(e.path());
            return new Step("removed", e.path());
        }
        if (!dryRun) {
            Path b = state.backupOf(e.path());
            Files.copy(b, p, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.COPY_ATTRIBUTES, LinkOption.NOFOLLOW_LINKS);
            copyOwner(b, p);
            fsync(p);
            Files.delete(b);
            state.remove(e.path());
        }
        return new Step("restored", e.path());
    }

    private void backup(SetupState state, String path) throws IOException {
        Path b = state.backupOf(path);
        Files.createDirectories(b.getParent());
        Files.copy(resolve(path), b, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.COPY_ATTRIBUTES, LinkOption.NOFOLLOW_LINKS);
        copyOwner(resolve(path), b);
        fsync(b);
    }

    private void write(Change c) throws IOException {
        Path p = resolve(c.path());
        Path tmp = p.resolveSibling("." + p.getFileName() + ".netrescue-tmp");
        Files.deleteIfExists(tmp);
        switch (c) {
            case Change.WriteFile f -> {
                Files.write(tmp, f.content(), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
                Files.setPosixFilePermissions(tmp, permissions(f.mode()));
                fsync(tmp);
            }
            case Change.Link l -> Files.createSymbolicLink(tmp, Path.of(l.target()));
        }
        Files.move(tmp, p, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        SetupState.syncDir(p.getParent());
    }

    private void diff(Change c, String nowDigest) throws IOException {
        Path p = resolve(c.path());
        switch (c) {
            case Change.WriteFile f -> {
                String before = nowDigest == null ? null : Files.isSymbolicLink(p) ? "-> " + Files.readSymbolicLink(p) + "\n" : Files.readString(p, StandardCharsets.UTF_8);
                out.print(UnifiedDiff.diff(c.path(), before, new String(f.content(), StandardCharsets.UTF_8)));
                if (nowDigest == null || !Files.isSymbolicLink(p)) {
                    int mode = nowDigest == null ? -1 : mode(p);
                    if (mode != f.mode()) out.printf("mode %s: %s%n", c.path(), (mode < 0 ? "" : String.format("%04o -> ", mode)) + String.format("%04o", f.mode()));
                }
            }
            case Change.Link l -> out.printf("link %s -> %s%s%n", c.path(), l.target(),
                    nowDigest == null ? "" : " (replaces " + (Files.isSymbolicLink(p) ? "-> " + Files.readSymbolicLink(p) : "a file") + ")");
        }
    }

    /** What is at a path now, in the form {@link #digest(Change)} gives for what we want there; null when nothing. */
    private String current(String path) throws IOException {
        Path p = resolve(path);
        if (Files.isSymbolicLink(p)) return "link:" + Files.readSymbolicLink(p);
        if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) return null;
        if (!Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) return "other";
        return "file:" + String.format("%04o", mode(p)) + ":" + sha256(Files.readAllBytes(p));
    }

    private static String digest(Change c) {
        return switch (c) {
            case Change.WriteFile f -> "file:" + String.format("%04o", f.mode()) + ":" + sha256(f.content());
            case Change.Link l -> "link:" + l.target();
        };
    }

    private void ensureDirs(SetupState state, String dir) throws IOException {
        List<String> missing = new ArrayList<>();
        for (String d = dir; d != null && !d.equals("/"); d = parent(d)) {
            if (Files.isDirectory(resolve(d))) break;
            missing.add(d);
        }
        java.util.Collections.reverse(missing);
        for (String d : missing) {
            Files.createDirectory(resolve(d));
            state.addCreatedDir(d);
        }
        if (!missing.isEmpty()) state.save();
    }

    private Path resolve(String absolute) {
        return root.resolve(absolute.substring(1));
    }

    private static String parent(String path) {
        int i = path.lastIndexOf('/');
        return i <= 0 ? "/" : path.substring(0, i);
    }

    private static int mode(Path p) throws IOException {
        int m = 0;
        for (PosixFilePermission x : Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS)) m |= 1 << (8 - x.ordinal());
        return m;
    }

    private static Set<PosixFilePermission> permissions(int mode) {
        Set<PosixFilePermission> s = java.util.EnumSet.noneOf(PosixFilePermission.class);
        for (PosixFilePermission x : PosixFilePermission.values()) if ((mode & (1 << (8 - x.ordinal()))) != 0) s.add(x);
        return s;
    }

    /** Owner and group as well as mode: when run as root, a restored file is root's or whoever's it was. */
    private static void copyOwner(Path from, Path to) {
        try {
            PosixFileAttributes a = Files.readAttributes(from, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            PosixFileAttributeView v = Files.getFileAttributeView(to, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS);
            v.setOwner(a.owner());
            v.setGroup(a.group());
        } catch (IOException | UnsupportedOperationException e) {
            // not root: the file keeps our owner, which is its owner's anyway when we may write it
        }
    }

    private static void fsync(Path p) throws IOException {
        if (Files.isSymbolicLink(p)) return;
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }

    static String sha256(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
