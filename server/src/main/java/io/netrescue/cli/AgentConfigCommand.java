package io.netrescue.cli;

import io.netrescue.sysrq.client.SysrqDefaults;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "agent-config", description = {"Print the agent configuration for a host.",
        "It holds the host's SysRq key: install it 0600 as /etc/netrescue/agent.conf on that host."})
final class AgentConfigCommand extends ApiCommand {
    @Parameters(paramLabel = "NAME") String name;
    @Option(names = "--listen", paramLabel = "ADDR:PORT", defaultValue = SysrqDefaults.AGENT_LISTEN) String listen;
    @Option(names = "--allowed-source", paramLabel = "CIDR", description = "Who may send requests (repeatable; e.g. the server's address).")
    List<String> sources = new ArrayList<>();
    @Option(names = "--heartbeat-to", paramLabel = "ADDR:PORT", description = "The server's heartbeat port as the host reaches it, e.g. 10.0.0.1:6100.")
    String heartbeatTo = "";
    @Option(names = "--jobs-url", paramLabel = "URL", description = "Jobs on this installed system: the server's base URL as the host reaches it (with --allowed-jobs).")
    String jobsUrl = "";
    @Option(names = "--allowed-jobs", paramLabel = "LIST", description = "What the agent may run here: all, or script and built-in names, e.g. disks,fsck (default: none).")
    String allowedJobs = "";

    @Override
    public Integer call() {
        String q = "?listen=" + URLEncoder.encode(listen, StandardCharsets.UTF_8)
                + "&sources=" + URLEncoder.encode(String.join(",", sources), StandardCharsets.UTF_8)
                + "&heartbeat-to=" + URLEncoder.encode(heartbeatTo, StandardCharsets.UTF_8)
                + "&jobs-url=" + URLEncoder.encode(jobsUrl, StandardCharsets.UTF_8)
                + "&allowed-jobs=" + URLEncoder.encode(allowedJobs, StandardCharsets.UTF_8);
        @SuppressWarnings("unchecked")
        Map<String, Object> r = opts.client().send("GET", "hosts/" + Out.path(name) + "/sysrq/agent-config" + q, null, Map.class);
        var out = spec.commandLine().getOut();
        out.print(r.get("config"));
        out.flush();
        return 0;
    }
}
