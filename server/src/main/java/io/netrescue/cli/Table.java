package io.netrescue.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;

/** A plain text table for people: columns padded to their widest cell, '-' for empty cells. */
final class Table {
    private final List<String[]> rows = new ArrayList<>();

    Table(String... header) {
        rows.add(header);
    }

    Table row(Object... cells) {
        String[] r = new String[cells.length];
        for (int i = 0; i < cells.length; i++) r[i] = cells[i] == null || cells[i].toString().isEmpty() ? "-" : cells[i].toString();
        rows.add(r);
        return this;
    }

    void print(PrintWriter out) {
        int n = rows.getFirst().length;
        int[] w = new int[n];
        for (String[] r : rows) for (int i = 0; i < n; i++) w[i] = Math.max(w[i], r[i].length());
        for (String[] r : rows) {
            StringBuilder b = new StringBuilder();
            for (int i = 0; i < n; i++) {
                b.append(r[i]);
                if (i < n - 1) b.append(" ".repeat(w[i] - r[i].length() + 2));
            }
            out.println(b.toString().stripTrailing());
        }
        out.flush();
    }
}
