package io.netrescue.job;

import io.netrescue.inventory.InvalidInputException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The job channel's bodies ({@code docs/protocols/jobs.md}), bytes to records and back; pure, used by
 * the server and the agent alike. Text parts are US-ASCII {@code key value} lines, each ending with LF,
 * in the documented order, with one canonical spelling (decimal numbers without sign or leading
 * zeros); a body with a payload ({@code script-bytes}, {@code bytes}) has a blank line and then
 * exactly that many bytes, nothing after. Decoding refuses anything else with
 * {@link InvalidInputException} saying which line and what was expected, never throws anything else,
 * and allocates at most the input's size plus a little: sizes are checked against the limits and
 * the input before anything is copied.
 */
public final class JobCodec {
    public static final int MAX_CHUNK = 65536, MAX_SCRIPT = 1 << 20, MAX_ENV = 64, MAX_ENV_VALUE = 1024, MAX_TIMEOUT = 86400;
    /** The longest header line: {@code env} + a 64-character name + a 1024-character value. */
    private static final int MAX_LINE = 4 + 64 + 1 + MAX_ENV_VALUE;

    private JobCodec() {}

    // ---- encode ----

    public static byte[] encode(JobSpec s) {
        StringBuilder b = new StringBuilder(64 + s.env().size() * 32);
        b.append("job ").append(s.id()).append('\n');
        b.append("timeout ").append(s.timeoutSeconds()).append('\n');
        b.append("acked ").append(s.acked()).append('\n');
        b.append("kind ").append(s.builtin().map(n -> "builtin " + n).orElse("script")).append('\n');
        for (JobSpec.Env e : s.env()) b.append("env ").append(e.name()).append(' ').append(e.value()).append('\n');
        b.append("script-bytes ").append(s.script().length).append("\n\n");
        return withPayload(b, s.script());
    }

    public static byte[] encode(OutputChunk c) {
        StringBuilder b = new StringBuilder(48);
        b.append("seq ").append(c.seq()).append('\n');
        b.append("stream ").append(c.stream().word()).append('\n');
        b.append("bytes ").append(c.data().length).append("\n\n");
        return withPayload(b, c.data());
    }

    public static byte[] encode(Ack a) {
        return ("acked " + a.acked() + "\ncancel " + (a.cancel() ? "yes" : "no") + "\n").getBytes(StandardCharsets.US_ASCII);
    }

    public static byte[] encode(Done d) {
        return ("seq " + d.seq() + "\nend " + d.end().word() + "\n").getBytes(StandardCharsets.US_ASCII);
    }

    private static byte[] withPayload(StringBuilder header, byte[] payload) {
        byte[] h = header.toString().getBytes(StandardCharsets.US_ASCII);
        byte[] out = Arrays.copyOf(h, h.length + payload.length);
        System.arraycopy(payload, 0, out, h.length, payload.length);
        return out;
    }

    // ---- decode ----

    public static JobSpec decodeSpec(byte[] b) {
        Lines in = new Lines(b, "job");
        long id = in.number("job", 1, Long.MAX_VALUE);
        int timeout = (int) in.number("timeout", 1, MAX_TIMEOUT);
        long acked = in.number("acked", 0, Long.MAX_VALUE);
        in.expect("kind");
        String k = in.value();
        java.util.Optional<String> builtin;
        if (k.equals("script")) builtin = java.util.Optional.empty();
        else if (k.startsWith("builtin ") && JobSpec.BUILTIN.matcher(k.substring(8)).matches()) builtin = java.util.Optional.of(k.substring(8));
        else throw in.bad("expected 'kind script' or 'kind builtin NAME' (NAME " + JobSpec.BUILTIN.pattern() + ")");
        List<JobSpec.Env> env = new ArrayList<>();
        while (in.next("env", "script-bytes")) {
            String rest = in.value();
            int sp = rest.indexOf(' ');
            if (sp < 0) throw in.bad("expected 'env NAME value'");
            if (env.size() == MAX_ENV) throw in.bad("more than " + MAX_ENV + " env lines");
            String name = rest.substring(0, sp), value = rest.substring(sp + 1);
            for (JobSpec.Env e : env) if (e.name().equals(name)) throw in.bad("env " + clip(name) + " given twice");
            env.add(in.build(() -> new JobSpec.Env(name, value)));
        }
        int size = (int) in.number("script-bytes", 0, MAX_SCRIPT);
        byte[] script = in.payload(size);
        return in.build(() -> new JobSpec(id, timeout, acked, env, script, builtin));
    }

    public static OutputChunk decodeChunk(byte[] b) {
        Lines in = new Lines(b, "output");
        long seq = in.number("seq", 1, Long.MAX_VALUE);
        in.expect("stream");
        OutputStream stream = switch (in.value()) {
            case "out" -> OutputStream.OUT;
            case "err" -> OutputStream.ERR;
            default -> throw in.bad("expected 'stream out' or 'stream err'");
        };
        int size = (int) in.number("bytes", 0, MAX_CHUNK);
        byte[] data = in.payload(size);
        return in.build(() -> new OutputChunk(seq, stream, data));
    }

    public static Ack decodeAck(byte[] b) {
        Lines in = new Lines(b, "ack");
        long acked = in.number("acked", 0, Long.MAX_VALUE);
        in.expect("cancel");
        boolean cancel = switch (in.value()) {
            case "no" -> false;
            case "yes" -> true;
            default -> throw in.bad("expected 'cancel no' or 'cancel yes'");
        };
        in.end();
        return new Ack(acked, cancel);
    }

