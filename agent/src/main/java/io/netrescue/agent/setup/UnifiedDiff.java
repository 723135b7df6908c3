package io.netrescue.agent.setup;

import java.util.ArrayList;
import java.util.List;

/**
 * A unified diff of two small text files (what {@code --dry-run} prints). LCS by dynamic programming:
 * the files setup writes are a few dozen lines, so O(n*m) is nothing; inputs over 2000 lines are
 * shown as a whole replacement instead.
 */
final class UnifiedDiff {
    private static final int CONTEXT = 3;
    private static final int MAX_LINES = 2000;

    private UnifiedDiff() {}

    static String diff(String path, String before, String after) {
        List<String> a = lines(before), b = lines(after);
        List<Op> ops = a.size() > MAX_LINES || b.size() > MAX_LINES ? replaceAll(a, b) : lcs(a, b);
        StringBuilder out = new StringBuilder();
        out.append("--- ").append(before == null ? "/dev/null" : path).append('\n');
        out.append("+++ ").append(after == null ? "/dev/null" : path).append('\n');
        int i = 0;
        while (i < ops.size()) {
            if (ops.get(i).kind == ' ') {
                i++;
                continue;
            }
            int start = Math.max(0, i - CONTEXT), end = i;
            // extend the hunk while changes are within 2*CONTEXT lines of each other
            while (true) {
                int next = end;
                while (next < ops.size() && ops.get(next).kind != ' ') next++;
                int gap = next;
                while (gap < ops.size() && ops.get(gap).kind == ' ') gap++;
                if (gap < ops.size() && gap - next <= 2 * CONTEXT) {
                    end = gap;
                } else {
                    end = Math.min(ops.size(), next + CONTEXT);
                    break;
                }
            }
            int aStart = 0, bStart = 0, aLen = 0, bLen = 0;
            for (int k = 0; k < start; k++) {
                if (ops.get(k).kind != '+') aStart++;
                if (ops.get(k).kind != '-') bStart++;
            }
            StringBuilder hunk = new StringBuilder();
            for (int k = start; k < end; k++) {
                Op o = ops.get(k);
                if (o.kind != '+') aLen++;
                if (o.kind != '-') bLen++;
                hunk.append(o.kind).append(o.line).append('\n');
            }
            out.append("@@ -").append(range(aStart, aLen)).append(" +").append(range(bStart, bLen)).append(" @@\n").append(hunk);
            i = end;
        }
        return out.toString();
    }

    private static String range(int start, int len) {
        return (len == 0 ? start : start + 1) + (len == 1 ? "" : "," + len);
    }

    private record Op(char kind, String line) {}

    private static List<String> lines(String s) {
        if (s == null || s.isEmpty()) return List.of();
        String[] parts = s.split("\n", -1);
        return List.of(parts).subList(0, s.endsWith("\n") ? parts.length - 1 : parts.length);
    }

    private static List<Op> replaceAll(List<String> a, List<String> b) {
        List<Op> ops = new ArrayList<>();
        for (String l : a) ops.add(new Op('-', l));
        for (String l : b) ops.add(new Op('+', l));
        return ops;
    }

    private static List<Op> lcs(List<String> a, List<String> b) {
        int n = a.size(), m = b.size();
        int[][] len = new int[n + 1][m + 1];
        for (int i = n - 1; i >= 0; i--) {
            for (int j = m - 1; j >= 0; j--) {
                len[i][j] = a.get(i).equals(b.get(j)) ? len[i + 1][j + 1] + 1 : Math.max(len[i + 1][j], len[i][j + 1]);
            }
        }
        List<Op> ops = new ArrayList<>();
        int i = 0, j = 0;
        while (i < n && j < m) {
            if (a.get(i).equals(b.get(j))) {
                ops.add(new Op(' ', a.get(i++)));
                j++;
            } else if (len[i + 1][j] >= len[i][j + 1]) {
                ops.add(new Op('-', a.get(i++)));
            } else {
                ops.add(new Op('+', b.get(j++)));
            }
        }
        while (i < n) ops.add(new Op('-', a.get(i++)));
        while (j < m) ops.add(new Op('+', b.get(j++)));
        return ops;
    }
}
