-- netrescue's embedded store, SQLite (WAL, synchronous=FULL): the schema of the H2 store's V1-V6 in one step.
-- Conventions: STRICT tables (a value of the wrong type is an error, as it was in H2); the length limits
-- H2 enforced through VARCHAR(n) are CHECKs; timestamps are INTEGER microseconds since the epoch (UTC):
-- exact, ordered and the precision PostgreSQL's timestamptz has; booleans are INTEGER 0/1.

CREATE TABLE hosts (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    name            TEXT    NOT NULL UNIQUE CHECK (length(name) <= 63),
    uuid            TEXT    UNIQUE CHECK (length(uuid) <= 36),
    boot_mode       TEXT    NOT NULL CHECK (length(boot_mode) <= 16),
    boot_profile    TEXT    CHECK (length(boot_profile) <= 63),
    boot_expires_at INTEGER,
    prev_mode       TEXT    CHECK (length(prev_mode) <= 16),
    prev_profile    TEXT    CHECK (length(prev_profile) <= 63),
    prev_expires_at INTEGER,
    version         INTEGER NOT NULL,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
) STRICT;

CREATE TABLE host_macs (
    mac     TEXT    PRIMARY KEY CHECK (length(mac) = 17),
    host_id INTEGER NOT NULL REFERENCES hosts (id) ON DELETE CASCADE,
    pos     INTEGER NOT NULL
) STRICT;
CREATE INDEX host_macs_host ON host_macs (host_id);

CREATE TABLE host_ips (
    host_id INTEGER NOT NULL REFERENCES hosts (id) ON DELETE CASCADE,
    ip      TEXT    NOT NULL CHECK (length(ip) <= 45),
    pos     INTEGER NOT NULL,
    PRIMARY KEY (host_id, ip)
) STRICT;

CREATE TABLE host_labels (
    host_id INTEGER NOT NULL REFERENCES hosts (id) ON DELETE CASCADE,
    k       TEXT    NOT NULL CHECK (length(k) <= 63),
    v       TEXT    NOT NULL CHECK (length(v) <= 128),
    PRIMARY KEY (host_id, k)
) STRICT;

