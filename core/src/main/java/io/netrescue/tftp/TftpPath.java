package io.netrescue.tftp;

/**
 * Turns the filename a client asked for into a path relative to the served root, or refuses it.
 * Rules (docs/protocols/tftp.md): backslashes are separators (Windows and WDS clients send them);
 * leading separators mean the root (some ROMs send {@code /pxelinux.0}); empty and {@code .}
 * segments are dropped; a {@code ..} segment is refused outright, even when it would stay inside
 * the root, and so are control characters. The result never starts with a separator, contains no
 * {@code ..}, {@code .} or empty segment and is never empty.
 */
public final class TftpPath {
    /** Longer names are refused: no boot file needs more, and it bounds the work per request. */
    public static final int MAX_LENGTH = 1024;

    public sealed interface Result {
        record Accepted(String path) implements Result {}

        record Refused(String reason) implements Result {}
    }

    private TftpPath() {}

    public static Result normalize(String raw) {
        if (raw.length() > MAX_LENGTH) return new Result.Refused("path longer than " + MAX_LENGTH + " characters");
        StringBuilder out = new StringBuilder(raw.length());
        int i = 0, n = raw.length();
        while (i < n) {
            int j = i;
            while (j < n && !separator(raw.charAt(j))) {
                char c = raw.charAt(j);
                if (c < 0x20 || c == 0x7f) return new Result.Refused("control character in path");
                j++;
            }
            int len = j - i;
            if (len == 2 && raw.charAt(i) == '.' && raw.charAt(i + 1) == '.') return new Result.Refused("'..' in path");
            if (len > 0 && !(len == 1 && raw.charAt(i) == '.')) {
                if (!out.isEmpty()) out.append('/');
                out.append(raw, i, j);
            }
            i = j + 1;
        }
        if (out.isEmpty()) return new Result.Refused("empty path");
        return new Result.Accepted(out.toString());
    }

    private static boolean separator(char c) {
        return c == '/' || c == '\\';
    }
}
