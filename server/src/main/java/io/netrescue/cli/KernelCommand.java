package io.netrescue.cli;

import io.netrescue.api.Json.KernelTrialJson;
import io.netrescue.api.Json.KernelTryJson;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import tools.jackson.core.type.TypeReference;

@Command(name = "kernel", description = "Boot-once test kernels with a deadline and an automatic way back.",
        subcommands = {KernelCommand.Try.class, KernelCommand.Status.class, KernelCommand.Cancel.class})
final class KernelCommand {
    @Mixin HelpOptions help;

    @Command(name = "try", description = {"Try PROFILE on HOST once, with an automatic way back.",
            "HOST netboots PROFILE once (next boot, or now with --reboot). Unless that system reports",
            "healthy (POST /boot/report?token={token}&status=ok) before the deadline, HOST goes back to",
            "its previous boot mode and is power cycled. The watchdog's ladder is silenced until then.",
            "Needs a power driver (host power).",
            "With --kexec, HOST's agent (allowed-kexec = true) fetches the profile's kernel and initrds, checks their SHA-256",
            "and kexecs into them; the boot mode is not changed, so the fallback power cycle boots HOST's usual system.",
            "  kernel try web1 --profile k612 --deadline 10m --reboot",
            "  kernel try web1 --profile k612 --kexec"})
    static final class Try extends ApiCommand {
        @Parameters(paramLabel = "HOST") String host;
        @Option(names = "--profile", required = true, paramLabel = "NAME") String profile;
        @Option(names = "--deadline", paramLabel = "DURATION", defaultValue = "10m", description = "Default ${DEFAULT-VALUE}.") String deadline;
        @Option(names = "--reboot", description = "Power cycle the host into the trial now (otherwise its next reboot starts it).") boolean reboot;
        @Option(names = "--kexec", description = "Have the host's agent kexec into the profile now (no network boot, no power cycle).") boolean kexec;

        @Override
        public Integer call() {
            KernelTrialJson t = opts.client().send("POST", "hosts/" + Out.path(host) + "/kernel-try", new KernelTryJson(profile, deadline, reboot, kexec),
                    KernelTrialJson.class);
            return Out.emit(spec, opts.json, t, out -> out.println(host + ": trial of " + t.profile() + " armed; healthy report due by "
                    + t.deadline() + (kexec ? " (its agent is told to kexec; its answer is an event kernel.try-kexec-*)"
                    : reboot ? " (power cycling it now)" : " (starts at its next network boot)")));
        }
    }

    @Command(name = "status", description = "A host's kernel trials, newest first.")
    static final class Status extends ApiCommand {
        @Parameters(paramLabel = "HOST") String host;

        @Override
        public Integer call() {
            List<KernelTrialJson> ts = opts.client().get("hosts/" + Out.path(host) + "/kernel-try", new TypeReference<List<KernelTrialJson>>() {});
            return Out.emit(spec, opts.json, ts, out -> {
                Table t = new Table("ID", "PROFILE", "VIA", "STATE", "STARTED", "DEADLINE", "DETAIL");
                for (KernelTrialJson x : ts) t.row(x.id(), x.profile(), x.kexec() ? "kexec" : "netboot", x.state(), x.startedAt(), x.deadline(), x.detail());
                t.print(out);
            });
        }
    }

    @Command(name = "cancel", description = "Cancel the trial under way (the previous boot mode comes back if the once was not served).")
    static final class Cancel extends ApiCommand {
        @Parameters(paramLabel = "HOST") String host;

        @Override
        public Integer call() {
            KernelTrialJson t = opts.client().send("DELETE", "hosts/" + Out.path(host) + "/kernel-try", null, KernelTrialJson.class);
            return Out.emit(spec, opts.json, t, out -> out.println(host + ": trial of " + t.profile() + " cancelled"));
        }
    }
}
