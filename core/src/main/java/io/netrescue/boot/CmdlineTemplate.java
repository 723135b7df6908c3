package io.netrescue.boot;

import io.netrescue.inventory.InvalidInputException;
import io.netrescue.inventory.Printable;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A kernel command line with {@code {variable}} placeholders filled in per boot. Only the variables in
 * {@link #VARIABLES} exist; an unknown one is refused when the profile is saved, not at boot time.
 * iPXE's own {@code ${...}} settings pass through for iPXE to expand, in the typed forms
 * {@link IpxeScripts#checkArgs} allows.
 */
public final class CmdlineTemplate {
    public static final Set<String> VARIABLES = Set.of("host", "mac", "ip", "uuid", "server", "token", "profile");
    private static final Pattern VAR = Pattern.compile("(?<!\\$)\\{([a-z]+)}");
    private static final int MAX = 2048;

    private CmdlineTemplate() {}

    public static void check(String cmdline) {
        if (cmdline.length() > MAX) throw new InvalidInputException("command line longer than " + MAX + " characters");
        for (int i = 0; i < cmdline.length(); i++) {
            char c = cmdline.charAt(i);
            if (c < 0x20 || c == 0x7f) throw new InvalidInputException("command line contains a control character (newline?)");
        }
        Matcher m = VAR.matcher(cmdline);
        while (m.find()) {
            if (!VARIABLES.contains(m.group(1))) {
                throw new InvalidInputException("unknown command line variable {" + Printable.clip(m.group(1)) + "}; known: " + String.join(", ", VARIABLES.stream().sorted().toList()));
            }
        }
    }

    /** Fills the placeholders. Values are ours (validated names, addresses, tokens) and contain no spaces. */
    public static String render(String cmdline, Map<String, String> values) {
        Matcher m = VAR.matcher(cmdline);
        StringBuilder out = new StringBuilder(cmdline.length() + 64);
        while (m.find()) {
            String v = values.getOrDefault(m.group(1), "");
            m.appendReplacement(out, Matcher.quoteReplacement(v));
        }
        m.appendTail(out);
        return out.toString();
    }
}
