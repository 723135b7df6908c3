package io.netrescue.cli;

import io.netrescue.api.Json;
import io.netrescue.api.Json.EventJson;
import java.io.PrintWriter;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import tools.jackson.core.type.TypeReference;

@Command(name = "events", description = "Show the audit log, or one host's timeline.")
final class EventsCommand extends ApiCommand {
    @Parameters(arity = "0..1", paramLabel = "HOST") String host;
    @Option(names = {"-n", "--limit"}, defaultValue = "50", description = "How many of the latest events (default ${DEFAULT-VALUE}).") int limit;
    @Option(names = {"-f", "--follow"}, description = "Keep printing new events as they happen.") boolean follow;

    @Override
    public Integer call() throws InterruptedException {
        ApiClient c = opts.client();
        PrintWriter out = spec.commandLine().getOut();
        long after = 0;
        boolean first = true;
        do {
            String q = "events?limit=" + limit + "&after=" + after + (host == null ? "" : "&host=" + Out.path(host));
            List<EventJson> es = c.get(q, new TypeReference<List<EventJson>>() {});
            if (opts.json && !follow) {
                Out.json(spec, es);
                return 0;
            }
            for (EventJson e : es) {
                if (opts.json) out.println(Json.MAPPER.writeValueAsString(e));
                else out.println(line(e));
                after = Math.max(after, e.id());
            }
            out.flush();
            if (follow) {
                if (first) limit = 1000;
                first = false;
                Thread.sleep(1000);
            }
        } while (follow);
        return 0;
    }

    static String line(EventJson e) {
        StringBuilder b = new StringBuilder();
        b.append(e.at()).append("  ").append(e.host() == null ? "-" : e.host()).append("  ").append(e.kind());
        if (e.decision() != null) b.append("  ").append(e.decision());
        if (e.reason() != null) b.append("  (").append(e.reason()).append(')');
        if (e.mac() != null) b.append("  mac=").append(e.mac());
        if (e.reportedIp() != null) b.append(" ip=").append(e.reportedIp().isEmpty() ? "-" : e.reportedIp());
        if (e.sourceIp() != null) b.append(" src=").append(e.sourceIp());
        b.append("  by ").append(e.actor());
        return b.toString();
    }
}
