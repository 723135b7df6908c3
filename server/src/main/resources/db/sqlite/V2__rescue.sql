-- Rescue activations (issue 13). Keyed by host name, like events, so the history outlives the host.
-- The root password is stored only as its SHA-512 crypt hash (what the rescue system's /etc/shadow
-- takes); the SSH keys are the operator's public keys, one canonical line each.
CREATE TABLE rescue_activations (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    host          TEXT    NOT NULL CHECK (length(host) <= 63),
    activated_at  INTEGER NOT NULL,
    expires_at    INTEGER NOT NULL,
    state         TEXT    NOT NULL CHECK (state IN ('activated', 'booted', 'ready', 'ended')),
    ssh_keys      TEXT    NOT NULL CHECK (length(ssh_keys) <= 65536),
    password_hash TEXT    CHECK (length(password_hash) <= 128),
    host_keys     TEXT    NOT NULL CHECK (length(host_keys) <= 16384),
    ready_at      INTEGER,
    ended_at      INTEGER,
    end_reason    TEXT    NOT NULL CHECK (length(end_reason) <= 200),
    prev_mode     TEXT    NOT NULL CHECK (length(prev_mode) <= 16),  -- the boot mode "rescue end" puts back
    prev_profile  TEXT    CHECK (length(prev_profile) <= 63)
) STRICT;
CREATE INDEX rescue_activations_host ON rescue_activations (host, id);
