package io.netrescue.secrets;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * The server's root secret, {@code DATA/master-key} (256 random bits, created 0600 at first start).
 * Everything secret derives from it with a label: agents' SysRq keys ({@link io.netrescue.sysrq.HostKeys})
 * and the key that seals stored passwords ({@link #seal}). Back it up with the database: without it
 * the sealed passwords cannot be opened and every agent needs a new key.
 */
public final class MasterKey {
    public static final String FILE = "master-key";
    private static final int NONCE = 12;
    private final byte[] key;
    private final SecretKeySpec sealKey;
    private final SecureRandom random = new SecureRandom();

    private MasterKey(byte[] key) {
        this.key = key;
        this.sealKey = new SecretKeySpec(hmac(key, "netrescue/seal/v1"), "AES");
    }

    public static MasterKey loadOrCreate(Path dataDir) throws IOException {
        byte[] k = SecretFile.readOrCreate(dataDir.resolve(FILE), 32);
        if (k.length != 32) throw new IOException(dataDir.resolve(FILE) + " must hold 256 bits (64 hex digits)");
        return new MasterKey(k);
    }

    /** For deriving per-host keys; never leaves the server. */
    public byte[] bytes() {
        return key.clone();
    }

    /** AES-256-GCM with a random nonce; {@code context} (e.g. the host name) is bound as associated data. */
    public String seal(byte[] plain, String context) {
        try {
            byte[] nonce = new byte[NONCE];
            random.nextBytes(nonce);
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.ENCRYPT_MODE, sealKey, new GCMParameterSpec(128, nonce));
            c.updateAAD(context.getBytes(StandardCharsets.UTF_8));
            byte[] ct = c.doFinal(plain);
            byte[] out = new byte[NONCE + ct.length];
            System.arraycopy(nonce, 0, out, 0, NONCE);
            System.arraycopy(ct, 0, out, NONCE, ct.length);
            return "v1:" + Base64.getEncoder().encodeToString(out);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    public byte[] open(String sealed, String context) {
        if (!sealed.startsWith("v1:")) throw new IllegalStateException("unknown sealed format");
        try {
            byte[] in = Base64.getDecoder().decode(sealed.substring(3));
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.DECRYPT_MODE, sealKey, new GCMParameterSpec(128, in, 0, NONCE));
            c.updateAAD(context.getBytes(StandardCharsets.UTF_8));
            return c.doFinal(in, NONCE, in.length - NONCE);
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new IllegalStateException("cannot open a sealed secret (wrong master key?)", e);
        }
    }

    private static byte[] hmac(byte[] key, String label) {
        try {
            Mac m = Mac.getInstance("HmacSHA256");
            m.init(new SecretKeySpec(key, "HmacSHA256"));
            return m.doFinal(label.getBytes(StandardCharsets.US_ASCII));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
