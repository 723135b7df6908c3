package io.netrescue.cli;

import io.netrescue.agent.AgentMain;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Unmatched;

@Command(name = "agent", description = {"Run the agent on a managed host: `netrescue agent run [--config FILE]`; prepare the host: `netrescue agent setup --help`.",
        "The same agent ships alone, with its own runtime: agent/target/netrescue-agent-*.tar.gz."})
final class AgentCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "run|setup") String command;
    @Unmatched List<String> rest = new ArrayList<>();

    @Override
    public Integer call() {
        List<String> args = new ArrayList<>();
        args.add(command);
        args.addAll(rest);
        return AgentMain.run(args.toArray(String[]::new));
    }
}
