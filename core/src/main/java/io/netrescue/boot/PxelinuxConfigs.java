package io.netrescue.boot;

import java.util.List;

/**
 * PXELINUX configuration files ({@code pxelinux.cfg/01-<mac>}), the same decisions as {@link IpxeScripts}
 * for sites whose machines run PXELINUX. Paths are relative to the TFTP root (the assets directory);
 * http URLs need lpxelinux.0. iPXE's {@code ${...}} settings are not expanded by PXELINUX.
 */
public final class PxelinuxConfigs {
    private PxelinuxConfigs() {}

    public static String local(String who, String reason) {
        return """
                # netrescue: %s boots its local disk
                SAY netrescue: %s boots its local disk: %s
                DEFAULT local
                PROMPT 0
                TIMEOUT 1
                LABEL local
                  LOCALBOOT 0
                """.formatted(IpxeScripts.text(who), IpxeScripts.text(who), IpxeScripts.text(reason));
    }

    /**
     * A kernel + initrd boot; {@code ONTIMEOUT local} is PXELINUX's fallback when the kernel cannot be
     * loaded, so a missing asset ends on the local disk, as the iPXE scripts do.
     */
    public static String netboot(String who, String profile, String kernel, List<String> initrds, String cmdline) {
        StringBuilder s = new StringBuilder(256 + cmdline.length());
        s.append("# netrescue: ").append(IpxeScripts.text(who)).append(" boots profile ").append(IpxeScripts.text(profile)).append('\n');
        s.append("SAY netrescue: ").append(IpxeScripts.text(who)).append(" boots profile ").append(IpxeScripts.text(profile)).append('\n');
        s.append("DEFAULT netrescue\nPROMPT 0\nTIMEOUT 1\nONTIMEOUT local\n");
        s.append("LABEL netrescue\n");
        s.append("  KERNEL ").append(kernel).append('\n');
        if (!initrds.isEmpty()) s.append("  INITRD ").append(String.join(",", initrds)).append('\n');
        if (!cmdline.isEmpty()) s.append("  APPEND ").append(cmdline).append('\n');
        s.append("LABEL local\n  LOCALBOOT 0\n");
        return s.toString();
    }
}
