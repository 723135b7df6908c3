package io.netrescue.cli;

import io.netrescue.rescue.server.RescueImageBuilder;
import io.netrescue.rescue.server.RescueImages;
import io.netrescue.server.ServerConfig;
import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "image", description = {"The rescue system's image: built here from Debian packages, served from the assets.",
        "  rescue image build                  # as root; a few seconds when nothing changed",
        "  rescue image build --include htop --include iperf3",
        "  rescue image show"},
        subcommands = {RescueImageCommand.Build.class, RescueImageCommand.Show.class})
final class RescueImageCommand {
    @Mixin HelpOptions help;

    /** Where the server keeps its data and assets: the same options and defaults as {@code serve}. */
    static final class Location {
        @Option(names = "--config", paramLabel = "FILE", defaultValue = "${env:NETRESCUE_CONFIG}",
                description = "The server's TOML configuration (env NETRESCUE_CONFIG), for its data and assets directories.")
        Path config;
        @Option(names = "--data", paramLabel = "DIR", defaultValue = "${env:NETRESCUE_DATA}", description = "The server's data directory (default ./var).")
        String data;
        @Option(names = "--assets", paramLabel = "DIR", defaultValue = "${env:NETRESCUE_ASSETS}", description = "The server's assets (default DATA/assets).")
        String assets;

        ServerConfig config() throws java.io.IOException {
            return (config == null ? ServerConfig.defaults() : ServerConfig.load(config)).withData(data).withAssets(assets);
        }
    }

    @Command(name = "build", description = {"Build the rescue image from Debian packages (mmdebstrap, as root) and publish it:",
            "kernel, initramfs and the agent's initramfs with SHA256SUMS under ASSETS/rescue/KEY/. The server",
            "registers it as the rescue profile at its next start or the next activation. Skipped when",
            "the resolved package versions and the build's files are unchanged; the same inputs give the same bytes."})
    static final class Build implements Callable<Integer> {
        @Mixin HelpOptions help;
        @Mixin Location where;
        @Spec CommandSpec spec;
        @Option(names = "--include", paramLabel = "PKG", description = "Another Debian package to install; repeatable.") List<String> include = new ArrayList<>();
        @Option(names = "--suite", paramLabel = "SUITE", description = "Debian suite (default ${DEFAULT-VALUE}).",
                defaultValue = RescueImageBuilder.Settings.SUITE_DEFAULT) String suite;
        @Option(names = "--mirror", paramLabel = "URL", description = "Debian mirror (default ${DEFAULT-VALUE}).",
                defaultValue = RescueImageBuilder.Settings.MIRROR_DEFAULT) String mirror;
        @Option(names = "--security-mirror", paramLabel = "URL", description = "Debian security mirror (default ${DEFAULT-VALUE}).",
                defaultValue = RescueImageBuilder.Settings.SECURITY_DEFAULT) String securityMirror;
        @Option(names = "--agent", paramLabel = "DIR", description = "The netrescue agent archive to include (default: the one built next to this netrescue).") Path agent;
        @Option(names = "--no-agent", description = "An image without the agent (no heartbeats or network SysRq from the rescue system).") boolean noAgent;
        @Option(names = "--cache", paramLabel = "DIR", description = "Where downloaded packages are kept between builds (default DATA/rescue-build/debs).") Path cache;
        @Option(names = "--force", description = "Rebuild even when nothing changed.") boolean force;

        @Override
        public Integer call() throws Exception {
            Optional<Path> agentDir = Optional.empty();
            if (!noAgent) {
                agentDir = agent != null ? Optional.of(agent) : RescueImageBuilder.findAgent();
                if (agentDir.isEmpty()) throw new CliException("no netrescue agent archive found (build it with mvn package, give --agent DIR, or --no-agent)");
            }
            var settings = new RescueImageBuilder.Settings(suite, mirror, securityMirror, include, agentDir, force);
            Optional<String> missing = RescueImageBuilder.missingRequirement();
            if (missing.isPresent()) throw new CliException(missing.get());
            ServerConfig c = where.config();
            Path work = c.dataDir().resolve("rescue-build");
            var images = new RescueImages(c.assetsDir());
            var builder = new RescueImageBuilder(images, work, cache != null ? cache : work.resolve("debs"));
            var err = spec.commandLine().getErr();
            RescueImageBuilder.Result r;
            try {
                r = builder.build(settings, line -> {
                    err.println(line);
                    err.flush();
                });
            } catch (RescueImageBuilder.BuildFailed e) {
                throw new CliException(e.getMessage()); // the script's lines are above already
            } catch (IllegalStateException | java.io.UncheckedIOException e) {
                throw new CliException("the built image was not published: " + e.getMessage());
            } catch (FileSystemException e) {
                throw new CliException("rescue image build: " + e.getFile() + ": " + (e.getReason() != null ? e.getReason() : e.getClass().getSimpleName()));
            } catch (IOException e) {
                throw new CliException("rescue image build: " + e.getMessage());
            }
            var out = spec.commandLine().getOut();
            out.printf("rescue image %s %s in %.0f s: %s%n", r.image().key(), r.rebuilt() ? "built" : "up to date", r.took().toMillis() / 1000.0, r.image().dir());
            print(out, r.image());
            out.println("the server registers it as the rescue profile at its next start or the next rescue activation");
            return 0;
        }
    }

    @Command(name = "show", description = "The rescue image in use: its files, sizes and checksums (verified).")
    static final class Show implements Callable<Integer> {
        @Mixin HelpOptions help;
        @Mixin Location where;
        @Spec CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            var images = new RescueImages(where.config().assetsDir());
            Optional<RescueImages.Image> img;
            try {
                img = images.current();
            } catch (IllegalStateException | java.io.UncheckedIOException e) {
                throw new CliException(e.getMessage());
            }
            if (img.isEmpty()) throw new CliException("no rescue image in " + images.root() + " (netrescue rescue image build)");
            var out = spec.commandLine().getOut();
            out.println("rescue image " + img.get().key() + " (checksums verified): " + img.get().dir());
            print(out, img.get());
            return 0;
        }
    }

    static void print(java.io.PrintWriter out, RescueImages.Image img) {
        out.printf("  kernel %s, %d packages, %.1f MB in all%n", img.kernelVersion(), img.packages(), img.bytes() / 1e6);
        for (RescueImages.Artifact a : img.files()) out.printf("  %-16s %6.1f MB  sha256 %s%n", a.name(), a.size() / 1e6, a.sha256());
    }
}
