package io.netrescue.rescue;

import io.netrescue.inventory.InvalidInputException;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.Map;

/**
 * One OpenSSH public key line ({@code type base64 [comment]}), as an operator pastes it or a rescue
 * system reports its host key. Parsed strictly, because it ends up in a file a root shell trusts
 * ({@code authorized_keys}, {@code known_hosts}): one line of printable ASCII (no TAB or control characters) with fields
 * separated by spaces, a known key type, a
 * blob whose structure matches the type, no {@code authorized_keys} options ({@code command=...}),
 * RSA of at least 2048 bits. {@link #line()} is the canonical re-encoding, never the input text.
 */
public record SshPublicKey(String type, String base64, String comment) {
    /** Longest accepted line: an RSA 16384-bit key is about 2.8 KB of base64. */
    public static final int MAX_LINE = 8192;
    private static final int MAX_COMMENT = 256;
    private static final int MIN_RSA_BITS = 2048;

    private enum Shape { ED25519, ECDSA, RSA, SK_ED25519, SK_ECDSA }

    private static final Map<String, Shape> TYPES = Map.of(
            "ssh-ed25519", Shape.ED25519,
            "ecdsa-sha2-nistp256", Shape.ECDSA,
            "ecdsa-sha2-nistp384", Shape.ECDSA,
            "ecdsa-sha2-nistp521", Shape.ECDSA,
            "ssh-rsa", Shape.RSA,
            "sk-ssh-ed25519@openssh.com", Shape.SK_ED25519,
            "sk-ecdsa-sha2-nistp256@openssh.com", Shape.SK_ECDSA);

    public SshPublicKey {
        if (!TYPES.containsKey(type)) throw new InvalidInputException("unsupported SSH key type");
        checkBlob(type, decode(base64));
        if (comment.length() > MAX_COMMENT || unprintable(comment) >= 0) {
            throw new InvalidInputException("SSH key comment must be printable ASCII (no TAB or control characters) of at most " + MAX_COMMENT + " characters");
        }
    }

    public static SshPublicKey parse(String line) {
        if (line == null || line.isBlank()) throw new InvalidInputException("SSH public key is empty");
        if (line.length() > MAX_LINE) throw new InvalidInputException("SSH public key longer than " + MAX_LINE + " characters");
        String s = line.strip();
        int bad = unprintable(s);
        if (bad >= 0) {
            throw new InvalidInputException("an SSH public key is one line of printable ASCII, separated by spaces: this one has "
                    + describe(s.charAt(bad)) + " at character " + (line.indexOf(s) + bad + 1));
        }
        String[] f = s.split(" +", 3);
        if (!TYPES.containsKey(f[0])) {
            throw new InvalidInputException(f[0].contains("=") || f[0].contains(",") || f[0].contains("\"")
                    ? "authorized_keys options (command=, from=, ...) are not accepted: give the key alone"
                    : "unsupported SSH key type (use ssh-ed25519, ecdsa-sha2-nistp256/384/521, ssh-rsa of 2048+ bits, or a FIDO sk- key)");
        }
        if (f.length < 2) throw new InvalidInputException("SSH public key has no key data after its type");
        return new SshPublicKey(f[0], f[1], f.length == 3 ? f[2] : "");
    }

