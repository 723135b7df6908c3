package io.netrescue.boot;

import io.netrescue.inventory.InvalidInputException;
import io.netrescue.inventory.Printable;
import java.util.List;
import java.util.regex.Pattern;

/**
 * A bootable system: a kernel, zero or more initrds and a command line template. Kernel and initrd
 * are paths inside the assets directory (served at {@code /assets/}) or absolute http(s) URLs.
 */
public record Profile(String name, String kernel, List<String> initrds, String cmdline) {
    /** The store's limit for a kernel or initrd path or URL. */
    public static final int MAX_SOURCE = 1024;
    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9._-]{0,62}");
    private static final Pattern ASSET = Pattern.compile("[A-Za-z0-9._+-]+(?:/[A-Za-z0-9._+-]+)*");
    private static final Pattern URL = Pattern.compile("https?://[A-Za-z0-9.:\\[\\]_-]+(?:/[A-Za-z0-9._~%+/=&?:-]*)?");

    public Profile {
        checkName(name);
        checkSource("kernel", kernel);
        initrds = List.copyOf(initrds);
        for (String i : initrds) checkSource("initrd", i);
        cmdline = cmdline == null ? "" : cmdline.strip();
        CmdlineTemplate.check(cmdline);
    }

    public static String checkName(String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new InvalidInputException("invalid profile name '" + Printable.clip(name)
                    + "': 1-63 lower-case letters, digits, '.', '_' or '-'");
        }
        return name;
    }

    /** Asset paths stay inside the assets directory: no '..', no leading '/', no odd characters. */
    static void checkSource(String what, String s) {
        if (s == null || s.isBlank()) throw new InvalidInputException("profile needs a " + what);
        if (s.length() > MAX_SOURCE) throw new InvalidInputException(what + " longer than " + MAX_SOURCE + " characters");
        if (isUrl(s)) {
            if (!URL.matcher(s).matches()) throw new InvalidInputException("malformed " + what + " URL '" + Printable.clip(s) + "'");
            return;
        }
        if (!ASSET.matcher(s).matches() || List.of(s.split("/")).stream().anyMatch(p -> p.equals("..") || p.equals("."))) {
            throw new InvalidInputException("invalid " + what + " '" + Printable.clip(s)
                    + "': a path inside the assets directory (no '..', no leading '/') or an http(s) URL");
        }
    }

    public static boolean isUrl(String s) {
        return s.startsWith("http://") || s.startsWith("https://");
    }
}
