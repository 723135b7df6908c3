package io.netrescue.server;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * The bearer token that guards the API. Created at first start with 256 random bits in a file that
 * only its owner can read (created 0600, never widened); the CLI reads the same file.
 */
public final class ApiToken {
    public static final String FILE = "api-token";
    private final byte[] token;

    private ApiToken(String token) {
        this.token = token.getBytes(StandardCharsets.US_ASCII);
    }

    public static ApiToken loadOrCreate(Path dataDir) throws IOException {
        Path f = dataDir.resolve(FILE);
        Files.createDirectories(dataDir);
        if (!Files.exists(f)) {
            byte[] b = new byte[32];
            new SecureRandom().nextBytes(b);
            String t = HexFormat.of().formatHex(b);
            try {
                Files.createFile(f, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
                Files.writeString(f, t + "\n");
            } catch (FileAlreadyExistsException raced) {
                // another process created it first: use theirs
            }
        }
        String t = Files.readString(f).strip();
        if (t.length() < 32) throw new IOException("API token in " + f + " is too short; delete the file to make a new one");
        return new ApiToken(t);
    }

    /** Constant-time comparison so response timing does not leak the token. */
    public boolean matches(String presented) {
        if (presented == null) return false;
        return MessageDigest.isEqual(token, presented.getBytes(StandardCharsets.US_ASCII));
    }
}
