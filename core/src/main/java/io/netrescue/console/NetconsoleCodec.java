package io.netrescue.console;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns netconsole datagrams into lines. Two forms arrive: the classic one (the text of one or more
 * printk records, lines ended by '\n') and the extended one ({@code +} in the netconsole target,
 * {@code LEVEL,SEQ,TIMESTAMP_US,FLAGS[,ncfrag=OFF/LEN];TEXT}, see the kernel's
 * Documentation/networking/netconsole.rst). Pure and total: any bytes give lines, never an exception.
 * Fragments of an extended record are returned as they come, marked, not reassembled: a dying kernel
 * may never send the rest, and the part that came is what matters.
 */
public final class NetconsoleCodec {
    /** The most a datagram can usefully hold; netconsole sends at most about 1000 bytes. */
    public static final int MAX_DATAGRAM = 2048;
    private static final int MAX_LINE = 1024;

    public record Line(String text, int level, long sequence, long timestampMicros) {
        /** Classic netconsole has no metadata. */
        public static Line plain(String text) {
            return new Line(text, -1, -1, -1);
        }
    }

    private NetconsoleCodec() {}

    public static List<Line> decode(byte[] data, int length) {
        int n = Math.min(Math.max(length, 0), Math.min(data.length, MAX_DATAGRAM));
        String s = new String(data, 0, n, StandardCharsets.UTF_8);
        List<Line> out = new ArrayList<>();
        int semi = s.indexOf(';');
        if (semi > 0 && semi < 80) {
            String[] h = s.substring(0, semi).split(",");
            if (h.length >= 4 && isNumber(h[0]) && isNumber(h[1]) && isNumber(h[2])) {
                int level = (int) Math.min(parse(h[0]) & 7, 7);
                long seq = parse(h[1]), ts = parse(h[2]);
                String body = s.substring(semi + 1);
                // continuation lines of a record come as " KEY=VALUE" dictionary lines after the text: keep only the text
                int nl = body.indexOf('\n');
                String text = nl < 0 ? body : body.substring(0, nl);
                boolean fragment = s.substring(0, semi).contains("ncfrag=");
                out.add(new Line(clean(text) + (fragment ? " [fragment]" : ""), level, seq, ts));
                return out;
            }
        }
        for (String line : s.split("\n", -1)) {
            String c = clean(line);
            if (!c.isEmpty()) out.add(Line.plain(c));
        }
        return out;
    }

    /** No control characters (a terminal reading the log must not be driven by it), bounded length. */
    static String clean(String s) {
        StringBuilder b = new StringBuilder(Math.min(s.length(), MAX_LINE));
        for (int i = 0; i < s.length() && b.length() < MAX_LINE; i++) {
            char c = s.charAt(i);
            if (c == '\t') b.append(' ');
            else if (c >= 0x20 && c != 0x7f && !(c >= 0x80 && c < 0xa0)) b.append(c);
            else if (c != '\r') b.append('?');
        }
        int end = b.length();
        while (end > 0 && b.charAt(end - 1) == ' ') end--;
        b.setLength(end);
        return b.toString();
    }

    private static boolean isNumber(String s) {
        if (s.isEmpty() || s.length() > 19) return false;
        for (int i = 0; i < s.length(); i++) if (s.charAt(i) < '0' || s.charAt(i) > '9') return false;
        return true;
    }

    private static long parse(String s) {
        return Long.parseLong(s);
    }
}
