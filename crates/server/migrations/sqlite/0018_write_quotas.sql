-- Per-user write quotas, shared by every server process on this database (see
-- src/db/quota.rs). One row per user who has written: the generic cell rate algorithm
-- keeps a single number, the time (unix microseconds) at which the user's bucket would
-- be empty again had they written nothing since; a write of n mutations moves it on by
-- n intervals and is allowed while it stays within the burst of now. Refilling costs
-- nothing: time passing is the refill. The same file serves SQLite and PostgreSQL.
CREATE TABLE write_quotas (
    user_id            TEXT PRIMARY KEY NOT NULL,
    theoretical_at_us  BIGINT NOT NULL
);
