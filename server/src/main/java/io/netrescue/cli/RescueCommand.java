package io.netrescue.cli;

import io.netrescue.api.Json.KnownHostsJson;
import io.netrescue.api.Json.RescueJson;
import io.netrescue.api.Json.RescueRequestJson;
import io.netrescue.rescue.RescueActivation;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import tools.jackson.core.type.TypeReference;

@Command(name = "rescue", description = {"Send a host to the rescue system with one-time credentials and verified SSH host keys.",
        "  rescue activate web1 --ssh-key ~/.ssh/id_ed25519.pub --for 2h",
        "  rescue known-hosts web1 >> ~/.ssh/known_hosts",
        "  rescue end web1",
        "  rescue image build                  # once, as root: the rescue system from Debian packages"},
        subcommands = {RescueCommand.Activate.class, RescueCommand.Status.class, RescueCommand.KnownHosts.class, RescueCommand.End.class,
                RescueImageCommand.class})
final class RescueCommand {
    @Mixin HelpOptions help;

    @Command(name = "activate", description = {"Activate rescue for HOST: its next boot is the rescue system, until the activation ends.",
            "The activation carries HOST's registered SSH keys (host ssh-key add) and those given with --ssh-key;",
            "it needs at least one of them or --password (printed once, here only).",
            "--reboot power|sysrq reboots HOST into it once it is stored; a failed reboot leaves it standing.",
            "A newer activation ends the live one and its credentials."})
    static final class Activate extends ApiCommand {
        @Parameters(paramLabel = "HOST") String host;
        @Option(names = "--ssh-key", paramLabel = "FILE", description = "An OpenSSH public key file (one key per line); repeatable.") List<Path> keyFiles = new ArrayList<>();
        @Option(names = "--password", description = "Issue a one-time root password, printed once.") boolean password;
        @Option(names = "--for", paramLabel = "DURATION", description = "How long the activation lasts ("
                + RescueActivation.MIN_TEXT + " to " + RescueActivation.MAX_TEXT + "; the server's default is " + RescueActivation.DEFAULT_TEXT + ").") String lasting;
        @Option(names = "--reboot", paramLabel = "power|sysrq|none", defaultValue = "none",
                description = "Reboot HOST into rescue once activated: power cycle through its power drivers, or SysRq sub (default: ${DEFAULT-VALUE}).") String reboot;

        @Override
        public Integer call() {
            List<String> keys = new ArrayList<>();
            for (Path f : keyFiles) keys.addAll(SshKeyFiles.read(f));
            RescueJson r = opts.client().send("POST", "hosts/" + Out.path(host) + "/rescue", new RescueRequestJson(keys, password, lasting, reboot), RescueJson.class);
            boolean rebootFailed = r.reboot() != null && !"ok".equals(r.reboot().result());
            Out.emit(spec, opts.json, r, out -> {
                out.println(host + ": rescue activation " + r.id() + " until " + r.expiresAt() + "; the next boot is the rescue system");
                r.sshKeys().forEach(k -> out.println("  ssh key " + k));
                if (r.password() != null) out.println("  root password (shown once, never again): " + r.password() + "  (the dashes are part of it)");
                if (r.reboot() != null) {
                    out.println("  reboot by " + r.reboot().how() + ": " + r.reboot().result() + " (" + r.reboot().detail() + ")");
                    if (rebootFailed) {
                        out.println("  the activation stands: power cycle " + host + " by hand (or netrescue power " + host + " cycle) and it boots the rescue system");
                    }
                }
                out.println("then: netrescue rescue status " + host + "; once ready: netrescue rescue known-hosts " + host + " >> ~/.ssh/known_hosts");
            });
            return rebootFailed ? 1 : 0; // like netrescue power: scripts see that the host was not rebooted
        }
    }

    @Command(name = "status", description = "A host's rescue activation: activated, booted, ready (with host key fingerprints) or ended.")
    static final class Status extends ApiCommand {
        @Parameters(paramLabel = "HOST") String host;

        @Override
        public Integer call() {
            RescueJson r = opts.client().get("hosts/" + Out.path(host) + "/rescue", new TypeReference<RescueJson>() {});
            return Out.emit(spec, opts.json, r, out -> print(out, r));
        }
    }

    @Command(name = "known-hosts", description = "known_hosts lines for the host keys HOST's rescue system reported (for ssh StrictHostKeyChecking=yes).")
    static final class KnownHosts extends ApiCommand {
        @Parameters(paramLabel = "HOST") String host;

        @Override
        public Integer call() {
            KnownHostsJson k = opts.client().get("hosts/" + Out.path(host) + "/rescue/known-hosts", new TypeReference<KnownHostsJson>() {});
            return Out.emit(spec, opts.json, k, out -> out.print(k.knownHosts()));
        }
    }

    @Command(name = "end", description = "End HOST's rescue activation: its credentials die and its previous boot mode is back.")
    static final class End extends ApiCommand {
        @Parameters(paramLabel = "HOST") String host;
        @Option(names = "--reboot", paramLabel = "power|sysrq|none", defaultValue = "none",
                description = "Reboot HOST out of rescue once ended: power cycle through its power drivers, or SysRq sub (default: ${DEFAULT-VALUE}).") String reboot;

        @Override
        public Integer call() {
            RescueJson r = opts.client().send("POST", "hosts/" + Out.path(host) + "/rescue/end", new io.netrescue.api.Json.RescueEndJson(reboot), RescueJson.class);
            boolean rebootFailed = r.reboot() != null && !"ok".equals(r.reboot().result());
            int rc = Out.emit(spec, opts.json, r, out -> {
                out.println(host + ": rescue activation " + r.id() + " ended; the previous boot mode is back");
                if (r.reboot() != null) out.println("  reboot by " + r.reboot().how() + ": " + r.reboot().result() + " (" + r.reboot().detail() + ")"
                        + (rebootFailed ? "; reboot " + host + " by hand (netrescue power " + host + " cycle)" : ""));
            });
            return rebootFailed ? 1 : rc;
        }
    }

    private static void print(PrintWriter out, RescueJson r) {
        out.println("activation " + r.id() + " of " + r.host() + ": " + r.state());
        out.println("  activated " + r.activatedAt() + ", until " + r.expiresAt());
        r.sshKeys().forEach(k -> out.println("  ssh key " + k));
        out.println("  root password: " + (r.passwordIssued() ? "issued" : "none"));
        if (r.readyAt() != null) out.println("  ready " + r.readyAt());
        r.hostKeys().forEach(k -> out.println("  host key " + k));
        if (r.endedAt() != null) out.println("  ended " + r.endedAt() + (r.endReason() == null ? "" : ": " + r.endReason()));
    }
}
