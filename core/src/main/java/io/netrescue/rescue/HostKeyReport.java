package io.netrescue.rescue;

import io.netrescue.inventory.InvalidInputException;
import java.util.ArrayList;
import java.util.List;

/**
 * The SSH host keys a rescue system reports when it is ready: its {@code /etc/ssh/ssh_host_*_key.pub}
 * files, one key per line. Host keys are plain keys of the host types (no FIDO keys), at most one
 * per type, at most {@value #MAX_KEYS}; blank lines are ignored, anything else is refused whole.
 */
public record HostKeyReport(List<SshPublicKey> keys) {
    public static final int MAX_BYTES = 16 * 1024;
    public static final int MAX_KEYS = 4;

    public HostKeyReport {
        keys = List.copyOf(keys);
    }

    public static HostKeyReport parse(String body) {
        if (body == null || body.isBlank()) throw new InvalidInputException("the report names no host key");
        if (body.length() > MAX_BYTES) throw new InvalidInputException("the report is longer than " + MAX_BYTES + " bytes");
        List<SshPublicKey> keys = new ArrayList<>();
        int n = 0;
        for (String line : body.split("\n", -1)) {
            n++;
            if (line.isBlank()) continue;
            SshPublicKey k;
            try {
                k = SshPublicKey.parse(line);
            } catch (InvalidInputException e) {
                throw new InvalidInputException("line " + n + ": " + e.getMessage());
            }
            if (k.type().startsWith("sk-")) throw new InvalidInputException("line " + n + ": a host key cannot be a FIDO key");
            if (keys.stream().anyMatch(x -> x.type().equals(k.type()))) throw new InvalidInputException("line " + n + ": a second " + k.type() + " host key");
            if (keys.size() == MAX_KEYS) throw new InvalidInputException("more than " + MAX_KEYS + " host keys");
            keys.add(k);
        }
        if (keys.isEmpty()) throw new InvalidInputException("the report names no host key");
        return new HostKeyReport(keys);
    }
}
