package io.netrescue.cli;

import io.netrescue.api.NetbootApi.LeaseJson;
import io.netrescue.api.NetbootApi.StatusJson;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import tools.jackson.core.type.TypeReference;

@Command(name = "netboot", description = "The DHCP and TFTP services: status and counters, full-mode leases.",
        subcommands = {NetbootCommand.Status.class, NetbootCommand.Leases.class})
final class NetbootCommand {
    @Mixin HelpOptions help;

    @Command(name = "status", description = "DHCP mode and counters, TFTP address and transfer counters.")
    static final class Status extends ApiCommand {

        @Override
        public Integer call() {
            StatusJson st = opts.client().send("GET", "netboot", null, StatusJson.class);
            return Out.emit(spec, opts.json, st, out -> {
                out.println("dhcp: " + line(st.dhcp()));
                out.println("tftp: " + line(st.tftp()));
            });
        }

        private static String line(Map<String, Object> m) {
            StringBuilder b = new StringBuilder();
            m.forEach((k, v) -> {
                if (!b.isEmpty()) b.append("  ");
                b.append(k).append('=').append(v);
            });
            return b.toString();
        }
    }

    @Command(name = "leases", description = "Full DHCP mode's stored leases.")
    static final class Leases extends ApiCommand {

        @Override
        public Integer call() {
            List<LeaseJson> ls = opts.client().get("netboot/leases", new TypeReference<List<LeaseJson>>() {});
            return Out.emit(spec, opts.json, ls, out -> {
                Table t = new Table("IP", "MAC", "HOST", "STATE", "EXPIRES");
                for (LeaseJson l : ls) t.row(l.ip(), l.mac(), l.host() == null ? "-" : l.host(), l.state(), l.expires());
                t.print(out);
            });
        }
    }
}
