-- Liveness and the escalation ladder per host. Written on every change of state (not on every
-- heartbeat), so a restarted server knows which hosts were down and where each ladder run stood.
CREATE TABLE host_health (
    host_id        BIGINT       PRIMARY KEY REFERENCES hosts (id) ON DELETE CASCADE,
    state          VARCHAR(16)  NOT NULL,
    since          TIMESTAMP WITH TIME ZONE NOT NULL,
    reason         VARCHAR(256) NOT NULL,
    last_seen      TIMESTAMP WITH TIME ZONE,
    seen_via       VARCHAR(64),
    boot_id        VARCHAR(36),
    kernel         VARCHAR(64),
    maintenance    BOOLEAN      NOT NULL,
    silenced_until TIMESTAMP WITH TIME ZONE,
    silence_reason VARCHAR(256),
    ladder         VARCHAR(4000),
    updated_at     TIMESTAMP WITH TIME ZONE NOT NULL
);
-- Power drivers per host, tried in order of pos. settings is the driver's key=value settings as JSON;
-- secret (password, community, passphrases) is sealed with a key derived from DATA/master-key.
CREATE TABLE host_power (
    host_id    BIGINT        NOT NULL REFERENCES hosts (id) ON DELETE CASCADE,
    kind       VARCHAR(16)   NOT NULL,
    pos        INT           NOT NULL,
    settings   VARCHAR(4000) NOT NULL,
    secret     VARCHAR(1024),
    timeout_ms INT           NOT NULL,
    updated_at TIMESTAMP WITH TIME ZONE NOT NULL,
    PRIMARY KEY (host_id, kind)
);
