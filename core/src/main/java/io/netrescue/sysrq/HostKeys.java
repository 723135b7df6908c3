package io.netrescue.sysrq;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Per-host keys derived from the server's master key: HMAC-SHA256(master, "netrescue/sysrq/v1/" + host).
 * A host holds only its own key, so a key leaked from one host opens that host and no other; the
 * server needs to store only the master key.
 */
public final class HostKeys {
    private static final String LABEL = "netrescue/sysrq/v1/";

    private HostKeys() {}

    public static byte[] derive(byte[] master, String host) {
        return hmac(master, LABEL + host);
    }

    /**
     * The key of one incarnation of {@code host}: with its salt (hosts added since salts exist; a host removed
     * and added again gets a new one, so the removed machine's key opens nothing), HMAC-SHA256(master,
     * "netrescue/sysrq/v2/" + host + "/" + salt); without (hosts added before), the v1 derivation.
     */
    public static byte[] derive(byte[] master, String host, java.util.Optional<String> salt) {
        return salt.map(s -> hmac(master, "netrescue/sysrq/v2/" + host + "/" + s)).orElseGet(() -> derive(master, host));
    }

    /**
     * The key of the agent in one rescue activation's system: HMAC-SHA256(master,
     * "netrescue/rescue-agent/v1/" + host + "/" + activation). The rescue system receives it over the
     * per-boot channel; it is not the host's own key, so whoever learns it (a token seen on the wire)
     * reaches that rescue system's agent while the activation lives, and never the installed system's.
     */
    public static byte[] deriveRescue(byte[] master, String host, long activation) {
        return hmac(master, "netrescue/rescue-agent/v1/" + host + "/" + activation);
    }

    private static byte[] hmac(byte[] master, String label) {
        if (master.length < 32) throw new IllegalArgumentException("master key shorter than 256 bits");
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(master, "HmacSHA256"));
            return mac.doFinal(label.getBytes(StandardCharsets.US_ASCII));
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException(e);
        }
    }
}
