package io.netrescue.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Every command answers {@code --help} and {@code -h} with its usage on stdout and exit 0: each one
 * the README's command table names, and each one in the picocli tree (the agent's too, which parses
 * its own arguments); {@code --version} is the project's version; the completion script parses and
 * registers itself in bash; and the real {@code ./netrescue} launcher does the same.
 */
class HelpTest {
    static final Path REPO = Path.of(System.getProperty("user.dir")).getParent();

    record Run(int code, String out, String err) {}

    static Run run(List<String> args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        int code = Main.run(args.toArray(String[]::new), new PrintWriter(out), new PrintWriter(err));
        return new Run(code, out.toString(), err.toString());
    }

    static Run run(String... args) {
        return run(List.of(args));
    }

    static CommandLine tree() {
        return Main.commandLine(new PrintWriter(new StringWriter()), new PrintWriter(new StringWriter()));
    }

    /** The project version, from the parent POM: what {@code --version} must print. */
    static String projectVersion() throws IOException {
        Matcher m = Pattern.compile("<artifactId>netrescue-parent</artifactId>\\s*<version>([^<]+)</version>")
                .matcher(Files.readString(REPO.resolve("pom.xml")));
        assertThat(m.find()).as("the parent POM's version").isTrue();
        return m.group(1);
    }

    /**
     * The commands in README.md's command table: in each row's first column, the leading lowercase
     * words of each `code span` ({@code host add NAME --mac M} is {@code [host, add]}).
     */
    static List<List<String>> readmeCommands() throws IOException {
        List<String> lines = Files.readAllLines(REPO.resolve("README.md"));
        int header = lines.indexOf("| command | what it does |");
        assertThat(header).as("README.md's command table").isNotNegative();
        Pattern firstCell = Pattern.compile("^\\|((?:[^|\\\\]|\\\\.)*)\\|"), span = Pattern.compile("`([^`]+)`");
        List<List<String>> commands = new ArrayList<>();
        for (String row : lines.subList(header + 2, lines.size())) {
            if (!row.startsWith("|")) break;
            Matcher cell = firstCell.matcher(row);
            assertThat(cell.find()).as("table row %s", row).isTrue();
            Matcher code = span.matcher(cell.group(1));
            while (code.find()) {
                List<String> words = new ArrayList<>();
                for (String w : code.group(1).strip().split("\\s+")) {
                    if (!w.matches("[a-z][a-z0-9-]*")) break;
                    words.add(w);
                }
                if (!words.isEmpty()) commands.add(words);
            }
        }
        return commands;
    }

    /** The command path that {@code words} name: subcommands as far as they go, then arguments (e.g. {@code completion bash}). */
    static List<String> resolve(CommandLine root, List<String> words) {
        CommandLine c = root;
        List<String> path = new ArrayList<>();
        for (String w : words) {
            if (c.getSubcommands().isEmpty()) break;
            c = c.getSubcommands().get(w);
            assertThat(c).as("README.md's command table names `%s`, but `netrescue %s` has no subcommand '%s'",
                    String.join(" ", words), String.join(" ", path), w).isNotNull();
            path.add(w);
        }
        return path;
    }

    static CommandLine find(CommandLine root, List<String> path) {
        CommandLine c = root;
        for (String w : path) c = c.getSubcommands().get(w);
        return c;
    }

    /** Every command path in the tree, the root ([]) first. */
    static List<List<String>> walk(CommandLine c, List<String> path, List<List<String>> into) {
        into.add(path);
        for (Map.Entry<String, CommandLine> e : c.getSubcommands().entrySet()) {
            List<String> p = new ArrayList<>(path);
            p.add(e.getKey());
            walk(e.getValue(), p, into);
        }
        return into;
    }

