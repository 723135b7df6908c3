-- Built-in jobs, jobs on installed systems, and what jobs leave behind (issue 14). A job may be a built-in (its name in `builtin`;
-- the script is the built-in's text as this server shipped it, stored like any script), and may end
-- the host's rescue activation when it succeeds (`end_rescue`: the repair done, the host boots its own
-- system again without a person). The `disks` built-in's report is kept per host, as host
-- configuration: it goes with the host.
ALTER TABLE jobs ADD COLUMN builtin TEXT CHECK (builtin IS NULL OR length(builtin) <= 32);
ALTER TABLE jobs ADD COLUMN end_rescue INTEGER NOT NULL DEFAULT 0 CHECK (end_rescue IN (0, 1));
-- where the job runs: the rescue system (the default) or the host's installed, running system, whose
-- agent takes such jobs only when its own configuration allows them (allowed-jobs)
ALTER TABLE jobs ADD COLUMN target TEXT NOT NULL DEFAULT 'rescue' CHECK (target IN ('rescue', 'installed'));
CREATE TABLE host_disks (
    host_id      INTEGER PRIMARY KEY REFERENCES hosts (id) ON DELETE CASCADE,
    report       TEXT    NOT NULL CHECK (length(report) <= 1048576),  -- the disks built-in's JSON, validated
    collected_at INTEGER NOT NULL,
    job_id       INTEGER NOT NULL
) STRICT;
