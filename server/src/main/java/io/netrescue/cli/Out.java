package io.netrescue.cli;

import io.netrescue.api.Json;
import io.netrescue.api.Json.BootJson;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.stream.Collectors;
import picocli.CommandLine.Model.CommandSpec;

/** Output helpers shared by the commands. */
final class Out {
    private Out() {}

    static void json(CommandSpec spec, Object o) {
        var out = spec.commandLine().getOut();
        out.println(Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(o));
        out.flush();
    }

    /** Prints {@code value} as JSON for scripts, or runs {@code human} for people. */
    static int emit(CommandSpec spec, boolean json, Object value, java.util.function.Consumer<java.io.PrintWriter> human) {
        if (json) {
            json(spec, value);
        } else {
            var out = spec.commandLine().getOut();
            human.accept(out);
            out.flush();
        }
        return 0;
    }

    static String boot(BootJson b) {
        if (b == null) return "-";
        StringBuilder s = new StringBuilder(b.mode());
        if (b.profile() != null) s.append(' ').append(b.profile());
        if (b.expiresAt() != null) s.append(" until ").append(b.expiresAt());
        if (b.then() != null) s.append(", then ").append(boot(b.then()));
        return s.toString();
    }

    static String labels(Map<String, String> l) {
        return l.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(","));
    }

    /** One path segment, encoded (names are validated server side; this keeps odd input from changing the path). */
    static String path(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
