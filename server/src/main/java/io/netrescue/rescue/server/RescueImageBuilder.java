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
import java.util.List;
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

        private static String url(String u, String what) {
            try {
                URI uri = new URI(u);
                if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) || uri.getHost() == null
                        || !u.matches("[A-Za-z0-9:/._~%+-]+")) {
                    throw new InvalidInputException(what + " must be an http(s) URL without spaces or quotes: " + u);
                }
            } catch (URISyntaxException e) {
                throw new InvalidInputException(what + " is not a URL: " + u);
            }
            return u.endsWith("/") ? u.substring(0, u.length() - 1) : u;
        }
    }

    /** A finished build: the published image, and whether the packages were really rebuilt. */
    public record Result(RescueImages.Image image, boolean rebuilt, Duration took) {}

    private final RescueImages images;
    private final Path work;
    private final Path cache;

    /**
     * @param work  the build's working directory (root file system, last output); about 1 GB while building
     * @param cache downloaded .deb files, kept between builds
     */
    public RescueImageBuilder(RescueImages images, Path work, Path cache) {
        this.images = images;
        this.work = work;
        this.cache = cache;
    }

    /** Builds (or finds up to date) and publishes; {@code progress} gets the script's lines as they come. */
    public Result build(Settings s, Consumer<String> progress) throws IOException, InterruptedException {
        long t0 = System.nanoTime();
        Path scripts = Files.createDirectories(work.resolve("scripts"));
        extractScripts(scripts);
        Path out = Files.createDirectories(work.resolve("out"));
        Files.createDirectories(cache);
        List<String> cmd = List.of("bash", scripts.resolve("build.sh").toString());
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        var env = pb.environment();
        env.put("OUT", out.toString());
        env.put("WORK", Files.createDirectories(work.resolve("work")).toString());
        env.put("CACHE", cache.toString());
        env.put("SUITE", s.suite());
        env.put("MIRROR", s.mirror());
        env.put("SECMIRROR", s.securityMirror());
        env.put("INCLUDE", String.join(" ", s.include()));
        env.put("AGENT", s.agent().map(Path::toString).orElse(""));
        env.put("FORCE", s.force() ? "1" : "0");
        Process p = pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        boolean rebuilt = false;
        List<String> tail = new ArrayList<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null; ) {
                if (line.contains("] building ")) rebuilt = true;
                tail.add(line);
                if (tail.size() > 40) tail.removeFirst();
                progress.accept(line);
            }
        } finally {
            if (p.isAlive()) p.destroy();
        }
        int rc = p.waitFor();
        if (rc != 0) throw new BuildFailed("the rescue image build failed (exit " + rc + "); last lines:\n" + String.join("\n", tail));
        RescueImages.Image img = images.publish(out);
        return new Result(img, rebuilt, Duration.ofNanos(System.nanoTime() - t0));
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

    /** The build script failed: its last lines say why. */
    public static final class BuildFailed extends RuntimeException {
        BuildFailed(String message) {
            super(message);
        }
    }
}
