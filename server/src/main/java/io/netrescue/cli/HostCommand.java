package io.netrescue.cli;

import io.netrescue.api.Json.DiscoveredJson;
import io.netrescue.api.Json.HostJson;
import io.netrescue.api.Json.NewHostJson;
import io.netrescue.inventory.Label;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;
import tools.jackson.core.type.TypeReference;

@Command(name = "host", description = "Manage the inventory of machines.",
        subcommands = {HostCommand.Add.class, HostCommand.ListHosts.class, HostCommand.Show.class, HostCommand.Remove.class,
                HostCommand.Discovered.class, HostSysrqCommand.class, HostPowerCommand.class, AgentConfigCommand.class})
final class HostCommand {
    @Mixin HelpOptions help;

    @Command(name = "add", description = "Add a host.")
    static final class Add implements Callable<Integer> {
        @Mixin HelpOptions help;
        @Mixin ClientOptions opts;
        @Spec CommandSpec spec;
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
    static final class ListHosts implements Callable<Integer> {
        @Mixin HelpOptions help;
        @Mixin ClientOptions opts;
        @Spec CommandSpec spec;
        @Option(names = "--label", paramLabel = "K=V", description = "Only hosts with this label (repeatable, all must match).") List<String> labels = new ArrayList<>();

        @Override
        public Integer call() {
            List<Label> want = labels.stream().map(Label::parse).toList();
            List<HostJson> hosts = opts.client().get("hosts", new TypeReference<List<HostJson>>() {}).stream().filter(h -> want.stream().allMatch(w -> w.value().equals(h.labels().get(w.key())))).toList();
            return Out.emit(spec, opts.json, hosts, out -> {
                Table t = new Table("NAME", "MACS", "UUID", "IPS", "LABELS", "BOOT");
                for (HostJson h : hosts) {
                    t.row(h.name(), String.join(",", h.macs()), h.uuid(), String.join(",", h.ips()), Out.labels(h.labels()), Out.boot(h.boot()));
                }
                t.print(out);
            });
        }
    }

    @Command(name = "show", description = "Show one host.")
    static final class Show implements Callable<Integer> {
        @Mixin HelpOptions help;
        @Mixin ClientOptions opts;
        @Spec CommandSpec spec;
        @Parameters(paramLabel = "NAME") String name;

        @Override
        public Integer call() {
            HostJson h = opts.client().send("GET", "hosts/" + Out.path(name), null, HostJson.class);
            return Out.emit(spec, opts.json, h, out -> {
                out.println("name:    " + h.name());
                out.println("macs:    " + String.join(", ", h.macs()));
                out.println("uuid:    " + (h.uuid() == null ? "-" : h.uuid()));
                out.println("ips:     " + (h.ips().isEmpty() ? "- (any)" : String.join(", ", h.ips())));
                out.println("labels:  " + (h.labels().isEmpty() ? "-" : Out.labels(h.labels())));
                out.println("boot:    " + Out.boot(h.boot()));
            });
        }
    }

    @Command(name = "rm", description = "Remove a host (its events stay in the audit log).")
    static final class Remove implements Callable<Integer> {
        @Mixin HelpOptions help;
        @Mixin ClientOptions opts;
        @Spec CommandSpec spec;
        @Parameters(paramLabel = "NAME") String name;

        @Override
        public Integer call() {
            opts.client().send("DELETE", "hosts/" + Out.path(name), null, Void.class);
            if (!opts.json) spec.commandLine().getOut().println("removed host " + name);
            return 0;
        }
    }

    @Command(name = "discovered", description = "Machines that asked to boot but are not in the inventory (adopt with `host add --mac`).")
    static final class Discovered implements Callable<Integer> {
        @Mixin HelpOptions help;
        @Mixin ClientOptions opts;
        @Spec CommandSpec spec;

        @Override
        public Integer call() {
            List<DiscoveredJson> d = opts.client().get("discovered", new TypeReference<List<DiscoveredJson>>() {});
            return Out.emit(spec, opts.json, d, out -> {
                Table t = new Table("MAC", "UUID", "LAST IP", "ARCH", "FIRST SEEN", "LAST SEEN", "REQUESTS");
                for (DiscoveredJson x : d) t.row(x.mac(), x.uuid(), x.lastIp(), x.arch(), x.firstSeen(), x.lastSeen(), x.requests());
                t.print(out);
            });
        }
    }
}
