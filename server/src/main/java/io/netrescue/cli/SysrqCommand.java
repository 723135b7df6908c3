package io.netrescue.cli;

import io.netrescue.api.Json;
import io.netrescue.api.Json.EventJson;
import io.netrescue.api.Json.SysrqRequestJson;
import io.netrescue.sysrq.client.SysrqDefaults;
import io.netrescue.sysrq.client.SysrqResult;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import tools.jackson.core.type.TypeReference;

@Command(name = "sysrq", description = {"Send magic SysRq keys to a host over the network, e.g. `sysrq web1 sub`",
        "(s sync, u remount read-only, b reboot). Settings: `host sysrq HOST`."})
final class SysrqCommand extends ApiCommand {
    @Parameters(index = "0", paramLabel = "HOST") String host;
    @Parameters(index = "1", paramLabel = "KEYS") String keys;
    @Option(names = "--via", paramLabel = "agent|xt", description = "Dialect (default: the host's).") String via;
    @Option(names = "--pause", paramLabel = "MS", defaultValue = "" + SysrqDefaults.PAUSE_MILLIS, description = "Pause between keys for the agent (default ${DEFAULT-VALUE} ms; a sync must finish before b).") int pause;
    @Option(names = "--confirm", paramLabel = "DURATION", defaultValue = SysrqDefaults.CONFIRM_WITHIN_TEXT,
            description = "After a reboot key, how long the server watches for the host's next boot request (default ${DEFAULT-VALUE}; 0 = no).") String confirm;
    @Option(names = "--wait", description = "Wait here for that confirmation and print it.") boolean waitForIt;

    @Override
    public Integer call() throws InterruptedException {
        ApiClient c = opts.client();
        @SuppressWarnings("unchecked")
        Map<String, Object> o = c.send("POST", "hosts/" + Out.path(host) + "/sysrq", new SysrqRequestJson(keys, via, pause, confirm), Map.class);
        var out = spec.commandLine().getOut();
        if (opts.json) Out.json(spec, o);
        else {
            out.println(host + ": " + o.get("result") + " via " + o.get("via") + " (seq " + o.get("seq") + "): " + o.get("detail"));
            if (o.get("confirmation") != null) out.println(host + ": " + o.get("confirmation"));
            out.flush();
        }
        Optional<SysrqResult> result = SysrqResult.ofWireName(String.valueOf(o.get("result")));
        if (waitForIt && o.get("confirmation") != null) {
            Duration limit = io.netrescue.boot.Durations.parse(confirm).plusSeconds(5);
            long end = System.nanoTime() + limit.toNanos();
            while (System.nanoTime() < end) {
                List<EventJson> es = c.get("events?limit=20&host=" + Out.path(host), new TypeReference<List<EventJson>>() {});
                for (EventJson e : es.reversed()) {
                    if (e.kind().equals("sysrq.requested")) break; // only what came after our request
                    if (e.kind().equals("sysrq.confirmed") || e.kind().equals("sysrq.unconfirmed")) {
                        if (opts.json) out.println(Json.MAPPER.writeValueAsString(e));
                        else out.println(host + ": " + e.kind().substring(6) + ": " + e.reason());
                        out.flush();
                        return e.kind().equals("sysrq.confirmed") ? 0 : 1;
                    }
                }
                Thread.sleep(1000);
            }
            throw new CliException("no confirmation within " + limit.toSeconds() + " s");
        }
        return result.filter(SysrqResult::succeeded).isPresent() ? 0 : 1;
    }
}
