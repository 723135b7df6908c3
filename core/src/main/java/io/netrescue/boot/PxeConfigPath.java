package io.netrescue.boot;

import io.netrescue.inventory.InvalidInputException;
import io.netrescue.inventory.MacAddress;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Recognises the configuration files PXELINUX and GRUB ask a TFTP server for, in their lookup order:
 * PXELINUX tries {@code pxelinux.cfg/<uuid>}, {@code pxelinux.cfg/01-<mac>}, the client IP in hex
 * shortened one digit at a time, then {@code default}; a network-booted GRUB (2.04+) tries
 * {@code grub.cfg-01-<mac>}, the hex IP prefixes, then {@code grub.cfg}. Pure; any directory in front
 * of {@code pxelinux.cfg/} (PXELINUX's path prefix) is accepted.
 */
public sealed interface PxeConfigPath {

    /** The per-MAC file: the one we answer with this machine's decision. */
    record ByMac(MacAddress mac, BootFormat format) implements PxeConfigPath {}

    /**
     * A lookup we let fail (file not found) so the loader goes on to the MAC file: the UUID and IP
     * forms identify the machine less well, and answering them would hide the MAC file.
     */
    record Skipped(BootFormat format, String why) implements PxeConfigPath {}


    Pattern PXELINUX = Pattern.compile("(?:.*/)?pxelinux\\.cfg/(.{1,64})");
    Pattern GRUB = Pattern.compile("(?:.*/)?grub\\.cfg-(.{1,64})");
    Pattern MAC = Pattern.compile("01-((?:[0-9a-fA-F]{2}-){5}[0-9a-fA-F]{2})");
    Pattern UUID = Pattern.compile("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");
    Pattern HEX_IP = Pattern.compile("[0-9A-Fa-f]{1,8}");

    /** Empty when the path is not a configuration lookup (an ordinary file). */
    static Optional<PxeConfigPath> parse(String path) {
        if (path == null || path.length() > 512) return Optional.empty();
        Matcher m = PXELINUX.matcher(path);
        if (m.matches()) return Optional.of(name(m.group(1), BootFormat.PXELINUX));
        m = GRUB.matcher(path);
        if (m.matches()) return Optional.of(name(m.group(1), BootFormat.GRUB));
        return Optional.empty();
    }

    private static PxeConfigPath name(String name, BootFormat f) {
        Matcher mac = MAC.matcher(name);
        if (mac.matches()) {
            try {
                return new ByMac(MacAddress.parse(mac.group(1)), f);
            } catch (InvalidInputException e) {
                return new Skipped(f, "malformed MAC");
            }
        }
        if (UUID.matcher(name).matches()) return new Skipped(f, "uuid lookup");
        if (HEX_IP.matcher(name).matches()) return new Skipped(f, "ip lookup");
        if (name.equals("default")) return new Skipped(f, "default lookup");
        return new Skipped(f, "unrecognised lookup");
    }
}
