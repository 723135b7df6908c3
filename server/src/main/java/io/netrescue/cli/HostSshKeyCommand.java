package io.netrescue.cli;

import io.netrescue.api.Json.SshKeyJson;
import io.netrescue.api.Json.SshKeysAddedJson;
import io.netrescue.api.Json.SshKeysRequestJson;
import io.netrescue.rescue.RescueKeys;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import tools.jackson.core.type.TypeReference;

@Command(name = "ssh-key", description = {"A host's registered SSH public keys: every rescue activation of the host carries them",
        "(also the watchdog ladder's, which has no other way in).",
        "  host ssh-key add web1 ~/.ssh/id_ed25519.pub",
        "  host ssh-key list web1",
        "  host ssh-key remove web1 SHA256:mD3LyF++aQih8yJFVUuAT/3CR8RQtlXYQNJxDzdk7B4"},
        subcommands = {HostSshKeyCommand.Add.class, HostSshKeyCommand.ListKeys.class, HostSshKeyCommand.Remove.class})
final class HostSshKeyCommand {
    @Mixin HelpOptions help;

    private static String path(String host) {
        return "hosts/" + Out.path(host) + "/ssh-keys";
    }

    private static String describe(SshKeyJson k) {
        return k.type() + " " + k.fingerprint() + (k.comment() == null ? "" : " " + k.comment());
    }

    @Command(name = "add", description = {"Register the public keys in FILE (one per line, OpenSSH format, no options such as command=) for HOST.",
            "All or none; a key already registered stays as it is."})
    static final class Add extends ApiCommand {
        @Parameters(index = "0", paramLabel = "HOST") String host;
        @Parameters(index = "1", paramLabel = "FILE", description = "An OpenSSH public key file, e.g. ~/.ssh/id_ed25519.pub.") Path file;

        @Override
        public Integer call() {
            List<String> keys = SshKeyFiles.read(file);
            SshKeysAddedJson r = opts.client().send("POST", path(host), new SshKeysRequestJson(keys), SshKeysAddedJson.class);
            return Out.emit(spec, opts.json, r, out -> {
                r.added().forEach(k -> out.println(host + ": registered " + describe(k)));
                r.unchanged().forEach(k -> out.println(host + ": already registered " + describe(k)));
            });
        }
    }

    @Command(name = "list", description = "HOST's registered SSH keys.")
    static final class ListKeys extends ApiCommand {
        @Parameters(paramLabel = "HOST") String host;

        @Override
        public Integer call() {
            List<SshKeyJson> all = opts.client().get(path(host), new TypeReference<List<SshKeyJson>>() {});
            return Out.emit(spec, opts.json, all, out -> {
                Table t = new Table("FINGERPRINT", "TYPE", "COMMENT", "ADDED", "BY");
                for (SshKeyJson k : all) t.row(k.fingerprint(), k.type(), k.comment() == null ? "-" : k.comment(), k.addedAt(), k.addedBy());
                t.print(out);
            });
        }
    }

    @Command(name = "remove", description = "Unregister HOST's key with FINGERPRINT (SHA256:..., as ssh-keygen -l and host ssh-key list show it).")
    static final class Remove extends ApiCommand {
        @Parameters(index = "0", paramLabel = "HOST") String host;
        @Parameters(index = "1", paramLabel = "FINGERPRINT") String fingerprint;

        @Override
        public Integer call() {
            // base64url: a '/' in the fingerprint would split the URL path
            opts.client().send("DELETE", path(host) + "/" + RescueKeys.urlSafe(fingerprint), null, Void.class);
            spec.commandLine().getOut().println(host + ": removed SSH key " + RescueKeys.fingerprint(fingerprint));
            return 0;
        }
    }
}
