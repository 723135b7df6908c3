package io.netrescue.cli;

import io.netrescue.inventory.InvalidInputException;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code netrescue}: the server ({@code serve}) and the operator's CLI, which talks to the server's API. */
@Command(name = "netrescue",
        description = {"Keeps remote servers recoverable: per-machine network boot decisions, audited.",
                "Every command answers --help (-h); `netrescue completion bash` prints the shell completion."},
        subcommands = {ServeCommand.class, HostCommand.class, ProfileCommand.class, BootCommand.class, EventsCommand.class,
                SysrqCommand.class, AgentCommand.class, NetbootCommand.class, ConsoleCommand.class, WatchdogCommand.class,
                PowerCommand.class, KernelCommand.class, RescueCommand.class, JobCommand.class, CompletionCommand.class,
                CommandLine.HelpCommand.class})
public final class Main {
    @Mixin HelpOptions help;

    public static void main(String[] args) {
        System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /** Runs one command line; returns the exit code (0 ok, 1 failure, 2 usage error). */
    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        return commandLine(out, err).execute(args);
    }

    /** The whole command tree, writing to {@code out} and {@code err}: what {@link #run} executes (and tests walk). */
    static CommandLine commandLine(PrintWriter out, PrintWriter err) {
        CommandLine cl = new CommandLine(new Main());
        cl.setOut(out);
        cl.setErr(err);
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            if (ex instanceof CliException || ex instanceof InvalidInputException) {
                err.println("netrescue: " + ex.getMessage());
                err.flush();
                return 1;
            }
            throw ex;
        });
        // agent run|setup parse their own arguments (the agent ships without picocli): they get everything after their name, as given
        for (CommandLine c : cl.getSubcommands().get("agent").getSubcommands().values()) c.setStopAtUnmatched(true);
        return cl;
    }
}
