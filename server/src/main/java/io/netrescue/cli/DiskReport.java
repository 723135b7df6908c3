package io.netrescue.cli;

import java.io.PrintWriter;
import java.util.Locale;
import tools.jackson.databind.JsonNode;

/**
 * The {@code disks} built-in's report as {@code host show} prints it: one line per disk (size, model,
 * serial, health), its partitions below. Tolerant of missing fields: the report came from a script on
 * the host, and the server only checked that it is a JSON object with a {@code disks} array.
 */
final class DiskReport {
    private DiskReport() {}

    /** A report from a host may list anything: at most this many disks, and partitions per disk, are printed. */
    static final int MAX_SHOWN = 64;

    static void print(PrintWriter out, JsonNode report) {
        int shown = 0;
        for (JsonNode d : report.path("disks")) {
            if (shown++ == MAX_SHOWN) {
                out.println("  ... " + (report.path("disks").size() - MAX_SHOWN) + " more disks (netrescue --json api GET hosts/NAME/disks)");
                break;
            }
            JsonNode health = d.path("health");
            String h = health.path("passed").isBoolean() ? (health.path("passed").asBoolean() ? "health ok" : "HEALTH FAILING")
                    : "health unknown";
            out.println("  " + text(d, "path") + "  " + size(d.path("size_bytes")) + "  " + text(d, "model") + "  serial " + text(d, "serial")
                    + "  " + h + (health.path("tool").isString() ? " (" + safe(health.path("tool").asString()) + ")" : "")
                    + (d.path("fstype").isString() ? "  " + safe(d.path("fstype").asString()) : ""));
            int parts = 0;
            for (JsonNode p : d.path("partitions")) {
                if (parts++ == MAX_SHOWN) {
                    out.println("      ... " + (d.path("partitions").size() - MAX_SHOWN) + " more partitions");
                    break;
                }
                out.println("      " + text(p, "path") + "  " + size(p.path("size_bytes")) + "  " + text(p, "fstype")
                        + (p.path("label").isString() ? "  label " + safe(p.path("label").asString()) : "")
                        + (p.path("mountpoint").isString() ? "  mounted on " + safe(p.path("mountpoint").asString()) : ""));
            }
        }
    }

    /**
     * Text from the host, made safe for a terminal: at most 64 characters; control characters (C0, DEL,
     * C1) and Unicode's bidirectional controls (which reorder what is shown) become '?'.
     */
    static String safe(String s) {
        StringBuilder b = new StringBuilder(Math.min(s.length(), 68));
        for (int i = 0; i < s.length() && i < 64; i++) {
            char c = s.charAt(i);
            boolean bad = c < 0x20 || (c >= 0x7f && c <= 0x9f) || (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069)
                    || c == 0x200e || c == 0x200f || c == 0x061c;
            b.append(bad ? '?' : c);
        }
        if (s.length() > 64) b.append("...");
        return b.toString();
    }

    private static String text(JsonNode n, String field) {
        JsonNode v = n.path(field);
        return v.isString() && !v.asString().isEmpty() ? safe(v.asString()) : "-";
    }

    static String size(JsonNode n) {
        if (!n.isNumber()) return "-";
        double b = n.asDouble();
        String[] units = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
        int u = 0;
        while (b >= 1024 && u < units.length - 1) {
            b /= 1024;
            u++;
        }
        return u == 0 ? (long) b + " B" : String.format(Locale.ROOT, "%.1f %s", b, units[u]);
    }
}
