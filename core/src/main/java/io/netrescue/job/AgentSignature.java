package io.netrescue.job;

import io.netrescue.inventory.HostName;
import io.netrescue.inventory.InvalidInputException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * How an installed host's agent proves itself on the job channel ({@code /agent/jobs/*},
 * {@code docs/protocols/jobs.md}): no per-boot token exists there, so each request carries
 * {@code Authorization: Netrescue-Agent host=NAME ts=UNIX-SECONDS nonce=32-HEX mac=64-HEX}, where mac is
 * HMAC-SHA256 with the host's agent key (the {@code key} of its agent.conf) over
 * {@code netrescue-agent-jobs-v1 LF host LF METHOD LF path?query LF ts LF nonce LF hex(SHA-256(body))}.
 * The server checks the MAC (constant time), the clock ({@code ts} within its window) and that the
 * nonce was not seen within the window: a recorded request cannot be replayed, altered, or sent for
 * another host. Pure: parsing and signing only, no clock and no I/O.
 */
public final class AgentSignature {
    public static final String SCHEME = "Netrescue-Agent";
    private static final String DOMAIN = "netrescue-agent-jobs-v1";
    private static final Pattern HEADER = Pattern.compile(
            "Netrescue-Agent host=([a-z0-9._-]{1,63}) ts=(0|[1-9][0-9]{0,11}) nonce=([0-9a-f]{32}) mac=([0-9a-f]{64})");
    private static final HexFormat HEX = HexFormat.of();

    /** A parsed header: who claims to send, when, its nonce and MAC. */
    public record Claim(String host, long ts, String nonce, String mac) {}

    private AgentSignature() {}

    /** The header value for one request. */
    public static String header(byte[] key, String host, String method, String pathAndQuery, long ts, String nonce, byte[] body) {
        return SCHEME + " host=" + host + " ts=" + ts + " nonce=" + nonce + " mac=" + mac(key, host, method, pathAndQuery, ts, nonce, body);
    }

    /** Parses a header value strictly (one spelling); {@link InvalidInputException} says what is wrong. */
    public static Claim parse(String value) {
        if (value == null) throw new InvalidInputException("no Authorization header");
        if (value.length() > 300) throw new InvalidInputException("Authorization header too long");
        Matcher m = HEADER.matcher(value);
        if (!m.matches()) {
            throw new InvalidInputException("Authorization must be 'Netrescue-Agent host=NAME ts=SECONDS nonce=32-HEX mac=64-HEX'");
        }
        HostName.check(m.group(1));
        return new Claim(m.group(1), Long.parseLong(m.group(2)), m.group(3), m.group(4));
    }

    /** Whether {@code c}'s MAC is right for this request under {@code key} (constant-time comparison). */
    public static boolean verify(byte[] key, Claim c, String method, String pathAndQuery, byte[] body) {
        byte[] want = HEX.parseHex(mac(key, c.host(), method, pathAndQuery, c.ts(), c.nonce(), body));
        return MessageDigest.isEqual(want, HEX.parseHex(c.mac()));
    }

    static String mac(byte[] key, String host, String method, String pathAndQuery, long ts, String nonce, byte[] body) {
        try {
            String text = DOMAIN + "\n" + host + "\n" + method + "\n" + pathAndQuery + "\n" + ts + "\n" + nonce + "\n"
                    + HEX.formatHex(MessageDigest.getInstance("SHA-256").digest(body));
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return HEX.formatHex(mac.doFinal(text.getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HMAC-SHA256 unavailable", e);
        }
    }
}
