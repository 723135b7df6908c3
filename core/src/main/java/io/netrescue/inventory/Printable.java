package io.netrescue.inventory;

/** Makes untrusted text safe to echo in an error message or a log line. */
public final class Printable {
    private Printable() {}

    /** At most 64 characters, control characters replaced by '?'. */
    public static String clip(String s) {
        if (s == null) return "";
        StringBuilder b = new StringBuilder(Math.min(s.length(), 68));
        for (int i = 0; i < s.length() && i < 64; i++) {
            char c = s.charAt(i);
            b.append(c < 0x20 || c == 0x7f ? '?' : c);
        }
        if (s.length() > 64) b.append("...");
        return b.toString();
    }
}
