-- Rescue hardening (issue 13, attack findings H1, M2, M3).
-- The boot that speaks for an activation: the hash and issue time of the per-boot token that fetched
-- its settings. Only that boot may fetch them again (without a new event), report ready once, ask
-- whether it is alive or fetch its agent configuration; a token of an earlier boot is refused, so a
-- token seen on the wire cannot reset the activation and replace the host keys netrescue vouches for.
ALTER TABLE rescue_activations ADD COLUMN boot_token_hash TEXT CHECK (length(boot_token_hash) = 64);
ALTER TABLE rescue_activations ADD COLUMN boot_issued_at INTEGER;
-- The whole boot state the host had before the activation, which `rescue end` puts back: its expiry,
-- and for a once, the mode it returns to afterwards (prev_mode/prev_profile hold the mode itself).
ALTER TABLE rescue_activations ADD COLUMN prev_expires_at INTEGER;
ALTER TABLE rescue_activations ADD COLUMN then_mode TEXT CHECK (length(then_mode) <= 16);
ALTER TABLE rescue_activations ADD COLUMN then_profile TEXT CHECK (length(then_profile) <= 63);
ALTER TABLE rescue_activations ADD COLUMN then_expires_at INTEGER;
