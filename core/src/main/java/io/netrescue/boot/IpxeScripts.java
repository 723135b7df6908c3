package io.netrescue.boot;

import io.netrescue.inventory.InvalidInputException;
import io.netrescue.inventory.Printable;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * iPXE scripts, one template per kind. Every script ends in a local boot if anything in it fails, so
 * a broken asset or a network error leaves the machine on its disk instead of looping. Values put in
 * are validated (names, paths, URLs, command line) or reduced to a safe alphabet ({@link #text}).
 */
public final class IpxeScripts {
    private IpxeScripts() {}

    /** The bootstrap served at {@code /ipxe}: collects the machine's identity and asks for its decision. */
    public static String bootstrap(String baseUrl) {
        return """
                #!ipxe
                # netrescue: ask the server what this machine boots
                isset ${ip} || dhcp || goto failed
                chain --autofree %s/boot.ipxe?mac=${mac:hexhyp}&ip=${ip}&uuid=${uuid}&arch=${buildarch}&platform=${platform} || goto failed
                exit
                :failed
                echo netrescue: no decision from %s, booting the local disk
                exit
                """.formatted(baseUrl, text(baseUrl));
    }

    public static String local(String who, String reason, BootPolicy.LocalBoot how) {
        String hand = switch (how) {
            case EXIT -> "exit";
            case SANBOOT -> "sanboot --no-describe --drive 0x80 || exit";
        };
        return """
                #!ipxe
                echo netrescue: %s boots its local disk: %s
                %s
                """.formatted(text(who), text(reason), hand);
    }

    /**
     * A kernel + initrd boot. {@code efi} adds {@code initrd=NAME} arguments, which the EFI stub of
     * older kernels needs to find the initrds iPXE registered.
     */
    public static String netboot(String who, String profile, String kernelUrl, List<String> initrdUrls,
                                 String cmdline, boolean efi) {
        checkArgs(cmdline); // also checked when the profile is saved; values rendered into it since are ours
        StringBuilder s = new StringBuilder(256 + cmdline.length());
        s.append("#!ipxe\n");
        s.append("echo netrescue: ").append(text(who)).append(" boots profile ").append(text(profile)).append('\n');
        List<String> names = new ArrayList<>();
        for (int i = 0; i < initrdUrls.size(); i++) names.add("initrd" + i);
        StringBuilder args = new StringBuilder();
        if (efi) for (String n : names) args.append(" initrd=").append(n);
        if (!cmdline.isEmpty()) args.append(' ').append(cmdline);
        s.append("kernel ").append(kernelUrl).append(args).append(" || goto failed\n");
        for (int i = 0; i < initrdUrls.size(); i++) {
            s.append("initrd --name ").append(names.get(i)).append(' ').append(initrdUrls.get(i)).append(" || goto failed\n");
        }
        s.append("boot || goto failed\n");
        s.append(":failed\n");
        s.append("echo netrescue: booting profile ").append(text(profile)).append(" failed, booting the local disk\n");
        s.append("exit\n");
        return s.toString();
    }

    /**
     * Refuses kernel arguments iPXE would not pass to the kernel: iPXE has no quoting, splits a line into
     * commands at a standalone {@code ;}, {@code &&} or {@code ||} and ends it at a word starting with
     * {@code #}, so {@code console=ttyS0 ; shell} would run {@code shell} and lose the script's fallback.
     * Linux needs none of these as a word of its command line.
     */
    public static void checkArgs(String cmdline) {
        for (String w : cmdline.split("[ \t]+")) {
            if (w.equals(";") || w.equals("&&") || w.equals("||") || w.startsWith("#")) {
                throw new InvalidInputException("the command line has the word '" + w
                        + "', which iPXE would take as a command separator or comment: remove it");
            }
        }
        checkSettings(cmdline);
    }

    /** iPXE settings whose type formats every value as hex, an address, a UUID or a build constant. */
    private static final Set<String> TYPED_SETTINGS = Set.of("mac", "busid", "ip", "netmask", "gateway", "dns",
            "next-server", "uuid", "buildarch", "platform", "version", "ifname", "unixtime");
    /** Setting types whose text cannot contain '$' or '{' (iPXE's setting_type_*). */
    private static final Set<String> SAFE_TYPES = Set.of("hex", "hexhyp", "hexraw", "ipv4", "ipv6", "uuid", "base64",
            "int8", "int16", "int32", "uint8", "uint16", "uint32", "busdevfn");
    private static final Pattern SETTING = Pattern.compile(
            "\\$\\{(?:[a-z0-9.-]+/)?([a-z0-9.-]+)(?::([a-z0-9]+))?}");

    /**
     * Refuses iPXE settings whose value iPXE would expand again: iPXE repeats expansion over what an
     * expansion produced (measured: an SMBIOS serial {@code ${asset}} prints the asset tag; a serial
     * {@code ${serial}} hangs iPXE on that line for good, so the kernel line's fallback never runs). A
     * string setting is filled by the machine (SMBIOS) or the site's DHCP server, so naming one would
     * hand them the line. Allowed: the typed built-ins and any setting read with a non-string type
     * ({@code ${mac:hexhyp}}, {@code ${serial:hex}}).
     */
    static void checkSettings(String cmdline) {
        for (int i = cmdline.indexOf("${"); i >= 0; i = cmdline.indexOf("${", i + 2)) {
            Matcher m = SETTING.matcher(cmdline).region(i, cmdline.length());
            boolean ok = m.lookingAt() && (m.group(2) == null ? TYPED_SETTINGS.contains(m.group(1)) : SAFE_TYPES.contains(m.group(2)));
            if (!ok) {
                int end = cmdline.indexOf('}', i);
                String ref = Printable.clip(cmdline.substring(i, end < 0 ? cmdline.length() : end + 1));
                throw new InvalidInputException("the command line has the iPXE setting '" + ref
                        + "', whose value iPXE would expand again (a machine's SMBIOS strings or the site's DHCP server fill it: they could"
                        + " hang the boot or pull in any setting): read it typed, e.g. ${serial:hex}, or use "
                        + String.join(", ", TYPED_SETTINGS.stream().sorted().map(n -> "${" + n + "}").toList()));
            }
        }
    }

    /** Reduces text for an {@code echo} line: no '$' (iPXE expansion), no ';' (a command separator), no newlines, bounded length. */
    public static String text(String s) {
        StringBuilder b = new StringBuilder(Math.min(s.length(), 200));
        for (int i = 0; i < s.length() && b.length() < 200; i++) {
            char c = s.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || " .,:/_=+-()@[]".indexOf(c) >= 0;
            b.append(ok ? c : '?');
        }
        return b.toString();
    }
}
