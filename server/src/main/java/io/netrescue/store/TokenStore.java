package io.netrescue.store;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Optional;
import org.jdbi.v3.core.Handle;

/**
 * Per-boot tokens. Only a SHA-256 of each token is stored, so a copy of the database does not let
 * anyone act as a booting host.
 */
public final class TokenStore {

    public record Issued(String host, String profile, Instant issuedAt, Instant expiresAt, Optional<Instant> usedAt) {}

    public void issue(Handle h, String token, String host, String profile, Instant now, Instant expires) {
        h.createUpdate("INSERT INTO boot_tokens (token_hash, host, profile, issued_at, expires_at) VALUES (?, ?, ?, ?, ?)")
                .bind(0, hash(token)).bind(1, host).bind(2, profile).bind(3, SqlTime.of(now)).bind(4, SqlTime.of(expires)).execute();
        // Keep the table small: drop tokens that expired a day ago.
        h.createUpdate("DELETE FROM boot_tokens WHERE expires_at < ?").bind(0, SqlTime.of(now.minusSeconds(86400))).execute();
    }

    /** The token's record if it exists and has not expired; marks it used. */
    public Optional<Issued> redeem(Handle h, String token, Instant now) {
        Optional<Issued> t = find(h, token, now);
        if (t.isPresent()) h.createUpdate("UPDATE boot_tokens SET used_at = ? WHERE token_hash = ?").bind(0, SqlTime.of(now)).bind(1, hash(token)).execute();
        return t;
    }

    /** The token's record if it exists and has not expired; read only. */
    public Optional<Issued> find(Handle h, String token, Instant now) {
        Optional<Issued> t = h.createQuery("SELECT host, profile, issued_at, expires_at, used_at FROM boot_tokens WHERE token_hash = ?")
                .bind(0, hash(token)).map((rs, ctx) -> new Issued(rs.getString(1), rs.getString(2),
                        SqlTime.get(rs, "issued_at").orElseThrow(), SqlTime.get(rs, "expires_at").orElseThrow(),
                        SqlTime.get(rs, "used_at"))).findOne();
        return t.filter(x -> now.isBefore(x.expiresAt()));
    }

    /** Lets a token live until {@code until} if it would expire sooner (a rescue boot's token lives as long as its activation). */
    public void extend(Handle h, String token, Instant until) {
        h.createUpdate("UPDATE boot_tokens SET expires_at = ? WHERE token_hash = ? AND expires_at < ?")
                .bind(0, SqlTime.of(until)).bind(1, hash(token)).bind(2, SqlTime.of(until)).execute();
    }

    public static String hash(String token) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
