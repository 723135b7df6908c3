package io.netrescue.rescue.server;

import io.netrescue.boot.Profile;
import io.netrescue.inventory.server.ProfileService;
import io.netrescue.store.NotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.channels.FileChannel;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The rescue images under {@code ASSETS/rescue/}: one directory per build key (immutable once
 * published, so a machine mid-download never mixes two builds), and {@code CURRENT} naming the one in
 * use. Each directory holds the kernel, the initramfs, the agent's initramfs and {@code SHA256SUMS}:
 * an image is used only when its files match their checksums. The {@code rescue} profile points at
 * the current image; a profile of that name that an operator wrote by hand is left alone.
 */
public final class RescueImages {
    private static final Logger log = LoggerFactory.getLogger(RescueImages.class);
    /** The rescue system's command line: nothing per machine in the image, everything here or over the token's channel. */
    public static final String CMDLINE = "console=tty0 console=ttyS0,115200n8 panic=30 loglevel=4 rescue.mac={mac} rescue.url={server} rescue.token={token}";
    static final String CURRENT = "CURRENT";
    private static final Pattern KEY = Pattern.compile("[0-9a-f]{16}");
    private static final Pattern MANAGED_KERNEL = Pattern.compile("rescue/[0-9a-f]{16}/vmlinuz");
    private static final int KEEP = 2; // the current image and the one before (machines may still be loading it)

    /** One file of an image, as its checksum list names it. */
    public record Artifact(String name, long size, String sha256) {}

    /** A published image: {@code key} is its directory's name. */
    public record Image(String key, Path dir, List<Artifact> files, String kernelVersion, int packages) {
        public String kernelPath() {
            return "rescue/" + key + "/vmlinuz";
        }

        public List<String> initrdPaths() {
            return files.stream().map(Artifact::name).filter(n -> n.endsWith(".cpio.zst")).sorted(Comparator.comparing(n -> n.startsWith("agent") ? 1 : 0))
                    .map(n -> "rescue/" + key + "/" + n).toList();
        }

        public long bytes() {
            return files.stream().mapToLong(Artifact::size).sum();
        }
    }

    private final Path root;
    private final Set<String> verified = ConcurrentHashMap.newKeySet();

    /** @param assets the server's assets directory (images live in its {@code rescue/}) */
    public RescueImages(Path assets) {
        this.root = assets.resolve("rescue");
    }

    /** The image in use, checked against its checksums (once per process); empty when none was built. */
    public Optional<Image> current() {
        Path cur = root.resolve(CURRENT);
        if (!Files.isRegularFile(cur)) return Optional.empty();
        try {
            String key = Files.readString(cur).strip();
            if (!KEY.matcher(key).matches()) throw new IllegalStateException(cur + " does not name an image: '" + key + "'");
            Path dir = root.resolve(key);
            Image img = read(key, dir);
            if (verified.add(key)) {
                try {
                    verify(img);
                } catch (RuntimeException e) {
                    verified.remove(key);
                    throw e;
                }
            }
            return Optional.of(img);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the rescue image: " + e.getMessage(), e);
        }
    }

