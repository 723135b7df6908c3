package io.netrescue.cli;

/** A failure the CLI reports as one line on stderr with a non-zero exit. */
final class CliException extends RuntimeException {
    CliException(String message) {
        super(message, null, false, false);
    }
}
