-- The response policy in the database (see src/db/policy.rs). The same file serves
-- SQLite and PostgreSQL.
--
-- sla_policies: each version of the response targets and business hours, never edited;
-- an admin's change inserts the next version. Version 1 is seeded from the server's
-- configuration ([sla]) the first time the server needs it, so it is written by Rust,
-- not here. targets_json is a ResponseTargets, hours_json a BusinessHours or NULL
-- (wall-clock time).
CREATE TABLE sla_policies (
    version      BIGINT PRIMARY KEY,
    targets_json TEXT NOT NULL,
    hours_json   TEXT,
    created_by   TEXT NOT NULL REFERENCES users(id),
    created_at   BIGINT NOT NULL
);

-- The policy version a ticket was filed under: its due times follow that version for
-- its whole life. NULL for tickets filed before this migration, which were filed under
-- the configuration's targets, that is version 1.
ALTER TABLE tickets ADD COLUMN sla_policy_version BIGINT;
