package io.netrescue.cli;

import picocli.CommandLine.Command;

/**
 * {@code -h/--help} and {@code -V/--version} on every command: each mixes this in with
 * {@code @Mixin HelpOptions help} (HelpTest walks the tree and fails on a command without it). The
 * exceptions are {@code agent run|setup}, whose own parser answers {@code --help}.
 */
@Command(mixinStandardHelpOptions = true, versionProvider = Version.class)
final class HelpOptions {
}