    /** {@code SHA256:...}, as {@code ssh-keygen -l -E sha256} and the ssh client print it. */
    public String fingerprint() {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(decode(base64));
            return "SHA256:" + Base64.getEncoder().withoutPadding().encodeToString(d);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The key without its comment: what {@code known_hosts} and comparisons use. */
    public String keyText() {
        return type + " " + base64;
    }

    public String line() {
        return comment.isEmpty() ? keyText() : keyText() + " " + comment;
    }

    /** The same key, whatever the comment. */
    public boolean sameKey(SshPublicKey o) {
        return type.equals(o.type) && base64.equals(o.base64);
    }

    private static byte[] decode(String b64) {
        if (b64.isEmpty() || b64.length() > MAX_LINE) throw new InvalidInputException("SSH public key data is empty or too long");
        try {
            byte[] b = Base64.getDecoder().decode(b64);
            // one spelling per key: what we store and print is exactly what we were given
            if (!Base64.getEncoder().encodeToString(b).equals(b64)) throw new InvalidInputException("SSH public key data is not canonical base64");
            return b;
        } catch (IllegalArgumentException e) {
            throw new InvalidInputException("SSH public key data is not base64");
        }
    }

    /** The RFC 4253 / OpenSSH PROTOCOL layout of each key type, down to the last byte. */
    private static void checkBlob(String type, byte[] blob) {
        ByteBuffer b = ByteBuffer.wrap(blob);
        try {
            if (!string(b, "key type").equals(type)) throw bad("its data names another key type");
            switch (TYPES.get(type)) {
                case ED25519 -> ed25519(b);
                case SK_ED25519 -> {
                    ed25519(b);
                    bytes(b, "application");
                }
                case ECDSA -> ecdsa(b, type);
                case SK_ECDSA -> {
                    ecdsa(b, "ecdsa-sha2-nistp256");
                    bytes(b, "application");
                }
                case RSA -> {
                    BigInteger e = mpint(b, "exponent");
                    BigInteger n = mpint(b, "modulus");
                    if (e.signum() <= 0 || n.signum() <= 0) throw bad("its RSA numbers are not positive");
                    if (n.bitLength() < MIN_RSA_BITS) throw new InvalidInputException("RSA keys need at least " + MIN_RSA_BITS + " bits (this one has " + n.bitLength() + ")");
                }
            }
            if (b.hasRemaining()) throw bad("it has bytes after the key");
        } catch (java.nio.BufferUnderflowException e) {
            throw bad("its data is cut short");
        }
    }

    private static void ed25519(ByteBuffer b) {
        if (bytes(b, "ed25519 key").length != 32) throw bad("an ed25519 key is 32 bytes");
    }

    private static void ecdsa(ByteBuffer b, String type) {
        String curve = string(b, "curve");
        if (!type.endsWith("-" + curve)) throw bad("its curve does not match its type");
        byte[] q = bytes(b, "point");
        int coord = switch (curve) {
            case "nistp256" -> 32;
            case "nistp384" -> 48;
            default -> 66;
        };
        if (q.length != 1 + 2 * coord || q[0] != 4) throw bad("its curve point is not an uncompressed " + curve + " point");
    }

    private static byte[] bytes(ByteBuffer b, String what) {
        int n = b.getInt();
        if (n < 0 || n > b.remaining()) throw bad("its " + what + " is cut short");
        byte[] x = new byte[n];
        b.get(x);
        return x;
    }

    private static BigInteger mpint(ByteBuffer b, String what) {
        byte[] x = bytes(b, what);
        if (x.length == 0) throw bad("its RSA " + what + " is empty");
        return new BigInteger(x);
    }

    private static String string(ByteBuffer b, String what) {
        return new String(bytes(b, what), StandardCharsets.US_ASCII);
    }

    private static InvalidInputException bad(String why) {
        return new InvalidInputException("not a valid SSH public key: " + why);
    }

    /**
     * Each line parsed, a refusal naming the line ({@code where} of its 0-based index, such as "line 3 of
     * id.pub" or "sshKeys[2]"): several keys are given at once, and "unsupported SSH key type" alone does not say which.
     */
    public static java.util.List<SshPublicKey> parseAll(java.util.List<String> lines, java.util.function.IntFunction<String> where) {
        java.util.List<SshPublicKey> out = new java.util.ArrayList<>(lines.size());
        for (int i = 0; i < lines.size(); i++) {
            try {
                out.add(parse(lines.get(i)));
            } catch (InvalidInputException e) {
                throw new InvalidInputException(where.apply(i) + ": " + e.getMessage());
            }
        }
        return java.util.List.copyOf(out);
    }

    /** The index of the first character that is not printable ASCII (TAB and the other control characters are not), or -1. */
    private static int unprintable(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c > 0x7e) return i;
        }
        return -1;
    }

    private static String describe(char c) {
        return switch (c) {
            case '\t' -> "a TAB";
            case '\r' -> "a carriage return (CR)";
            case '\n' -> "a line break";
            default -> c < 0x20 || c == 0x7f ? String.format("control character 0x%02x", (int) c) : String.format("the non-ASCII character U+%04X", (int) c);
        };
    }
}
