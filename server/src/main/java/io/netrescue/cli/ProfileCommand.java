package io.netrescue.cli;

import io.netrescue.api.Json.ProfileJson;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import tools.jackson.core.type.TypeReference;

@Command(name = "profile", description = "Manage boot profiles (kernel, initrds, command line).",
        subcommands = {ProfileCommand.Add.class, ProfileCommand.ListProfiles.class, ProfileCommand.Show.class, ProfileCommand.Remove.class})
final class ProfileCommand {
    @Mixin HelpOptions help;

    @Command(name = "add", description = {"Add (or with --replace, change) a profile.",
            "Kernel and initrds are paths in the assets directory or http(s) URLs.",
            "The command line may use {host} {mac} {ip} {uuid} {server} {token} {profile}."})
    static final class Add extends ApiCommand {
        @Parameters(paramLabel = "NAME") String name;
        @Option(names = "--kernel", required = true, paramLabel = "PATH|URL") String kernel;
        @Option(names = "--initrd", paramLabel = "PATH|URL", description = "Initrd (repeatable, loaded in order).") List<String> initrds = new ArrayList<>();
        @Option(names = "--cmdline", paramLabel = "ARGS", defaultValue = "") String cmdline;
        @Option(names = "--replace", description = "Replace an existing profile of that name.") boolean replace;

        @Override
        public Integer call() {
            ProfileJson p = opts.client().send("POST", "profiles", new ProfileJson(name, kernel, initrds, cmdline, replace), ProfileJson.class);
            return Out.emit(spec, opts.json, p, out -> out.println((replace ? "saved" : "added") + " profile " + p.name()));
        }
    }

    @Command(name = "list", description = "List profiles.")
    static final class ListProfiles extends ApiCollection.ListAll<ProfileJson> {
        ListProfiles() {
            super("profiles", new TypeReference<List<ProfileJson>>() {}, "NAME", "KERNEL", "INITRDS", "CMDLINE");
        }

        @Override
        Object[] row(ProfileJson p) {
            return new Object[] {p.name(), p.kernel(), String.join(",", p.initrds()), p.cmdline()};
        }
    }

    @Command(name = "show", description = "Show one profile.")
    static final class Show extends ApiCollection.Show<ProfileJson> {
        Show() {
            super("profiles", ProfileJson.class);
        }

        @Override
        void print(PrintWriter out, ProfileJson p) {
            out.println("name:     " + p.name());
            out.println("kernel:   " + p.kernel());
            out.println("initrds:  " + (p.initrds().isEmpty() ? "-" : String.join(", ", p.initrds())));
            out.println("cmdline:  " + p.cmdline());
        }
    }

    @Command(name = "rm", description = "Remove a profile (refused while a host's mode names it).")
    static final class Remove extends ApiCollection.Remove {
        Remove() {
            super("profiles", "profile");
        }
    }
}
