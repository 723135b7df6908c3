package io.netrescue.cli;

import io.netrescue.api.Json.PowerDriverJson;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import tools.jackson.core.type.TypeReference;

@Command(name = "power", description = {"Show or set a host's power drivers (tried in order).",
        "  host power web1",
        "  host power web1 --set ipmi address=10.0.0.5 user=admin --secret-file bmc.pw",
        "  host power web1 --set snmp address=10.0.0.9 outlet=3 model=apc --secret-file community --pos 2",
        "  host power web1 --remove ipmi"})
final class HostPowerCommand extends ApiCommand {
    @Parameters(index = "0", paramLabel = "NAME") String name;
    @Option(names = "--set", paramLabel = "KIND", description = "Add or replace the driver of this kind (settings follow as KEY=VALUE).") String set;
    @Parameters(index = "1..*", paramLabel = "KEY=VALUE", description = "Driver settings.") List<String> settings = new ArrayList<>();
    @Option(names = "--secret-file", paramLabel = "FILE", description = "Password/community/passphrase (sent once, stored sealed, never shown).") Path secretFile;
    @Option(names = "--timeout", paramLabel = "DURATION", description = "Per call (default 10s).") String timeout;
    @Option(names = "--pos", paramLabel = "N", description = "Order among the host's drivers (lower first).") Integer pos;
    @Option(names = "--remove", paramLabel = "KIND", description = "Remove the driver of this kind.") String remove;

    @Override
    public Integer call() {
        ApiClient c = opts.client();
        String path = "hosts/" + Out.path(name) + "/power";
        if (remove != null) {
            c.send("DELETE", path + "/" + Out.path(remove), null, Void.class);
            spec.commandLine().getOut().println("removed the " + remove + " power driver of " + name);
            return 0;
        }
        if (set != null) {
            Map<String, String> m = new TreeMap<>();
            for (String s : settings) {
                int eq = s.indexOf('=');
                if (eq <= 0) throw new CliException("settings are KEY=VALUE, not '" + s + "'");
                m.put(s.substring(0, eq), s.substring(eq + 1));
            }
            String secret = null;
            if (secretFile != null) {
                try {
                    secret = Files.readString(secretFile).strip();
                } catch (IOException e) {
                    throw new CliException("cannot read " + secretFile + ": " + e.getMessage());
                }
            }
            PowerDriverJson d = c.send("PUT", path + "/" + Out.path(set), new PowerDriverJson(set, pos, m, secret, null, timeout, null, null),
                    PowerDriverJson.class);
            return Out.emit(spec, opts.json, d, out -> out.println(name + ": " + d.kind() + " set (" + d.describe() + "; can "
                    + String.join(", ", d.supports()) + ")"));
        }
        if (!settings.isEmpty()) throw new CliException("settings need --set KIND");
        List<PowerDriverJson> all = c.get(path, new TypeReference<List<PowerDriverJson>>() {});
        return Out.emit(spec, opts.json, all, out -> {
            Table t = new Table("POS", "KIND", "DEVICE", "CAN", "SECRET", "TIMEOUT", "SETTINGS");
            for (PowerDriverJson d : all) {
                t.row(d.pos(), d.kind(), d.describe(), String.join(",", d.supports()), Boolean.TRUE.equals(d.secretSet()) ? "set" : "-",
                        d.timeout(), Out.labels(d.settings()));
            }
            t.print(out);
        });
    }
}
