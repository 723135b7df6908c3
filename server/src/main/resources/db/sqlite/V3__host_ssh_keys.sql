-- SSH public keys registered per host (issue 13): every rescue activation of the host carries them,
-- so an activation needs no --ssh-key and the watchdog's ladder can send a host to rescue with keys
-- someone can use. Host configuration like host_power, so it goes with the host. One canonical
-- line per key (SshPublicKey.line), keyed by its SHA256 fingerprint as ssh-keygen -l prints it.
CREATE TABLE host_ssh_keys (
    host_id     INTEGER NOT NULL REFERENCES hosts (id) ON DELETE CASCADE,
    fingerprint TEXT    NOT NULL CHECK (length(fingerprint) <= 64),
    key_line    TEXT    NOT NULL CHECK (length(key_line) <= 8192),
    added_at    INTEGER NOT NULL,
    added_by    TEXT    NOT NULL CHECK (length(added_by) <= 128),
    PRIMARY KEY (host_id, fingerprint)
) STRICT;
