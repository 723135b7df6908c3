-- Jobs (issue 14): work run in a host's rescue system by its agent, with their output. Keyed by host
-- name like events and rescue activations, so a job's record outlives the host. The script is stored
-- as given (it is what ran); output is stored per chunk, in order, at most jobs.max-output bytes per job.
CREATE TABLE jobs (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    host         TEXT    NOT NULL CHECK (length(host) <= 63),
    name         TEXT    NOT NULL CHECK (length(name) <= 200),
    script       BLOB    NOT NULL CHECK (length(script) <= 1048576),
    env          TEXT    NOT NULL CHECK (length(env) <= 70000),  -- NAME=value lines
    timeout_s    INTEGER NOT NULL CHECK (timeout_s BETWEEN 1 AND 86400),
    state        TEXT    NOT NULL CHECK (state IN ('queued', 'running', 'succeeded', 'failed', 'cancelled', 'timed-out', 'lost')),
    cancel       INTEGER NOT NULL DEFAULT 0 CHECK (cancel IN (0, 1)),  -- asked for while running: the agent learns it at its next chunk
    created_at   INTEGER NOT NULL,
    created_by   TEXT    NOT NULL CHECK (length(created_by) <= 128),
    started_at   INTEGER,
    finished_at  INTEGER,
    activation   INTEGER,                                            -- the rescue activation whose system runs it
    boot_token   TEXT    CHECK (length(boot_token) = 64),            -- and which boot of it
    end_word     TEXT    CHECK (length(end_word) <= 220),            -- "exit 0", "signal 9", "timeout", "cancelled", "failed ..."
    reason       TEXT    CHECK (length(reason) <= 300),              -- why lost or cancelled, by whom
    acked        INTEGER NOT NULL DEFAULT 0,                         -- highest chunk seq received in order
    stored_bytes INTEGER NOT NULL DEFAULT 0,
    truncated    INTEGER NOT NULL DEFAULT 0 CHECK (truncated IN (0, 1))
) STRICT;
CREATE INDEX jobs_host ON jobs (host, id);
CREATE INDEX jobs_state ON jobs (state, id);
CREATE TABLE job_output (
    job_id INTEGER NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    seq    INTEGER NOT NULL,
    stream TEXT    NOT NULL CHECK (stream IN ('out', 'err')),
    at     INTEGER NOT NULL,
    data   BLOB    NOT NULL CHECK (length(data) <= 65536),
    PRIMARY KEY (job_id, seq)
) STRICT;
