package io.netrescue.rescue.server;

import io.netrescue.boot.BootMode;
import io.netrescue.boot.BootState;
import io.netrescue.rescue.RescueActivation;
import io.netrescue.rescue.SshPublicKey;
import io.netrescue.store.SqlTime;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Handle;

/** {@code rescue_activations}: each activation, its credentials' stored forms and how it went. */
public final class RescueStore {
    /**
     * An activation with the stored hash of its root password (empty: key-only), the boot state the
     * host had before it (which ending the activation puts back) and the boot that speaks for it.
     */
    public record Stored(RescueActivation activation, Optional<String> passwordHash, BootState previous, Optional<Boot> boot) {}

    /** The boot of the rescue system that fetched the activation's settings: its token's hash and issue time. */
    public record Boot(String tokenHash, Instant issuedAt) {}

    private static final String COLUMNS = "id, host, activated_at, expires_at, state, ssh_keys, password_hash, host_keys, ready_at, ended_at, end_reason,"
            + " prev_mode, prev_profile, prev_expires_at, then_mode, then_profile, then_expires_at, boot_token_hash, boot_issued_at";

    /** Inserts a new activation and returns it with its id. */
    public RescueActivation insert(Handle h, RescueActivation a, Optional<String> passwordHash, BootState previous) {
        Optional<BootState> then = previous.previous();
        long id = h.createUpdate("INSERT INTO rescue_activations (host, activated_at, expires_at, state, ssh_keys, password_hash, host_keys, end_reason,"
                        + " prev_mode, prev_profile, prev_expires_at, then_mode, then_profile, then_expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
                .bind(0, a.host()).bind(1, SqlTime.of(a.activatedAt())).bind(2, SqlTime.of(a.expiresAt())).bind(3, a.state().word())
                .bind(4, lines(a.sshKeys())).bind(5, passwordHash.orElse(null)).bind(6, lines(a.hostKeys())).bind(7, a.endReason())
                .bind(8, previous.mode().kind()).bind(9, previous.mode().profileName().orElse(null)).bind(10, previous.expiresAt().map(SqlTime::of).orElse(null))
                .bind(11, then.map(t -> t.mode().kind()).orElse(null)).bind(12, then.flatMap(t -> t.mode().profileName()).orElse(null))
                .bind(13, then.flatMap(BootState::expiresAt).map(SqlTime::of).orElse(null))
                .executeAndReturnGeneratedKeys("id").mapTo(Long.class).one();
        return new RescueActivation(id, a.host(), a.activatedAt(), a.expiresAt(), a.state(), a.sshKeys(), a.password(), a.hostKeys(),
                a.readyAt(), a.endedAt(), a.endReason());
    }

    /** Writes the activation's state, host keys and end; the credentials never change. */
    public void update(Handle h, RescueActivation a) {
        int n = h.createUpdate("UPDATE rescue_activations SET state = ?, host_keys = ?, ready_at = ?, ended_at = ?, end_reason = ? WHERE id = ?")
                .bind(0, a.state().word()).bind(1, lines(a.hostKeys())).bind(2, a.readyAt().map(SqlTime::of).orElse(null))
                .bind(3, a.endedAt().map(SqlTime::of).orElse(null)).bind(4, a.endReason()).bind(5, a.id()).execute();
        if (n != 1) throw new IllegalStateException("rescue activation " + a.id() + " is not stored");
    }

    /** A new boot of the rescue system speaks for the activation from now on (an earlier boot's token no longer does). */
    public void booted(Handle h, long activation, Boot boot) {
        h.createUpdate("UPDATE rescue_activations SET boot_token_hash = ?, boot_issued_at = ? WHERE id = ?")
                .bind(0, boot.tokenHash()).bind(1, SqlTime.of(boot.issuedAt())).bind(2, activation).execute();
    }

    /** The host's newest activation, live or not. */
    public Optional<Stored> latest(Handle h, String host) {
        return h.createQuery("SELECT " + COLUMNS + " FROM rescue_activations WHERE host = ? ORDER BY id DESC LIMIT 1")
                .bind(0, host).map((rs, ctx) -> stored(rs)).findOne();
    }

    /** The host's activations, newest first. */
    public List<RescueActivation> history(Handle h, String host, int limit) {
        return h.createQuery("SELECT " + COLUMNS + " FROM rescue_activations WHERE host = ? ORDER BY id DESC LIMIT ?")
                .bind(0, host).bind(1, limit).map((rs, ctx) -> stored(rs).activation()).list();
    }

    private static Stored stored(ResultSet rs) throws SQLException {
        Optional<String> hash = Optional.ofNullable(rs.getString("password_hash"));
        var a = new RescueActivation(rs.getLong("id"), rs.getString("host"), SqlTime.require(rs, "activated_at"), SqlTime.require(rs, "expires_at"),
                RescueActivation.State.valueOf(rs.getString("state").toUpperCase(java.util.Locale.ROOT)), keys(rs.getString("ssh_keys")),
                hash.isPresent(), keys(rs.getString("host_keys")), SqlTime.get(rs, "ready_at"), SqlTime.get(rs, "ended_at"), rs.getString("end_reason"));
        String thenMode = rs.getString("then_mode");
        Optional<BootState> then = thenMode == null ? Optional.empty()
                : Optional.of(BootState.of(BootMode.of(thenMode, rs.getString("then_profile")), SqlTime.get(rs, "then_expires_at")));
        BootState previous = new BootState(BootMode.of(rs.getString("prev_mode"), rs.getString("prev_profile")), SqlTime.get(rs, "prev_expires_at"), then);
        String token = rs.getString("boot_token_hash");
        Optional<Boot> boot = token == null ? Optional.empty() : Optional.of(new Boot(token, SqlTime.get(rs, "boot_issued_at").orElseThrow()));
        return new Stored(a, hash, previous, boot);
    }

    private static String lines(List<SshPublicKey> keys) {
        return String.join("\n", keys.stream().map(SshPublicKey::line).toList());
    }

    private static List<SshPublicKey> keys(String lines) {
        return lines.isEmpty() ? List.of() : Arrays.stream(lines.split("\n")).map(SshPublicKey::parse).toList();
    }
}
