package io.netrescue.cli;

import io.netrescue.api.Json;
import io.netrescue.api.Json.ConsoleJson;
import java.io.PrintWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "console", description = "Show a host's kernel console as received over netconsole.")
final class ConsoleCommand extends ApiCommand {
    @Parameters(paramLabel = "HOST") String host;
    @Option(names = {"-n", "--lines"}, defaultValue = "100", description = "How many of the latest lines (default ${DEFAULT-VALUE}).") int lines;
    @Option(names = {"-f", "--follow"}, description = "Keep printing new lines as they arrive.") boolean follow;

    @Override
    public Integer call() throws InterruptedException {
        ApiClient c = opts.client();
        PrintWriter out = spec.commandLine().getOut();
        ConsoleJson page = c.send("GET", "hosts/" + Out.path(host) + "/console?lines=" + lines, null, ConsoleJson.class);
        if (opts.json && !follow) {
            Out.json(spec, page);
            return 0;
        }
        while (true) {
            for (String l : page.lines()) out.println(opts.json ? Json.MAPPER.writeValueAsString(l) : l);
            out.flush();
            if (!follow) return 0;
            Thread.sleep(1000);
            page = c.send("GET", "hosts/" + Out.path(host) + "/console?after=" + page.next(), null, ConsoleJson.class);
        }
    }
}