CREATE TABLE profiles (
    name       TEXT    PRIMARY KEY CHECK (length(name) <= 63),
    kernel     TEXT    NOT NULL CHECK (length(kernel) <= 1024),
    cmdline    TEXT    NOT NULL CHECK (length(cmdline) <= 2048),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;

CREATE TABLE profile_initrds (
    profile TEXT    NOT NULL REFERENCES profiles (name) ON DELETE CASCADE,
    pos     INTEGER NOT NULL,
    source  TEXT    NOT NULL CHECK (length(source) <= 1024),
    PRIMARY KEY (profile, pos)
) STRICT;

-- The audit log and host timeline. host is a name, not a key: history outlives the host. Ids are
-- assigned by EventStore (one sequence shared with the audit journal).
CREATE TABLE events (
    id          INTEGER PRIMARY KEY,
    at          INTEGER NOT NULL,
    host        TEXT    CHECK (length(host) <= 63),
    kind        TEXT    NOT NULL CHECK (length(kind) <= 32),
    actor       TEXT    NOT NULL CHECK (length(actor) <= 128),
    mac         TEXT    CHECK (length(mac) <= 64),
    reported_ip TEXT    CHECK (length(reported_ip) <= 64),
    source_ip   TEXT    CHECK (length(source_ip) <= 45),
    decision    TEXT    CHECK (length(decision) <= 160),
    reason      TEXT    CHECK (length(reason) <= 1024)
) STRICT;
CREATE INDEX events_host ON events (host, id);

-- Machines that asked to boot but are not in the inventory, for an operator to adopt.
CREATE TABLE discovered (
    mac        TEXT    PRIMARY KEY CHECK (length(mac) = 17),
    uuid       TEXT    CHECK (length(uuid) <= 36),
    last_ip    TEXT    CHECK (length(last_ip) <= 45),
    arch       TEXT    CHECK (length(arch) <= 16),
    first_seen INTEGER NOT NULL,
    last_seen  INTEGER NOT NULL,
    requests   INTEGER NOT NULL
) STRICT;

-- Per-boot tokens handed to a booting system (kernel command line {token}); stored hashed.
CREATE TABLE boot_tokens (
    token_hash TEXT    PRIMARY KEY CHECK (length(token_hash) = 64),
    host       TEXT    NOT NULL CHECK (length(host) <= 63),
    profile    TEXT    NOT NULL CHECK (length(profile) <= 63),
    issued_at  INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at    INTEGER
) STRICT;
CREATE INDEX boot_tokens_host ON boot_tokens (host);

-- Network SysRq per host. The xt_SYSRQ password is sealed (AES-256-GCM) with a key derived from
-- DATA/master-key, so a copy of the database alone does not reveal it; agent keys are derived from
-- the same master key and never stored.
CREATE TABLE host_sysrq (
    host_id      INTEGER PRIMARY KEY REFERENCES hosts (id) ON DELETE CASCADE,
    dialect      TEXT    NOT NULL CHECK (length(dialect) <= 8),
    address      TEXT    NOT NULL CHECK (length(address) <= 45),
    agent_port   INTEGER NOT NULL,
    xt_port      INTEGER NOT NULL,
    hash_address TEXT    CHECK (length(hash_address) <= 45),
    xt_hash      TEXT    NOT NULL CHECK (length(xt_hash) <= 8),
    xt_password  TEXT    CHECK (length(xt_password) <= 512),
    allowed_keys TEXT    NOT NULL CHECK (length(allowed_keys) <= 36),
    seq          INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
) STRICT;

-- Full DHCP mode's leases (dhcp.mode = "full"). One row per address; a MAC has at most one row
-- that is not 'declined'. Offers are never stored: only what was acknowledged (bound), released
-- or declined, written durably before the ACK goes out, so a restart hands out the same addresses.
CREATE TABLE dhcp_leases (
    ip         TEXT    PRIMARY KEY CHECK (length(ip) <= 15),
    mac        TEXT    NOT NULL CHECK (length(mac) <= 17),
    state      TEXT    NOT NULL CHECK (length(state) <= 8),
    expires_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;
CREATE INDEX dhcp_leases_mac ON dhcp_leases (mac);

-- Liveness and the escalation ladder per host. Written on every change of state (not on every
-- heartbeat), so a restarted server knows which hosts were down and where each ladder run stood.
CREATE TABLE host_health (
    host_id        INTEGER PRIMARY KEY REFERENCES hosts (id) ON DELETE CASCADE,
    state          TEXT    NOT NULL CHECK (length(state) <= 16),
    since          INTEGER NOT NULL,
    reason         TEXT    NOT NULL CHECK (length(reason) <= 256),
    last_seen      INTEGER,
    seen_via       TEXT    CHECK (length(seen_via) <= 64),
    boot_id        TEXT    CHECK (length(boot_id) <= 36),
    kernel         TEXT    CHECK (length(kernel) <= 64),
    maintenance    INTEGER NOT NULL CHECK (maintenance IN (0, 1)),
    silenced_until INTEGER,
    silence_reason TEXT    CHECK (length(silence_reason) <= 256),
    ladder         TEXT    CHECK (length(ladder) <= 4000),
    updated_at     INTEGER NOT NULL
) STRICT;

-- Power drivers per host, tried in order of pos. settings is the driver's key=value settings as JSON;
-- secret (password, community, passphrases) is sealed with a key derived from DATA/master-key.
CREATE TABLE host_power (
    host_id    INTEGER NOT NULL REFERENCES hosts (id) ON DELETE CASCADE,
    kind       TEXT    NOT NULL CHECK (length(kind) <= 16),
    pos        INTEGER NOT NULL,
    settings   TEXT    NOT NULL CHECK (length(settings) <= 4000),
    secret     TEXT    CHECK (length(secret) <= 1024),
    timeout_ms INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (host_id, kind)
) STRICT;

-- netrescue kernel try: a boot-once test kernel with a deadline. At most one armed trial per host.
-- Kept after it ends (succeeded, failed, cancelled) as the host's trial history. kexec: started by
-- the host's agent (kexec), not by a network boot.
CREATE TABLE kernel_trials (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    host       TEXT    NOT NULL CHECK (length(host) <= 63),
    profile    TEXT    NOT NULL CHECK (length(profile) <= 63),
    started_at INTEGER NOT NULL,
    deadline   INTEGER NOT NULL,
    state      TEXT    NOT NULL CHECK (length(state) <= 16),
    detail     TEXT    NOT NULL CHECK (length(detail) <= 512),
    actor      TEXT    NOT NULL CHECK (length(actor) <= 128),
    kexec      INTEGER NOT NULL DEFAULT 0 CHECK (kexec IN (0, 1))
) STRICT;
CREATE INDEX kernel_trials_host ON kernel_trials (host, id);
