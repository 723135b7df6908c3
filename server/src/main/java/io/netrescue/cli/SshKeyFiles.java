package io.netrescue.cli;

import io.netrescue.inventory.InvalidInputException;
import io.netrescue.rescue.SshPublicKey;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads an OpenSSH public key file for {@code --ssh-key FILE} and {@code host ssh-key add HOST FILE}: at
 * most {@link #MAX_BYTES} (so {@code /dev/zero} is an error, not 2 GB of memory), one key per line
 * ({@code #} comments and blank lines skipped), each checked here so that a refusal names the line, and a
 * private key is refused before anything of it leaves this machine.
 */
final class SshKeyFiles {
    /** Far more than 32 keys of the longest kind (an RSA 16384-bit line is about 2.8 KB). */
    static final int MAX_BYTES = 256 * 1024;

    private SshKeyFiles() {}

    /** The key lines of {@code file}, stripped; at least one. */
    static List<String> read(Path file) {
        String text = text(file);
        if (text.contains("PRIVATE KEY-----") || text.startsWith("PuTTY-User-Key-File")) {
            Path pub = Path.of(file + ".pub");
            throw new CliException(file + " looks like a private key: give the public key"
                    + (Files.isRegularFile(pub) ? " (" + pub + ")" : " (the .pub file next to it, or ssh-keygen -y -f " + file + ")"));
        }
        List<String> keys = new ArrayList<>();
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].strip(); // also the CR of a CRLF file
            if (line.isEmpty() || line.startsWith("#")) continue;
            try {
                SshPublicKey.parse(line);
            } catch (InvalidInputException e) {
                throw new CliException("line " + (i + 1) + " of " + file + ": " + e.getMessage());
            }
            keys.add(line);
        }
        if (keys.isEmpty()) throw new CliException(file + " holds no public key");
        return keys;
    }

    private static String text(Path file) {
        byte[] b;
        try {
            if (Files.isDirectory(file)) throw new CliException(file + " is a directory, not an OpenSSH public key file");
            try (InputStream in = Files.newInputStream(file)) {
                b = in.readNBytes(MAX_BYTES + 1);
            }
        } catch (NoSuchFileException e) {
            throw new CliException("no such file: " + file);
        } catch (AccessDeniedException e) {
            throw new CliException("cannot read " + file + ": permission denied");
        } catch (IOException e) {
            throw new CliException("cannot read " + file + ": " + e.getMessage());
        }
        if (b.length > MAX_BYTES) throw new CliException(file + " is larger than " + MAX_BYTES / 1024 + " KiB: not an OpenSSH public key file");
        for (byte x : b) if (x == 0) throw new CliException(file + " is not a text file: not an OpenSSH public key file");
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(b)).toString();
        } catch (CharacterCodingException e) {
            throw new CliException(file + " is not a text file: not an OpenSSH public key file");
        }
    }
}
