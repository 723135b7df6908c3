package io.netrescue.qemu;

import io.netrescue.rescue.server.RescueImageBuilder;
import io.netrescue.rescue.server.RescueImages;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The real rescue image (Debian packages, mmdebstrap), built once per test run with the product's own
 * builder and published into each test server's assets. The build works under /var/cache when that is
 * writable, so a later run on the same machine finds it up to date (the builder's key decides, never
 * the cache's mere presence); otherwise under target/.
 */
final class RescueBuild {
    private static Path out;

    private RescueBuild() {}

    /** Why the image cannot be built here, if it cannot. */
    static Optional<String> missingRequirement() {
        return RescueImageBuilder.missingRequirement()
                .or(() -> agent().isEmpty() ? Optional.of("the agent archive is not built (agent/target/netrescue-agent: mvn package)") : Optional.empty());
    }

    static Optional<Path> agent() {
        Path a = Path.of(System.getProperty("user.dir")).getParent().resolve("agent/target/netrescue-agent");
        return Files.isExecutable(a.resolve("bin/netrescue-agent")) ? Optional.of(a) : Optional.empty();
    }

    /** Builds (or finds up to date) the image once per JVM; returns the build's output directory. */
    static synchronized Path build() throws Exception {
        if (out != null) return out;
        Path cacheRoot = Path.of("/var/cache");
        Path work = Files.isWritable(cacheRoot) ? cacheRoot.resolve("netrescue-test/rescue-build")
                : Path.of(System.getProperty("user.dir")).resolve("target/rescue-build");
        Files.createDirectories(work);
        Path published = work.resolve("published"); // the builder publishes somewhere; tests publish again into their own assets
        var builder = new RescueImageBuilder(new RescueImages(published), work, work.resolve("debs"));
        var settings = new RescueImageBuilder.Settings(RescueImageBuilder.Settings.SUITE_DEFAULT, RescueImageBuilder.Settings.MIRROR_DEFAULT,
                RescueImageBuilder.Settings.SECURITY_DEFAULT, List.of(), agent(), false);
        var r = builder.build(settings, line -> System.out.println("[rescue image] " + line));
        System.out.printf("[rescue image] %s %s in %.1f s, %.1f MB%n", r.image().key(), r.rebuilt() ? "built" : "up to date",
                r.took().toMillis() / 1000.0, r.image().bytes() / 1e6);
        out = work.resolve("out");
        return out;
    }

    /** Publishes the built image into a server's assets, as {@code netrescue rescue image build} does. */
    static RescueImages.Image publish(Path assets) throws Exception {
        return new RescueImages(assets).publish(build());
    }
}
