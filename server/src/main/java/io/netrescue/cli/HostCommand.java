package io.netrescue.cli;

import io.netrescue.api.Json.DiscoveredJson;
import io.netrescue.api.Json.HostJson;
import io.netrescue.api.Json.NewHostJson;
import io.netrescue.inventory.Label;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Predicate;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import tools.jackson.core.type.TypeReference;

@Command(name = "host", description = "Manage the inventory of machines.",
        subcommands = {HostCommand.Add.class, HostCommand.ListHosts.class, HostCommand.Show.class, HostCommand.Remove.class,
                HostCommand.Discovered.class, HostSysrqCommand.class, HostPowerCommand.class, HostSshKeyCommand.class, AgentConfigCommand.class})
final class HostCommand {
    @Mixin HelpOptions help;

    @Command(name = "add", description = "Add a host.")
    static final class Add extends ApiCommand {
        @Parameters(paramLabel = "NAME") String name;
        @Option(names = "--mac", required = true, paramLabel = "MAC", description = "A MAC address (repeat for several NICs).") List<String> macs;
        @Option(names = "--uuid", paramLabel = "UUID", description = "SMBIOS system UUID.") String uuid;
        @Option(names = "--ip", paramLabel = "IP", description = "Expected IP address (repeatable); boot requests must come from one.") List<String> ips = new ArrayList<>();
        @Option(names = "--label", paramLabel = "K=V", description = "Label (repeatable).") List<String> labels = new ArrayList<>();

        @Override
        public Integer call() {
            Map<String, String> l = new TreeMap<>();
            for (String s : labels) {
                Label x = Label.parse(s);
                l.put(x.key(), x.value());
            }
            HostJson h = opts.client().send("POST", "hosts", new NewHostJson(name, macs, uuid, ips, l), HostJson.class);
            return Out.emit(spec, opts.json, h, out -> out.println("added host " + h.name() + " (" + String.join(", ", h.macs()) + ")"));
        }
    }

    @Command(name = "list", description = "List hosts.")
    static final class ListHosts extends ApiCollection.ListAll<HostJson> {
        @Option(names = "--label", paramLabel = "K=V", description = "Only hosts with this label (repeatable, all must match).") List<String> labels = new ArrayList<>();

        ListHosts() {
            super("hosts", new TypeReference<List<HostJson>>() {}, "NAME", "MACS", "UUID", "IPS", "LABELS", "BOOT");
        }

        @Override
        Predicate<HostJson> filter() {
            List<Label> want = labels.stream().map(Label::parse).toList();
            return h -> want.stream().allMatch(w -> w.value().equals(h.labels().get(w.key())));
        }

        @Override
        Object[] row(HostJson h) {
            return new Object[] {h.name(), String.join(",", h.macs()), h.uuid(), String.join(",", h.ips()), Out.labels(h.labels()), Out.boot(h.boot())};
        }
    }

    @Command(name = "show", description = "Show one host.")
    static final class Show extends ApiCollection.Show<HostJson> {
        Show() {
            super("hosts", HostJson.class);
        }

        @Override
        public Integer call() {
            HostJson h = opts.client().send("GET", "hosts/" + Out.path(name), null, HostJson.class);
            if (opts.json) return Out.emit(spec, true, h, out -> {});
            java.util.Optional<io.netrescue.api.JobApi.DisksJson> disks = opts.client().find("hosts/" + Out.path(name) + "/disks",
                    io.netrescue.api.JobApi.DisksJson.class);
            return Out.emit(spec, false, h, out -> {
                print(out, h);
                out.println("disks:   " + disks.map(d -> "reported " + d.collectedAt() + " by job " + d.job()).orElse("- (job run " + h.name() + " --builtin disks)"));
                disks.ifPresent(d -> DiskReport.print(out, d.report()));
            });
        }

        @Override
        void print(PrintWriter out, HostJson h) {
            out.println("name:    " + h.name());
            out.println("macs:    " + String.join(", ", h.macs()));
            out.println("uuid:    " + (h.uuid() == null ? "-" : h.uuid()));
            out.println("ips:     " + (h.ips().isEmpty() ? "- (any)" : String.join(", ", h.ips())));
            out.println("labels:  " + (h.labels().isEmpty() ? "-" : Out.labels(h.labels())));
            out.println("boot:    " + Out.boot(h.boot()));
        }
    }

    @Command(name = "rm", description = "Remove a host (its events stay in the audit log).")
    static final class Remove extends ApiCollection.Remove {
        Remove() {
            super("hosts", "host");
        }
    }

    @Command(name = "discovered", description = "Machines that asked to boot but are not in the inventory (adopt with `host add --mac`).")
    static final class Discovered extends ApiCollection.ListAll<DiscoveredJson> {
        Discovered() {
            super("discovered", new TypeReference<List<DiscoveredJson>>() {}, "MAC", "UUID", "LAST IP", "ARCH", "FIRST SEEN", "LAST SEEN", "REQUESTS");
        }

        @Override
        Object[] row(DiscoveredJson x) {
            return new Object[] {x.mac(), x.uuid(), x.lastIp(), x.arch(), x.firstSeen(), x.lastSeen(), x.requests()};
        }
    }
}
