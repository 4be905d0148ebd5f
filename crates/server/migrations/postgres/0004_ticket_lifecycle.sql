-- Closing the loop (see src/db/lifecycle.rs). The same file serves SQLite and
-- PostgreSQL.
--
-- reopen_until: while a ticket is solved, until when its requester may reopen it.
-- reminded_pending_since: the start (sla_paused_at) of the stay in pending whose
-- customer was last reminded; a stay that began later has not been reminded yet.
ALTER TABLE tickets ADD COLUMN reopen_until BIGINT;
ALTER TABLE tickets ADD COLUMN reminded_pending_since BIGINT;

-- The actor of what the server's own jobs write on a timeline. Its password hash is no
-- hash at all, so no password matches it, and it is left out of every list of people.
INSERT INTO users (id, email, name, role, org_id, tier, locale, phone, password_hash, created_at)
VALUES ('00000000-0000-0000-0000-000000000000', 'system@tadhkira.invalid', 'Tadhkira',
        'system', NULL, NULL, 'en', NULL, '!', 0);
