package io.netrescue.secrets;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.HexFormat;

/** A secret kept as hex in a file that only its owner can read: created 0600 (never widened) on first use. */
final class SecretFile {
    private SecretFile() {}

    /** The file's bytes, after creating it with {@code bytes} random bytes if it does not exist. */
    static byte[] readOrCreate(Path f, int bytes) throws IOException {
        OwnerOnly.createDirectories(f.getParent());
        if (!Files.exists(f)) {
            byte[] b = new byte[bytes];
            new SecureRandom().nextBytes(b);
            try {
                Files.createFile(f, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
                Files.writeString(f, HexFormat.of().formatHex(b) + "\n");
            } catch (FileAlreadyExistsException raced) {
                // another process created it first: use theirs
            }
        }
        try {
            return HexFormat.of().parseHex(Files.readString(f).strip());
        } catch (IllegalArgumentException e) {
            throw new IOException(f + " is not hex: restore it from a backup, or delete it to make a new one");
        }
    }
}
