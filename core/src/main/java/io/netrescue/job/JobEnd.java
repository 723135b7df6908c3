package io.netrescue.job;

import io.netrescue.inventory.InvalidInputException;
import java.util.Objects;

/** How a job ended, as the agent reports it; {@link #word()} is its wire spelling. */
public sealed interface JobEnd {
    /** Linux signals are 1..64. */
    int MAX_SIGNAL = 64;
    int MAX_MESSAGE = 200;

    /** The wire spelling: {@code exit 0}, {@code signal 9}, {@code timeout}, {@code cancelled}, {@code failed MESSAGE}. */
    String word();

    /** The script's shell exited with this code (0..255). */
    record Exit(int code) implements JobEnd {
        public Exit {
            if (code < 0 || code > 255) throw new InvalidInputException("exit code must be 0-255, not " + code);
        }

        @Override
        public String word() {
            return "exit " + code;
        }
    }

    /** The script's shell was killed by this signal (1..64). */
    record Signal(int signal) implements JobEnd {
        public Signal {
            if (signal < 1 || signal > MAX_SIGNAL) throw new InvalidInputException("signal must be 1-" + MAX_SIGNAL + ", not " + signal);
        }

        @Override
        public String word() {
            return "signal " + signal;
        }
    }

    /** The job ran out of its time and was killed. */
    record Timeout() implements JobEnd {
        @Override
        public String word() {
            return "timeout";
        }
    }

    /** The operator cancelled the job and it was killed. */
    record Cancelled() implements JobEnd {
        @Override
        public String word() {
            return "cancelled";
        }
    }

    /** The agent could not run the job (or finish it); the message is printable ASCII, 1..200 characters. */
    record Failed(String message) implements JobEnd {
        public Failed {
            Objects.requireNonNull(message, "message");
            if (message.isEmpty() || message.length() > MAX_MESSAGE)
                throw new InvalidInputException("failed message must be 1-" + MAX_MESSAGE + " characters");
            if (!JobCodec.printable(message)) throw new InvalidInputException("failed message must be printable ASCII");
        }

        /** A Failed whose message is {@code message} made printable and clipped to fit: for reasons from exceptions. */
        public static Failed of(String message) {
            String m = message == null || message.isBlank() ? "unknown error" : message.replaceAll("[^\\x20-\\x7e]", "?");
            return new Failed(m.length() > MAX_MESSAGE ? m.substring(0, MAX_MESSAGE) : m);
        }

        @Override
        public String word() {
            return "failed " + message;
        }
    }
}
