-- Sign-in slowing counters, shared by every server process on this database and kept
-- across restarts. One row per account ('account:<e-mail>') or client address
-- ('address:<ip>'): how many attempts failed in a row, and the earliest time (unix ms)
-- the next attempt may be checked. The same file serves SQLite and PostgreSQL.

CREATE TABLE sign_in_slowing (
    key TEXT PRIMARY KEY,
    failures BIGINT NOT NULL,
    next_allowed_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE INDEX sign_in_slowing_updated ON sign_in_slowing (updated_at);