    /** {@code path --help} and {@code path -h}: exit 0, the command's usage on stdout, nothing on stderr. */
    static void assertHelp(CommandLine root, List<String> path) {
        boolean agent = find(root, path).getCommand() instanceof AgentCommand.Delegate;
        String usage = agent ? "usage: netrescue-agent " + path.getLast() : String.join(" ", cons("Usage: netrescue", path));
        for (String h : List.of("--help", "-h")) {
            List<String> args = new ArrayList<>(path);
            args.add(h);
            Run r = run(args);
            String what = "netrescue " + String.join(" ", args);
            assertThat(r.code()).as("%s exits 0 (stderr: %s)", what, r.err()).isZero();
            assertThat(r.err()).as("%s prints nothing on stderr", what).isEmpty();
            assertThat("\n" + r.out()).as("%s prints its usage on stdout", what).contains("\n" + usage); // help has a header first
        }
    }

    static List<String> cons(String first, List<String> rest) {
        List<String> l = new ArrayList<>(List.of(first));
        l.addAll(rest);
        return l;
    }

    @Test
    void everyCommandInTheReadmeAnswersHelp() throws IOException {
        CommandLine root = tree();
        List<List<String>> readme = readmeCommands();
        assertThat(readme).as("commands in README.md's table").hasSizeGreaterThan(20);
        TreeSet<String> listed = new TreeSet<>();
        for (List<String> words : readme) {
            List<String> path = resolve(root, words);
            listed.add(String.join(" ", path));
            assertHelp(root, path);
        }
        // and the other way round: the table names every command there is
        TreeSet<String> leaves = new TreeSet<>();
        for (List<String> p : walk(root, List.of(), new ArrayList<>())) {
            if (!p.isEmpty() && find(root, p).getSubcommands().isEmpty()) leaves.add(String.join(" ", p));
        }
        assertThat(listed).as("README.md's command table lists every command").containsAll(leaves);
    }

    /** docs/api.md says the activation limits the core enforces (and the CLI's help prints). */
    @Test
    void theApiDocSaysTheActivationLimits() throws IOException {
        String api = Files.readString(REPO.resolve("docs/api.md"));
        assertThat(api).contains("`for` " + io.netrescue.rescue.RescueActivation.MIN_TEXT + " to " + io.netrescue.rescue.RescueActivation.MAX_TEXT
                + ", default " + io.netrescue.rescue.RescueActivation.DEFAULT_TEXT);
        assertThat(api).contains("at most " + io.netrescue.rescue.RescueKeys.MAX + " keys, given and registered together");
    }

    @Test
    void everyCommandInTheTreeAnswersHelpAndVersion() throws IOException {
        CommandLine root = tree();
        List<List<String>> all = walk(root, List.of(), new ArrayList<>());
        assertThat(all).as("the command tree").hasSizeGreaterThan(30);
        String version = "netrescue " + projectVersion() + "\n";
        for (List<String> path : all) {
            assertHelp(root, path);
            if (find(root, path).getCommand() instanceof AgentCommand.Delegate) continue; // the agent's parser: help only
            if (path.equals(List.of("help"))) continue; // picocli's help command has no --version
            for (String v : List.of("--version", "-V")) {
                List<String> args = new ArrayList<>(path);
                args.add(v);
                assertThat(run(args)).as("netrescue %s", String.join(" ", args)).isEqualTo(new Run(0, version, ""));
            }
        }
    }

