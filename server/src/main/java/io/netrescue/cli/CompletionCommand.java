package io.netrescue.cli;

import java.util.concurrent.Callable;
import picocli.AutoComplete;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "completion", description = {"Print the shell completion script, made from the commands themselves.",
        "Bash; zsh loads it after `autoload -U +X bashcompinit && bashcompinit`.",
        "In this shell:",
        "  source <(netrescue completion bash)",
        "In every new shell:",
        "  netrescue completion bash | sudo tee /etc/bash_completion.d/netrescue"})
final class CompletionCommand implements Callable<Integer> {
    @Mixin HelpOptions help;
    @Spec CommandSpec spec;
    @Parameters(paramLabel = "SHELL", description = "bash") Shell shell;

    enum Shell { bash }

    @Override
    public Integer call() {
        var out = spec.commandLine().getOut();
        out.print(AutoComplete.bash(spec.root().name(), spec.root().commandLine()));
        out.flush();
        return 0;
    }
}
