package io.netrescue.cli;

import io.netrescue.inventory.InvalidInputException;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code netrescue}: the server ({@code serve}) and the operator's CLI, which talks to the server's API. */
@Command(name = "netrescue", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Keeps remote servers recoverable: per-machine network boot decisions, audited.",
        subcommands = {ServeCommand.class, HostCommand.class, ProfileCommand.class, BootCommand.class, EventsCommand.class,
                SysrqCommand.class, AgentCommand.class, NetbootCommand.class, ConsoleCommand.class, WatchdogCommand.class,
                PowerCommand.class, KernelCommand.class,
                CommandLine.HelpCommand.class})
public final class Main {

    public static void main(String[] args) {
        System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /** Runs one command line; returns the exit code (0 ok, 1 failure, 2 usage error). */
    public static int run(String[] args, PrintWriter out, PrintWriter err) {
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
        return cl.execute(args);
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"netrescue " + (v == null ? "(development build)" : v)};
        }
    }
}
