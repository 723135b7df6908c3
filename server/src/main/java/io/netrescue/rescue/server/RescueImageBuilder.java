package io.netrescue.rescue.server;

import io.netrescue.inventory.InvalidInputException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * Builds the rescue image from Debian packages: runs the build script shipped in this jar
 * ({@code io/netrescue/rescue/image/build.sh}, mmdebstrap as root) and publishes the result into the
 * assets ({@link RescueImages#publish}). The script skips the build when its inputs are unchanged.
 * Every value that reaches the script is checked here first: package names, mirror URLs, suite.
 */
public final class RescueImageBuilder {
    /** The files of the image's build, in the jar; copied out next to each other before a build. */
    static final List<String> SCRIPTS = List.of("build.sh", "init", "netup.sh", "udhcpc.script", "watch.sh", "agent.sh", "inittab");
    private static final Pattern PACKAGE = Pattern.compile("[a-z0-9][a-z0-9+.-]{0,62}");
    private static final Pattern SUITE = Pattern.compile("[a-z][a-z0-9-]{1,30}");

    /**
     * @param include extra Debian packages ({@code --include})
     * @param agent   the agent archive's directory ({@code bin/ lib/ runtime/}); empty: an image without the agent
     * @param force   rebuild even when the inputs are unchanged
     */
    public record Settings(String suite, String mirror, String securityMirror, List<String> include, Optional<Path> agent, boolean force) {
        public static final String SUITE_DEFAULT = "bookworm";
        public static final String MIRROR_DEFAULT = "http://deb.debian.org/debian";
        public static final String SECURITY_DEFAULT = "http://deb.debian.org/debian-security";

        public Settings {
            if (!SUITE.matcher(suite).matches()) throw new InvalidInputException("suite '" + suite + "' is not a Debian suite name (e.g. bookworm)");
            mirror = url(mirror, "mirror");
            securityMirror = url(securityMirror, "security mirror");
            include = List.copyOf(include);
            for (String p : include) {
                if (!PACKAGE.matcher(p).matches()) throw new InvalidInputException("'" + p + "' is not a Debian package name");
            }
        }

        /**
         * An http(s) mirror URL the script can pass on as it is: host name or address ({@code [v6]} too),
         * optional port and path. No user name or password: apt would print them in its logs and they would
         * show in process listings; no query, fragment, spaces or quotes.
         */
        private static String url(String u, String what) {
            if (u.matches("(?s)[A-Za-z][A-Za-z0-9+.-]*://[^/?#]*@.*")) {
                throw new InvalidInputException(what + " must not carry a user name or password (they would show in the build's logs "
                        + "and process listings): use a mirror without a login, or a local proxy: " + u.replaceFirst("://[^/?#]*@", "://***@"));
            }
            for (int i = 0; i < u.length(); i++) {
                char c = u.charAt(i);
                if (!(c < 128 && (Character.isLetterOrDigit(c) || ":/._~%+-[]".indexOf(c) >= 0))) {
                    throw new InvalidInputException(what + " must not contain " + (Character.isWhitespace(c) ? "whitespace" : "'" + c + "'")
                            + " (letters, digits and : / . _ ~ % + - only, [ ] around an IPv6 address): " + u);
                }
            }
            URI uri;
            try {
                uri = new URI(u);
            } catch (URISyntaxException e) {
                throw new InvalidInputException(what + " is not a URL (" + e.getReason() + "): " + u);
            }
            if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()))) {
                throw new InvalidInputException(what + " must be an http:// or https:// URL: " + u);
            }
            if (uri.getHost() == null) throw new InvalidInputException(what + " has no host name or address: " + u);
            return u.endsWith("/") ? u.substring(0, u.length() - 1) : u;
        }
    }

    /** A finished build: the published image, and whether the packages were really rebuilt. */
    public record Result(RescueImages.Image image, boolean rebuilt, Duration took) {}

    private final RescueImages images;
    private final Path work;
    private final Path cache;
    private final Optional<Path> script;

    /**
     * @param work  the build's working directory (root file system, last output); about 1 GB while building
     * @param cache downloaded .deb files, kept between builds
     */
    public RescueImageBuilder(RescueImages images, Path work, Path cache) {
        this(images, work, cache, Optional.empty());
    }

    /** With {@code script} instead of the jar's build.sh (tests: a build-like script without mmdebstrap). */
    RescueImageBuilder(RescueImages images, Path work, Path cache, Optional<Path> script) {
        this.images = images;
        this.work = work;
        this.cache = cache;
        this.script = script;
    }

    /**
     * Builds (or finds up to date) and publishes; {@code progress} gets the script's lines as they come.
     * Holds the lock of the work and cache directories throughout (a second build fails at once, see
     * {@link BuildLock}); unmounts whatever a killed build of an older version left mounted under the work
     * directory before the script cleans it; the script's whole process tree dies with this JVM ({@link BuildProcess}).
     */
    public Result build(Settings s, Consumer<String> progress) throws IOException, InterruptedException {
        long t0 = System.nanoTime();
        try (BuildLock lock = BuildLock.acquire(List.of(work, cache))) {
            Path scripts = Files.createDirectories(work.resolve("scripts"));
            extractScripts(scripts);
            Path out = Files.createDirectories(work.resolve("out"));
            Path workDir = Files.createDirectories(work.resolve("work"));
            unmountUnder(workDir);
            Map<String, String> env = new LinkedHashMap<>();
            env.put("OUT", out.toString());
            env.put("WORK", workDir.toString());
            env.put("CACHE", cache.toString());
            env.put("SUITE", s.suite());
            env.put("MIRROR", s.mirror());
            env.put("SECMIRROR", s.securityMirror());
            env.put("INCLUDE", String.join(" ", s.include()));
            env.put("AGENT", s.agent().map(Path::toString).orElse(""));
            env.put("FORCE", s.force() ? "1" : "0");
            List<String> cmd = script.map(f -> List.of("bash", f.toString())).orElse(List.of("bash", scripts.resolve("build.sh").toString()));
            boolean rebuilt = run(cmd, env, progress);
            RescueImages.Image img = images.publish(out);
            return new Result(img, rebuilt, Duration.ofNanos(System.nanoTime() - t0));
        }
    }

    /** Runs the script; true when it really built. Throws {@link BuildFailed} with its last line when it fails. */
    private static boolean run(List<String> cmd, Map<String, String> env, Consumer<String> progress) throws IOException, InterruptedException {
        boolean rebuilt = false;
        List<String> tail = new ArrayList<>();
        try (BuildProcess p = BuildProcess.start(cmd, env)) {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.output(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    if (line.contains("] building ")) rebuilt = true;
                    tail.add(line);
                    if (tail.size() > 40) tail.removeFirst();
                    progress.accept(line);
                }
            }
            int rc = p.waitFor();
            if (p.stopped()) throw new BuildFailed("the rescue image build was stopped; nothing was published", tail);
            if (rc != 0) {
                String why = tail.reversed().stream().map(String::strip).filter(l -> !l.isEmpty()).findFirst().orElse("no output");
                throw new BuildFailed("the rescue image build failed (exit " + rc + "): " + why, tail);
            }
            return rebuilt;
        }
    }

    /**
     * Unmounts everything mounted below {@code dir} (not {@code dir} itself), deepest first, lazily when a
     * plain unmount fails; throws when something stays mounted, so that nothing under a mount is ever deleted.
     * Returns the mount points it unmounted.
     */
    static List<String> unmountUnder(Path dir) throws IOException, InterruptedException {
        if (!Files.isDirectory(dir)) return List.of();
        String prefix = dir.toRealPath() + "/";
        List<String> done = new ArrayList<>();
        for (int pass = 0; pass < 8; pass++) {
            List<String> mounted = mountPoints().stream().filter(m -> m.startsWith(prefix)).toList();
            if (mounted.isEmpty()) return done;
            // deepest first; of two on the same depth, the later (upper) mount first
            List<String> order = new ArrayList<>(mounted.reversed());
            order.sort(Comparator.comparingLong((String m) -> m.chars().filter(c -> c == '/').count()).reversed());
            for (String m : order) {
                if (umount(List.of("umount", m)) || umount(List.of("umount", "--lazy", m))) done.add(m);
            }
        }
        List<String> left = mountPoints().stream().filter(m -> m.startsWith(prefix)).toList();
        if (!left.isEmpty()) throw new BuildFailed("cannot unmount " + String.join(", ", left) + ": unmount by hand before building again", List.of());
        return done;
    }

    /** This process's mount points, in /proc/self/mountinfo order (octal escapes such as {@code \040} decoded). */
    static List<String> mountPoints() throws IOException {
        List<String> points = new ArrayList<>();
        for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"), StandardCharsets.UTF_8)) {
            String[] f = line.split(" ");
            if (f.length > 4) points.add(unescape(f[4]));
        }
        return points;
    }

    private static String unescape(String s) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 3 < s.length() && s.substring(i + 1, i + 4).matches("[0-7]{3}")) {
                b.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }

    private static boolean umount(List<String> cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        return p.waitFor() == 0;
    }

    /** Copies the build's files out of the jar (they are resources so that one jar is the whole product). */
    static void extractScripts(Path dir) throws IOException {
        for (String name : SCRIPTS) {
            try (InputStream in = RescueImageBuilder.class.getResourceAsStream("/io/netrescue/rescue/image/" + name)) {
                if (in == null) throw new IllegalStateException("the jar lacks the rescue image file " + name);
                Path f = dir.resolve(name);
                Files.write(f, in.readAllBytes());
                Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rwxr-xr-x"));
            }
        }
    }

    /** Where the agent archive is, next to this jar: a source tree's build, or an installed package's. */
    public static Optional<Path> findAgent() {
        List<Path> candidates = new ArrayList<>();
        Optional.ofNullable(System.getenv("NETRESCUE_AGENT_DIR")).filter(x -> !x.isBlank()).map(Path::of).ifPresent(candidates::add);
        try {
            Path jar = Path.of(RescueImageBuilder.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            // server/target/netrescue.jar in a source tree: ../../agent/target/netrescue-agent
            Path tree = jar.getParent() == null ? null : jar.getParent().getParent();
            if (tree != null && tree.getParent() != null) candidates.add(tree.getParent().resolve("agent/target/netrescue-agent"));
        } catch (URISyntaxException | RuntimeException e) {
            // no code source: only the other candidates
        }
        candidates.add(Path.of("/usr/lib/netrescue/agent"));
        return candidates.stream().filter(d -> Files.isExecutable(d.resolve("bin/netrescue-agent")) && Files.isDirectory(d.resolve("runtime")))
                .findFirst();
    }

    /** Why a build cannot run on this machine, if it cannot (checked before anything is written). */
    public static Optional<String> missingRequirement() {
        try {
            Object uid = Files.getAttribute(Path.of("/proc/self"), "unix:uid");
            if (!Integer.valueOf(0).equals(uid)) return Optional.of("building the rescue image needs root (mmdebstrap --mode=root)");
        } catch (IOException | UnsupportedOperationException e) {
            return Optional.of("cannot tell whether this runs as root: " + e.getMessage());
        }
        for (String tool : List.of("mmdebstrap", "cpio", "zstd")) {
            boolean found = java.util.Arrays.stream(System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":"))
                    .anyMatch(d -> Files.isExecutable(Path.of(d, tool)));
            if (!found) return Optional.of(tool + " not found (apt-get install mmdebstrap cpio zstd)");
        }
        return Optional.empty();
    }

    /** The build failed or could not start; the message is one line, {@link #lines} the script's last lines (if it ran). */
    public static final class BuildFailed extends RuntimeException {
        private final List<String> lines;

        BuildFailed(String message, List<String> lines) {
            super(message, null, false, false);
            this.lines = List.copyOf(lines);
        }

        public List<String> lines() {
            return lines;
        }
    }
}