    public static Done decodeDone(byte[] b) {
        Lines in = new Lines(b, "done");
        long seq = in.number("seq", 0, Long.MAX_VALUE);
        in.expect("end");
        String w = in.value();
        JobEnd end;
        if (w.equals("timeout")) end = new JobEnd.Timeout();
        else if (w.equals("cancelled")) end = new JobEnd.Cancelled();
        else if (w.startsWith("exit ")) end = new JobEnd.Exit((int) in.number(w.substring(5), "exit code", 0, 255));
        else if (w.startsWith("signal ")) end = new JobEnd.Signal((int) in.number(w.substring(7), "signal", 1, JobEnd.MAX_SIGNAL));
        else if (w.startsWith("failed ")) {
            String m = w.substring(7);
            if (m.isEmpty() || m.length() > JobEnd.MAX_MESSAGE) throw in.bad("failed MESSAGE must be 1-" + JobEnd.MAX_MESSAGE + " characters");
            end = new JobEnd.Failed(m);
        } else throw in.bad("expected 'end exit N', 'end signal N', 'end timeout', 'end cancelled' or 'end failed MESSAGE'");
        in.end();
        JobEnd e = end;
        return in.build(() -> new Done(seq, e));
    }

    // ---- helpers ----

    static boolean printable(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c > 0x7e) return false;
        }
        return true;
    }

    static String clip(String s) {
        String p = s.replaceAll("[^\\x20-\\x7e]", "?");
        return p.length() > 40 ? p.substring(0, 40) + "..." : p;
    }

    /** A strict reader of LF-terminated printable-ASCII {@code key value} lines over the input. */
    private static final class Lines {
        private final byte[] b;
        private final String what;
        private int pos;
        private int line;
        private String key, value;
        private boolean pending;

        Lines(byte[] b, String what) {
            if (b == null) throw new InvalidInputException(what + ": no body");
            this.b = b;
            this.what = what;
        }

        /** Reads the next line into key/value; false at the end of the input or at the blank line. */
        private boolean read() {
            if (pending) return true;
            if (pos == b.length || b[pos] == '\n') return false;
            line++;
            int start = pos, limit = Math.min(b.length, pos + MAX_LINE + 1);
            int i = start;
            for (; i < limit && b[i] != '\n'; i++) {
                if (b[i] < 0x20 || b[i] > 0x7e) throw bad("byte " + (i - start + 1) + " is not printable ASCII");
            }
            if (i == limit) throw bad(i == b.length ? "no newline at the end of the line" : "longer than " + MAX_LINE + " bytes");
            String l = new String(b, start, i - start, StandardCharsets.US_ASCII);
            pos = i + 1;
            int sp = l.indexOf(' ');
            key = sp < 0 ? l : l.substring(0, sp);
            value = sp < 0 ? null : l.substring(sp + 1);
            pending = true;
            return true;
        }

        /** Whether the next line is {@code key}; refuses anything but {@code key} or {@code then}. */
        boolean next(String k, String then) {
            if (!read()) throw bad("expected '" + k + "' or '" + then + "', found " + (pos == b.length ? "the end of the body" : "a blank line"), line + 1);
            if (key.equals(k)) {
                if (value == null) throw bad("expected '" + k + " ...'");
                pending = false;
                return true;
            }
            if (key.equals(then)) return false;
            throw bad("expected '" + k + "' or '" + then + "', found '" + clip(key) + "'");
        }

        void expect(String k) {
            if (!read()) throw bad("expected '" + k + "', found " + (pos == b.length ? "the end of the body" : "a blank line"), line + 1);
            if (!key.equals(k) || value == null) throw bad("expected '" + k + " ...', found '" + clip(key) + "'");
            pending = false;
        }

        String value() {
            return value;
        }

        long number(String k, long min, long max) {
            expect(k);
            return number(value, k, min, max);
        }

        long number(String v, String name, long min, long max) {
            int n = v.length();
            boolean canonical = n >= 1 && n <= 19 && (n == 1 || v.charAt(0) != '0');
            for (int i = 0; canonical && i < n; i++) canonical = v.charAt(i) >= '0' && v.charAt(i) <= '9';
            if (!canonical) throw bad(name + " '" + clip(v) + "' is not a decimal number without sign or leading zeros");
            long x;
            try {
                x = Long.parseLong(v);
            } catch (NumberFormatException e) {
                throw bad(name + " " + clip(v) + " is too large");
            }
            if (x < min || x > max) throw bad(name + " must be " + min + "-" + max + ", not " + x);
            return x;
        }

        /** The blank line and exactly {@code size} bytes after it, nothing more. */
        byte[] payload(int size) {
            if (pos == b.length || b[pos] != '\n') throw bad("expected a blank line before the " + size + " bytes", line + 1);
            pos++;
            int rest = b.length - pos;
            if (rest != size) throw new InvalidInputException(what + ": declared " + size + " bytes after the blank line, found " + rest);
            return Arrays.copyOfRange(b, pos, b.length);
        }

        /** Nothing may follow the last line. */
        void end() {
            if (pos != b.length) throw bad("expected the end of the body, found more", line + 1);
        }

        <T> T build(java.util.function.Supplier<T> f) {
            try {
                return f.get();
            } catch (InvalidInputException e) {
                throw bad(e.getMessage());
            }
        }

        InvalidInputException bad(String why) {
            return bad(why, line);
        }

        InvalidInputException bad(String why, int at) {
            return new InvalidInputException(what + " line " + at + ": " + why);
        }
    }
}
