-- Network SysRq per host. The xt_SYSRQ password is sealed (AES-256-GCM) with a key derived from
-- DATA/master-key, so a copy of the database alone does not reveal it; agent keys are derived from
-- the same master key and never stored.
CREATE TABLE host_sysrq (
    host_id      BIGINT       PRIMARY KEY REFERENCES hosts (id) ON DELETE CASCADE,
    dialect      VARCHAR(8)   NOT NULL,
    address      VARCHAR(45)  NOT NULL,
    agent_port   INT          NOT NULL,
    xt_port      INT          NOT NULL,
    hash_address VARCHAR(45),
    xt_hash      VARCHAR(8)   NOT NULL,
    xt_password  VARCHAR(512),
    allowed_keys VARCHAR(36)  NOT NULL,
    seq          BIGINT       NOT NULL,
    updated_at   TIMESTAMP WITH TIME ZONE NOT NULL
);
