package io.netrescue.secrets;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
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
        byte[] t = SecretFile.readOrCreate(dataDir.resolve(FILE), 32);
        if (t.length < 16) throw new IOException("API token in " + dataDir.resolve(FILE) + " is too short; delete the file to make a new one");
        return new ApiToken(HexFormat.of().formatHex(t));
    }

    /** Constant-time comparison so response timing does not leak the token. */
    public boolean matches(String presented) {
        if (presented == null) return false;
        return MessageDigest.isEqual(token, presented.getBytes(StandardCharsets.US_ASCII));
    }
}
