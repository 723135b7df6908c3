package io.netrescue.cli;

import io.netrescue.agent.AgentMain;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Unmatched;

@Command(name = "agent", description = {"Run the agent on a managed host, or prepare the host: `agent run --help`, `agent setup --help`.",
        "The same agent ships alone, with its own runtime: agent/target/netrescue-agent-*.tar.gz."},
        subcommands = {AgentCommand.Run.class, AgentCommand.Setup.class})
final class AgentCommand {
    @Mixin HelpOptions help;

    /**
     * Hands the arguments to {@link AgentMain}, which parses them itself (the agent ships with the JDK
     * alone) and answers {@code --help} with its own usage; {@link Main#commandLine} makes picocli stop
     * at the first argument, so all of them arrive as given.
     */
    abstract static class Delegate implements Callable<Integer> {
        @Spec CommandSpec spec;
        @Unmatched List<String> args = new ArrayList<>();

        @Override
        public Integer call() {
            List<String> a = new ArrayList<>();
            a.add(spec.name());
            a.addAll(args);
            PrintStream out = stream(spec.commandLine().getOut()), err = stream(spec.commandLine().getErr());
            try {
                return AgentMain.run(a.toArray(String[]::new), out, err);
            } finally {
                out.flush();
                err.flush();
            }
        }
    }

    @Command(name = "run", description = "Run the agent on this host (options: `agent run --help`).")
    static final class Run extends Delegate {
    }

    @Command(name = "setup", description = "Prepare this host to be recoverable, reversibly (options: `agent setup --help`).")
    static final class Setup extends Delegate {
    }

    /**
     * A stream onto the CLI's writer (the agent prints to streams). Bytes reach the writer at each flush,
     * which autoflush does after every encoded chunk of a print: whole characters, never half of one.
     */
    static PrintStream stream(PrintWriter w) {
        return new PrintStream(new OutputStream() {
            private final ByteArrayOutputStream pending = new ByteArrayOutputStream();

            @Override
            public void write(int b) {
                pending.write(b);
            }

            @Override
            public void write(byte[] b, int off, int len) {
                pending.write(b, off, len);
            }

            @Override
            public void flush() {
                w.print(pending.toString(StandardCharsets.UTF_8));
                pending.reset();
                w.flush();
            }
        }, true, StandardCharsets.UTF_8);
    }
}
