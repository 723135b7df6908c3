package io.netrescue.power.server;

import io.netrescue.inventory.Printable;
import java.util.List;
import java.util.Locale;

/**
 * Reads what ipmitool 1.8.x printed for one {@code chassis power} command. Pure, and total: any exit
 * code and any text (it partly comes from the BMC over the network) gives an {@link Outcome}, never an
 * exception. Only plain substring tests, no regular expressions, so no input can make it slow.
 */
final class IpmitoolOutput {

    sealed interface Outcome permits Power, Accepted, Failed {}

    /** {@code chassis power status} answered. */
    record Power(PowerState state) implements Outcome {}

    /** A control command was accepted; {@code control} is ipmitool's word for it (Up/On, Cycle, ...). */
    record Accepted(String control) implements Outcome {}

    /** @param reason one printable line, at most about 200 characters, naming the device's answer */
    record Failed(String reason, boolean retryable) implements Outcome {}

    private IpmitoolOutput() {}

    /** Lines ipmitool prints with {@code -v} that say nothing about the failure. */
    private static final List<String> NOISE = List.of("loading iana pen registry", "running get vso capabilities",
            "discovered ipmb address", "invalid completion code received: invalid command", "get hpm.x capabilities",
            "unable to get channel cipher suites", "using best available cipher suite", "password:");

    private record Rule(String needle, boolean retryable, String says) {}

    // First match wins: the specific reasons come before the generic "Unable to establish" that ipmitool adds to all.
    private static final List<Rule> RULES = List.of(
            new Rule("rakp 2 hmac is invalid", false, "the BMC rejected the password"),
            new Rule("rakp 4 message has invalid integrity", false, "the BMC rejected the password"),
            new Rule("unauthorized name", false, "the BMC does not know the user name"),
            new Rule("invalid user name", false, "the BMC does not know the user name"),
            new Rule("activate session command failed", false, "the BMC refused the IPMI 1.5 session (wrong password or authentication type)"),
            new Rule("insufficient privilege", false, "the user's privilege is too low for this command (setting 'privilege')"),
            new Rule("requested maximum privilege level exceeds", false, "the user may not have the requested privilege (setting 'privilege')"),
            new Rule("unsupported cipher suite", false, "ipmitool does not know this cipher suite (setting 'cipher-suite')"),
            new Rule("no matching cipher suite", false, "the BMC does not offer this cipher suite (setting 'cipher-suite')"),
            new Rule("invalid data field", false, "the BMC refused the command"),
            new Rule("command not supported", false, "the BMC refused the command"),
            new Rule("invalid command", false, "the BMC refused the command"),
            new Rule("parameter out of range", false, "the BMC refused the command"),
            new Rule("insufficient resources for session", true, "the BMC has no free session"),
            new Rule("node busy", true, "the BMC is busy"),
            new Rule("address lookup for", true, "the BMC's name does not resolve (setting 'address')"),
            new Rule("connection refused", true, "the BMC refused the connection"),
            new Rule("no response", true, "the BMC does not answer"),
            new Rule("timeout", true, "the BMC does not answer"),
            new Rule("timed out", true, "the BMC does not answer"),
            new Rule("get auth capabilities", true, "the BMC does not answer"),
            new Rule("error issuing get channel authentication capabilities", true, "the BMC does not answer"),
            new Rule("unable to establish", true, "no session with the BMC"));

    /** @param statusQuery true for {@code chassis power status}, false for a control command */
    static Outcome read(boolean statusQuery, int exit, String stdout, String stderr) {
        String out = stdout == null ? "" : stdout;
        String err = stderr == null ? "" : stderr;
        if (exit == 0) {
            for (String line : out.split("\n", 50)) {
                String l = line.strip();
                if (statusQuery && l.startsWith("Chassis Power is ")) {
                    String word = l.substring("Chassis Power is ".length()).strip().toLowerCase(Locale.ROOT);
                    if (word.equals("on")) return new Power(PowerState.ON);
                    if (word.equals("off")) return new Power(PowerState.OFF);
                    return new Failed("unexpected power state '" + Printable.clip(word) + "'", false);
                }
                if (!statusQuery && l.startsWith("Chassis Power Control: ")) {
                    String word = l.substring("Chassis Power Control: ".length()).strip();
                    if (!word.isEmpty()) return new Accepted(Printable.clip(word));
                }
            }
            return new Failed("ipmitool succeeded but printed no power " + (statusQuery ? "state" : "control answer")
                    + firstLine(out, " (stdout: '", "')"), false);
        }
        String specific = meaningful(err);
        if (specific.isEmpty()) specific = meaningful(out);
        String lower = (relevant(err) + "\n" + relevant(out)).toLowerCase(Locale.ROOT);
        for (Rule r : RULES) {
            if (lower.contains(r.needle())) {
                return new Failed(r.says() + quoted(specific), r.retryable());
            }
        }
        if (exit > 128 && exit < 160) {
            return new Failed("ipmitool died with signal " + (exit - 128) + quoted(specific), false);
        }
        if (exit < 0) return new Failed("ipmitool ended abnormally (exit " + exit + ")" + quoted(specific), false);
        return new Failed("ipmitool failed (exit " + exit + ")" + quoted(specific), false);
    }

    /** The first line that is neither -v chatter nor the generic "Error: Unable to establish" trailer. */
    private static String meaningful(String text) {
        String fallback = "";
        for (String line : text.split("\n", 200)) {
            String l = line.strip();
            if (l.isEmpty()) continue;
            String lower = l.toLowerCase(Locale.ROOT);
            if (NOISE.stream().anyMatch(lower::startsWith)) continue;
            if (lower.startsWith("error: unable to establish")) {
                if (fallback.isEmpty()) fallback = l;
                continue;
            }
            return l.startsWith("> ") ? l.substring(2) : l;
        }
        return fallback;
    }

    /** The text without -v chatter, so a rule cannot match a probe ipmitool makes on every connection. */
    private static String relevant(String text) {
        StringBuilder b = new StringBuilder();
        for (String line : text.split("\n", 200)) {
            String lower = line.strip().toLowerCase(Locale.ROOT);
            if (!lower.isEmpty() && NOISE.stream().noneMatch(lower::startsWith)) b.append(lower).append('\n');
        }
        return b.toString();
    }

    private static String quoted(String line) {
        return line.isEmpty() ? "" : ": \"" + clip(line) + "\"";
    }

    private static String firstLine(String text, String before, String after) {
        String l = meaningful(text);
        return l.isEmpty() ? "" : before + clip(l) + after;
    }

    /** Printable, and longer than {@link Printable#clip}'s 64: ipmitool's lines name the failing command. */
    private static String clip(String s) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length() && i < 120; i++) {
            char c = s.charAt(i);
            b.append(c < 0x20 || c == 0x7f || Character.isSurrogate(c) ? '?' : c);
        }
        if (s.length() > 120) b.append("...");
        return b.toString();
    }
}
