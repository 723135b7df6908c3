package io.netrescue.inventory;

import java.util.regex.Pattern;

/** A {@code key=value} label used to select hosts (for example {@code rack=r12}). */
public record Label(String key, String value) {
    private static final Pattern KEY = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._/-]{0,62}");
    private static final Pattern VALUE = Pattern.compile("[A-Za-z0-9._:/@+-]{0,128}");

    public Label {
        if (key == null || !KEY.matcher(key).matches()) {
            throw new InvalidInputException("invalid label key '" + Printable.clip(key) + "' (letters, digits, '.', '_', '/', '-')");
        }
        if (value == null || !VALUE.matcher(value).matches()) {
            throw new InvalidInputException("invalid label value '" + Printable.clip(value) + "' for key " + key);
        }
    }

    public static Label parse(String text) {
        int eq = text == null ? -1 : text.indexOf('=');
        if (eq <= 0) {
            throw new InvalidInputException("malformed label '" + Printable.clip(text) + "' (expected key=value)");
        }
        return new Label(text.substring(0, eq), text.substring(eq + 1));
    }

    @Override
    public String toString() {
        return key + "=" + value;
    }
}