    @Test
    void usageErrorsStillExitTwo() {
        Run r = run("power", "web1");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).startsWith("Missing required parameter: 'ACTION'").contains("Usage: netrescue power");
        assertThat(run("agent", "run", "--bogus")).isEqualTo(new Run(2, "", "netrescue-agent run: unknown option '--bogus' (try: run --help)\n"));
        assertThat(run("completion", "fish").code()).isEqualTo(2);
    }

    @Test
    void theAgentGetsItsArgumentsAsGiven() {
        // what follows `agent run` is the agent's, even -V, which every picocli command takes for itself
        assertThat(run("agent", "run", "-V")).isEqualTo(new Run(2, "", "netrescue-agent run: unknown option '-V' (try: run --help)\n"));
        assertThat(run("agent", "run", "--config", "/nonexistent/agent.conf", "--help").code()).isZero();
        Run r = run("agent", "run", "--config", "/nonexistent/agent.conf");
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).startsWith("netrescue-agent: cannot start: ");
    }

    @Test
    void bashCompletionParsesAndRegisters(@TempDir Path tmp) throws Exception {
        Run r = run("completion", "bash");
        assertThat(r.code()).isZero();
        assertThat(r.out()).contains("complete -F _complete_netrescue");
        Path script = Files.writeString(tmp.resolve("netrescue.bash"), r.out());
        assumeTrue(bash() != null, "no bash on PATH to check the completion script with");
        assertThat(exec(List.of(bash(), "-n", script.toString()), Map.of())).isEqualTo(new Run(0, "", ""));
        // source it as a user would, then complete `netrescue ho<TAB>` and `netrescue agent <TAB>`
        String probe = "source \"$1\"; complete -p netrescue;"
                + " COMP_WORDS=(netrescue ho); COMP_CWORD=1; _complete_netrescue; echo \"[${COMPREPLY[*]}]\";"
                + " COMP_WORDS=(netrescue agent ''); COMP_CWORD=2; _complete_netrescue; echo \"[${COMPREPLY[*]}]\"";
        Run sourced = exec(List.of(bash(), "-c", probe, "probe", script.toString()), Map.of());
        assertThat(sourced.code()).as(sourced.err()).isZero();
        assertThat(sourced.out()).isEqualTo("complete -o default -F _complete_netrescue netrescue\n[host]\n[run setup]\n");
    }

    /**
     * The real launcher, as an operator runs it. It would build the jar if the sources are newer,
     * which must not happen inside this Maven build: NETRESCUE_NO_BUILD makes it refuse instead
     * (exit 3), and the test is skipped. The server module runs this test again after {@code package}
     * (server/pom.xml, execution "launcher"), when the jar is fresh.
     */
    @Test
    void theLauncherAnswersHelpAndVersion() throws Exception {
        Path launcher = REPO.resolve("netrescue");
        assumeTrue(Files.isExecutable(launcher) && bash() != null, "no executable ./netrescue, or no bash to run it");
        Run v = launch(launcher, "--version");
        assumeTrue(v.code() != 3, "./netrescue cannot run here without building: " + v.err().strip()
                + " (the server module's \"launcher\" execution runs this test after package)");
        assertThat(v).isEqualTo(new Run(0, "netrescue " + projectVersion() + "\n", ""));
        Run power = launch(launcher, "power", "--help");
        assertThat(power.code()).as(power.err()).isZero();
        assertThat(power.out()).startsWith("Usage: netrescue power").contains("ACTION", "--driver");
        Run agent = launch(launcher, "agent", "run", "--help");
        assertThat(agent.code()).as(agent.err()).isZero();
        assertThat(agent.out()).startsWith("usage: netrescue-agent run").contains("--config FILE");
    }

    static Run launch(Path launcher, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(launcher.toString()));
        cmd.addAll(List.of(args));
        // the JDK running this test (the launcher wants 25 or newer, as this one is), and no Maven run from inside Maven
        return exec(cmd, Map.of("JAVA_HOME", System.getProperty("java.home"), "NETRESCUE_NO_BUILD", "1"));
    }

    static String bash() {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            Path b = Path.of(dir.isEmpty() ? "." : dir, "bash");
            if (Files.isExecutable(b)) return b.toString();
        }
        return null;
    }

    static Run exec(List<String> cmd, Map<String, String> env) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().putAll(env);
        pb.environment().remove("NETRESCUE_JAVA_OPTS");
        Process p = pb.start();
        p.getOutputStream().close();
        var err = p.getErrorStream();
        var errText = new java.util.concurrent.CompletableFuture<String>();
        Thread.ofPlatform().daemon().start(() -> {
            try {
                errText.complete(new String(err.readAllBytes(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                errText.completeExceptionally(e);
            }
        });
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("%s finishes", cmd).isTrue();
        return new Run(p.exitValue(), out, errText.get(10, TimeUnit.SECONDS));
    }
}
