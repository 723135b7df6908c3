package io.netrescue.inventory;

import java.util.regex.Pattern;

/** Host names are DNS-like so they are safe in URLs, file names, iPXE scripts and kernel command lines. */
public final class HostName {
    private static final Pattern FORM = Pattern.compile("[a-z0-9](?:[a-z0-9._-]{0,61}[a-z0-9])?");

    private HostName() {}

    public static String check(String name) {
        if (name == null || !FORM.matcher(name).matches()) {
            throw new InvalidInputException("invalid host name '" + Printable.clip(name)
                    + "': use 1-63 lower-case letters, digits, '.', '-' or '_', starting and ending with a letter or digit");
        }
        return name;
    }
}
