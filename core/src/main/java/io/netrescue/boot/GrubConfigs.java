package io.netrescue.boot;

import java.util.List;

/**
 * GRUB configuration files ({@code grub.cfg-01-<mac>}, which a network-booted GRUB 2.04+ reads before
 * {@code grub.cfg}): the same decisions as {@link IpxeScripts}. Asset paths are read over TFTP from the
 * server GRUB booted from; http URLs become GRUB's {@code (http,host:port)/path}. Every argument is
 * single-quoted, so nothing in a command line is expanded or run by GRUB.
 */
public final class GrubConfigs {
    private GrubConfigs() {}

    public static String local(String who, String reason) {
        return """
                # netrescue: %s boots its local disk
                echo 'netrescue: %s boots its local disk: %s'
                exit
                """.formatted(IpxeScripts.text(who), IpxeScripts.text(who), IpxeScripts.text(reason));
    }

    /** If loading fails GRUB carries on with the next line, so the script ends in {@code exit} (local disk). */
    public static String netboot(String who, String profile, String kernel, List<String> initrds, String cmdline) {
        StringBuilder s = new StringBuilder(256 + cmdline.length());
        s.append("# netrescue: ").append(IpxeScripts.text(who)).append(" boots profile ").append(IpxeScripts.text(profile)).append('\n');
        s.append("echo 'netrescue: ").append(IpxeScripts.text(who)).append(" boots profile ").append(IpxeScripts.text(profile)).append("'\n");
        s.append("linux ").append(quote(path(kernel)));
        if (!cmdline.isEmpty()) for (String arg : cmdline.split(" +")) s.append(' ').append(quote(arg));
        s.append('\n');
        if (!initrds.isEmpty()) {
            s.append("initrd");
            for (String i : initrds) s.append(' ').append(quote(path(i)));
            s.append('\n');
        }
        s.append("boot\n");
        s.append("echo 'netrescue: booting profile ").append(IpxeScripts.text(profile)).append(" failed, booting the local disk'\n");
        s.append("exit\n");
        return s.toString();
    }

    /** An asset path is read from the TFTP server GRUB came from; a URL from its host over HTTP. */
    static String path(String source) {
        if (source.startsWith("http://")) {
            String rest = source.substring("http://".length());
            int slash = rest.indexOf('/');
            String authority = slash < 0 ? rest : rest.substring(0, slash);
            String p = slash < 0 ? "/" : rest.substring(slash);
            return "(http," + authority + ")" + p;
        }
        return "/" + source;
    }

    /** Single quotes: GRUB expands nothing inside them; a quote itself is closed, escaped and reopened. */
    static String quote(String s) {
        return "'" + s.replace("'", "'\\''") + "'";
    }
}
