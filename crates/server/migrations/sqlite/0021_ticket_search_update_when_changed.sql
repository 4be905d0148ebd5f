-- SQLite copy; the PostgreSQL one (migrations/postgres/0021_ticket_search_update_when_changed.sql)
-- has nothing to change. The two differ on purpose (see schema.rs).
--
-- `AFTER UPDATE OF title, description` fires whenever an UPDATE names the column, and
-- every save of a ticket (a reply, a status change) writes its title back unchanged:
-- each rewrote the ticket's trigram index rows. Now only a changed text does.
DROP TRIGGER ticket_search_update;

CREATE TRIGGER ticket_search_update AFTER UPDATE OF title, description ON tickets
    WHEN old.title IS NOT new.title OR old.description IS NOT new.description
BEGIN
    UPDATE ticket_search SET title = new.title, description = new.description
        WHERE rowid = new.number;
END;
