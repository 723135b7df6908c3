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

    static void print(PrintWriter out, JsonNode report) {
        for (JsonNode d : report.path("disks")) {
            JsonNode health = d.path("health");
            String h = health.path("passed").isBoolean() ? (health.path("passed").asBoolean() ? "health ok" : "HEALTH FAILING")
                    : "health unknown";
            out.println("  " + text(d, "path") + "  " + size(d.path("size_bytes")) + "  " + text(d, "model") + "  serial " + text(d, "serial")
                    + "  " + h + (health.path("tool").isString() ? " (" + io.netrescue.inventory.Printable.clip(health.path("tool").asString()) + ")" : "")
                    + (d.path("fstype").isString() ? "  " + io.netrescue.inventory.Printable.clip(d.path("fstype").asString()) : ""));
            for (JsonNode p : d.path("partitions")) {
                out.println("      " + text(p, "path") + "  " + size(p.path("size_bytes")) + "  " + text(p, "fstype")
                        + (p.path("label").isString() ? "  label " + io.netrescue.inventory.Printable.clip(p.path("label").asString()) : "")
                        + (p.path("mountpoint").isString() ? "  mounted on " + io.netrescue.inventory.Printable.clip(p.path("mountpoint").asString()) : ""));
            }
        }
    }

    private static String text(JsonNode n, String field) {
        JsonNode v = n.path(field);
        return v.isString() && !v.asString().isEmpty() ? io.netrescue.inventory.Printable.clip(v.asString()) : "-";
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
