package io.netrescue.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The agent's own command line (no picocli on managed hosts): every command answers --help and -h with its usage, exit 0. */
class AgentMainTest {
    record Run(int exit, String out, String err) {}

    static Run run(String... args) {
        ByteArrayOutputStream o = new ByteArrayOutputStream(), e = new ByteArrayOutputStream();
        int rc = AgentMain.run(args, new PrintStream(o, true, StandardCharsets.UTF_8), new PrintStream(e, true, StandardCharsets.UTF_8));
        return new Run(rc, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
    }

    @Test
    void everyCommandAnswersHelp() {
        for (String h : new String[] {"--help", "-h"}) {
            assertThat(run(h)).isEqualTo(new Run(0, AgentMain.USAGE, ""));
            assertThat(run("run", h)).isEqualTo(new Run(0, AgentMain.RUN_USAGE, ""));
            assertThat(run("run", "--config", "/nonexistent", h)).isEqualTo(new Run(0, AgentMain.RUN_USAGE, ""));
            assertThat(run("setup", h)).isEqualTo(new Run(0, io.netrescue.agent.setup.AgentSetup.USAGE, ""));
        }
        assertThat(run("help")).isEqualTo(new Run(0, AgentMain.USAGE, ""));
        assertThat(run("help", "run")).isEqualTo(new Run(0, AgentMain.RUN_USAGE, ""));
        assertThat(run("help", "setup")).isEqualTo(new Run(0, io.netrescue.agent.setup.AgentSetup.USAGE, ""));
        assertThat(AgentMain.USAGE).startsWith("usage: netrescue-agent COMMAND");
        assertThat(AgentMain.RUN_USAGE).startsWith("usage: netrescue-agent run").contains("--config FILE", "-h, --help");
        assertThat(io.netrescue.agent.setup.AgentSetup.USAGE).startsWith("usage: netrescue-agent setup").contains("-h, --help");
    }

    @Test
    void usageErrorsExitTwoOnStderr() {
        assertThat(run()).isEqualTo(new Run(2, "", AgentMain.USAGE));
        assertThat(run("start")).isEqualTo(new Run(2, "", "netrescue-agent: unknown command 'start' (try: run, setup, --help)\n"));
        assertThat(run("help", "start").exit()).isEqualTo(2);
        assertThat(run("run", "--bogus")).isEqualTo(new Run(2, "", "netrescue-agent run: unknown option '--bogus' (try: run --help)\n"));
        assertThat(run("run", "--config")).isEqualTo(new Run(2, "", "netrescue-agent run: --config needs a FILE\n"));
        assertThat(run("setup", "--bogus").exit()).isEqualTo(2);
    }

    @Test
    void aMissingConfigIsAFailureNotAUsageError() {
        Run r = run("run", "--config", "/nonexistent/agent.conf");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).startsWith("netrescue-agent: cannot start: ");
    }
}
