package io.netrescue.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * A command that talks to the server's API: {@code -h/--help}, {@code -V/--version}, the client
 * options ({@code --server}, {@code --token}, {@code --data}, {@code --json}) and its own spec for output. Each
 * subclass adds its {@code @Command}, parameters and {@code call()}.
 */
abstract class ApiCommand implements Callable<Integer> {
    @Mixin HelpOptions help;
    @Mixin ClientOptions opts;
    @Spec CommandSpec spec;
}
