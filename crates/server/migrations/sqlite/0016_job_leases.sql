-- Scheduled jobs run in one server process at a time. Before a run, a process takes the
-- job's lease until `until_ms` (a little less than the job's interval); the others find
-- it held and skip that tick. A holder that dies lets its lease run out: nothing to
-- clean up. `runs` and `last_run_ms` count what actually ran, for operators and tests.
CREATE TABLE job_leases (
    name         TEXT PRIMARY KEY NOT NULL,
    holder       TEXT NOT NULL,
    until_ms     BIGINT NOT NULL,
    runs         BIGINT NOT NULL DEFAULT 0,
    last_run_ms  BIGINT
);
