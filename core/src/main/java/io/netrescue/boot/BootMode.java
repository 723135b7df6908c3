package io.netrescue.boot;

import io.netrescue.inventory.InvalidInputException;
import io.netrescue.inventory.Printable;
import java.util.List;
import java.util.Optional;

/** What a host boots when it next asks us. */
public sealed interface BootMode {

    /** Leave the network boot; the firmware continues with the next boot device (the local disk). */
    record Local() implements BootMode {}

    /** The rescue system: the named profile, or the server's configured rescue profile when empty. */
    record Rescue(Optional<String> profile) implements BootMode {}

    /** The named profile at every boot until changed. */
    record Persistent(String profile) implements BootMode {}

    /** The named profile exactly once, then the mode the host had before. */
    record Once(String profile) implements BootMode {}

    BootMode LOCAL = new Local();

    /** The word used in the CLI, the API and the store. */
    default String kind() {
        return switch (this) {
            case Local l -> "local";
            case Rescue r -> "rescue";
            case Persistent p -> "profile";
            case Once o -> "once";
        };
    }

    default Optional<String> profileName() {
        return switch (this) {
            case Local l -> Optional.empty();
            case Rescue r -> r.profile();
            case Persistent p -> Optional.of(p.profile());
            case Once o -> Optional.of(o.profile());
        };
    }

    static BootMode of(String kind, String profile) {
        String k = kind == null ? "" : kind;
        Optional<String> p = Optional.ofNullable(profile).filter(s -> !s.isBlank()).map(Profile::checkName);
        return switch (k) {
            case "local" -> {
                if (p.isPresent()) throw new InvalidInputException("mode local takes no profile");
                yield LOCAL;
            }
            case "rescue" -> new Rescue(p);
            case "profile" -> new Persistent(p.orElseThrow(() -> new InvalidInputException("mode profile needs a profile name")));
            case "once" -> new Once(p.orElseThrow(() -> new InvalidInputException("mode once needs a profile name")));
            default -> throw new InvalidInputException("unknown boot mode '" + Printable.clip(k)
                    + "' (one of " + String.join(", ", KINDS) + ")");
        };
    }

    List<String> KINDS = List.of("local", "rescue", "profile", "once");
}