    /**
     * Publishes a finished build ({@code out}: vmlinuz, *.cpio.zst, SHA256SUMS, KEY, ...): verified,
     * copied to its own directory, then named current in one atomic rename; older images beyond the
     * last {@value #KEEP} are removed.
     */
    public Image publish(Path out) throws IOException {
        String key = Files.readString(out.resolve("KEY")).strip().substring(0, 16);
        Files.createDirectories(root);
        Path dir = root.resolve(key);
        if (!Files.isDirectory(dir)) {
            Path tmp = root.resolve("." + key + ".tmp");
            deleteTree(tmp);
            Files.createDirectories(tmp);
            for (String f : List.of("vmlinuz", "rescue.cpio.zst", "agent.cpio.zst", "SHA256SUMS", "packages.txt", "KERNEL")) {
                Path src = out.resolve(f);
                if (!Files.exists(src)) continue;
                // the big files by hard link (no second 100 MB copy): build.sh only ever renames new
                // files over them, so a published inode is never written again; small files are copied
                boolean linked = false;
                if (f.equals("vmlinuz") || f.endsWith(".zst")) {
                    try {
                        Files.createLink(tmp.resolve(f), src);
                        linked = true;
                    } catch (IOException | UnsupportedOperationException e) {
                        // another filesystem: copy
                    }
                }
                if (!linked) Files.copy(src, tmp.resolve(f));
                fsync(tmp.resolve(f));
            }
            Image img = read(key, tmp);
            verify(img);
            try {
                Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE);
            } catch (FileAlreadyExistsException e) {
                deleteTree(tmp); // another publish of the same key won
            }
            fsync(root);
        }
        Image img = read(key, dir);
        verify(img);
        verified.add(key);
        Path tmp = root.resolve("." + CURRENT + ".tmp");
        Files.writeString(tmp, key + "\n");
        fsync(tmp);
        try {
            Files.move(tmp, root.resolve(CURRENT), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, root.resolve(CURRENT), StandardCopyOption.REPLACE_EXISTING);
        }
        fsync(root);
        prune(key);
        return img;
    }

    /**
     * Makes the {@code rescue} profile boot the current image: created when absent, updated when it is
     * one netrescue wrote (its kernel is {@code rescue/KEY/vmlinuz}), never when an operator wrote
     * their own. Returns the profile in effect, if any.
     */
    public Optional<Profile> register(ProfileService profiles, String name, String actor) {
        Optional<Image> img = current();
        Optional<Profile> existing;
        try {
            existing = Optional.of(profiles.require(name));
        } catch (NotFoundException e) {
            existing = Optional.empty();
        }
        if (img.isEmpty()) return existing;
        Profile want = new Profile(name, img.get().kernelPath(), img.get().initrdPaths(), CMDLINE);
        if (existing.isPresent()) {
            if (existing.get().equals(want)) return existing;
            if (!MANAGED_KERNEL.matcher(existing.get().kernel()).matches()) {
                log.atInfo().addKeyValue("profile", name).addKeyValue("image", img.get().key())
                        .log("profile written by an operator: the built rescue image is not registered over it");
                return existing;
            }
        }
        log.atInfo().addKeyValue("profile", name).addKeyValue("image", img.get().key()).log("rescue image registered");
        return Optional.of(profiles.save(want, true, actor));
    }

    private static Image read(String key, Path dir) throws IOException {
        Path sums = dir.resolve("SHA256SUMS");
        if (!Files.isRegularFile(sums)) throw new IllegalStateException("rescue image " + key + " has no SHA256SUMS in " + dir);
        List<Artifact> files = new ArrayList<>();
        for (String line : Files.readAllLines(sums)) {
            if (line.isBlank()) continue;
            String[] f = line.strip().split("\\s+\\*?", 2);
            if (f.length != 2 || !f[0].matches("[0-9a-f]{64}") || !f[1].matches("[a-z0-9.]+")) {
                throw new IllegalStateException("rescue image " + key + ": bad line in SHA256SUMS: " + line);
            }
            Path p = dir.resolve(f[1]);
            files.add(new Artifact(f[1], Files.exists(p) ? Files.size(p) : -1, f[0]));
        }
        if (files.stream().noneMatch(a -> a.name().equals("vmlinuz")) || files.stream().noneMatch(a -> a.name().equals("rescue.cpio.zst"))) {
            throw new IllegalStateException("rescue image " + key + " lacks vmlinuz or rescue.cpio.zst");
        }
        Path kv = dir.resolve("KERNEL");
        Path pk = dir.resolve("packages.txt");
        return new Image(key, dir, List.copyOf(files), Files.exists(kv) ? Files.readString(kv).strip() : "?",
                Files.exists(pk) ? (int) Files.readAllLines(pk).stream().filter(l -> !l.isBlank()).count() : 0);
    }

    /** Every file matches its checksum, or the image is refused (a truncated copy must never boot). */
    static void verify(Image img) {
        for (Artifact a : img.files()) {
            Path p = img.dir().resolve(a.name());
            String actual = sha256(p);
            if (!actual.equals(a.sha256())) {
                throw new IllegalStateException("rescue image " + img.key() + ": " + a.name() + " does not match SHA256SUMS (" + actual + ")");
            }
        }
    }

    static String sha256(Path p) {
        try (InputStream in = Files.newInputStream(p)) {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0; ) md.update(buf, 0, n);
            return HexFormat.of().formatHex(md.digest());
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + p + ": " + e.getMessage(), e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private void prune(String keep) throws IOException {
        List<Path> dirs;
        try (Stream<Path> s = Files.list(root)) {
            dirs = s.filter(p -> KEY.matcher(p.getFileName().toString()).matches() && Files.isDirectory(p))
                    .sorted(Comparator.comparing((Path p) -> p.toFile().lastModified()).reversed()).toList();
        }
        int kept = 0;
        for (Path d : dirs) {
            if (d.getFileName().toString().equals(keep) || ++kept < KEEP) continue;
            deleteTree(d);
        }
    }

    private static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) return;
        try (Stream<Path> s = Files.walk(p)) {
            for (Path x : s.sorted(Comparator.reverseOrder()).toList()) Files.delete(x);
        }
    }

    private static void fsync(Path p) throws IOException {
        try (FileChannel c = Files.isDirectory(p) ? FileChannel.open(p, StandardOpenOption.READ) : FileChannel.open(p, StandardOpenOption.WRITE)) {
            c.force(true);
        }
    }

    /** The directory the images live in (for messages). */
    public Path root() {
        return root;
    }
}
