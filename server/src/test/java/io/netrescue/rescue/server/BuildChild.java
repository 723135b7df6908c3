package io.netrescue.rescue.server;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * A rescue image build in a JVM of its own, to be SIGKILLed by {@link RescueImageBuilderTest}: args WORK CACHE
 * SCRIPT, the script standing in for build.sh. Prints the script's lines.
 */
public final class BuildChild {
    private BuildChild() {}

    public static void main(String[] args) throws Exception {
        Path work = Path.of(args[0]);
        var builder = new RescueImageBuilder(new RescueImages(work.resolve("assets")), work, Path.of(args[1]), Optional.of(Path.of(args[2])));
        var settings = new RescueImageBuilder.Settings("bookworm", RescueImageBuilder.Settings.MIRROR_DEFAULT,
                RescueImageBuilder.Settings.SECURITY_DEFAULT, List.of(), Optional.empty(), false);
        try {
            builder.build(settings, line -> {
                System.out.println(line);
                System.out.flush();
            });
        } catch (RescueImageBuilder.BuildFailed e) {
            System.out.println("failed: " + e.getMessage());
            System.exit(1);
        }
    }
}
