package io.netrescue.sysrq;

/**
 * Versions of the xtables-addons that built a host's xt_SYSRQ module. Before 3.26 (Debian 12 ships 3.23)
 * the module corrupts the kernel stack on the first hashed request, password or not: arming it, or
 * pointing netrescue at it, turns a rescue tool into a remote kill switch. The agent reads the version
 * on the host ({@code agent setup} refuses it, heartbeats report it) and the server warns from the report.
 */
public final class XtSysrqVersion {
    /** The first release that does not crash. */
    public static final String FIXED = "3.26";
    /** What a heartbeat carries when the module is installed but which release built it is unknown. */
    public static final String UNKNOWN = "unknown";
    /** Longest version text a heartbeat carries. */
    public static final int MAX = 32;

    private XtSysrqVersion() {}

    /** True for a version known to be {@link #FIXED} or later; false for older, unknown or unparsable ones. */
    public static boolean safe(String version) {
        return version != null && !version.equals(UNKNOWN) && version.matches("([0-9]+:)?[0-9]+(\\.[0-9]+)*([-+~][A-Za-z0-9.+~-]*)?")
                && (compare(version, FIXED) > 0 || compare(version, FIXED) == 0 && !preRelease(version));
    }

    /** Debian's {@code ~} sorts before the release: {@code 3.26~rc1} is older than {@code 3.26}. */
    private static boolean preRelease(String v) {
        String s = v.contains(":") ? v.substring(v.indexOf(':') + 1) : v;
        int tilde = s.indexOf('~'), dash = s.indexOf('-');
        return tilde >= 0 && (dash < 0 || tilde < dash);
    }

    /** Numeric, component by component ("3.9" < "3.26"); a Debian revision or epoch is ignored (the upstream part is compared). */
    public static int compare(String a, String b) {
        String[] x = upstream(a).split("\\."), y = upstream(b).split("\\.");
        for (int i = 0; i < Math.max(x.length, y.length); i++) {
            int p = i < x.length ? number(x[i]) : 0, q = i < y.length ? number(y[i]) : 0;
            if (p != q) return Integer.compare(p, q);
        }
        return 0;
    }

    private static String upstream(String v) {
        String s = v.contains(":") ? v.substring(v.indexOf(':') + 1) : v;
        int cut = s.length();
        for (char c : new char[] {'-', '+', '~'}) if (s.indexOf(c) >= 0) cut = Math.min(cut, s.indexOf(c));
        return s.substring(0, cut);
    }

    private static int number(String s) {
        int n = 0, i = 0;
        while (i < s.length() && i < 9 && s.charAt(i) >= '0' && s.charAt(i) <= '9') n = n * 10 + (s.charAt(i++) - '0');
        return n;
    }
}
