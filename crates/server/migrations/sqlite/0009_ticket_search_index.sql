-- SQLite copy; the PostgreSQL one (migrations/postgres/0009_ticket_search_index.sql)
-- builds the same index its own way. The two differ on purpose (see schema.rs).
--
-- GET /api/v1/tickets?q= finds text anywhere in a ticket's title or description. As
-- LIKE '%q%' that read every ticket. A trigram full-text index answers the same
-- substring question from the index: FTS5 with the trigram tokenizer (case-folded),
-- one row per ticket keyed by its number (a ticket's stable integer; the implicit
-- rowid of `tickets` may change on VACUUM), kept current by triggers.
CREATE VIRTUAL TABLE ticket_search USING fts5(title, description, tokenize = 'trigram');

INSERT INTO ticket_search (rowid, title, description)
    SELECT number, title, description FROM tickets;

CREATE TRIGGER ticket_search_insert AFTER INSERT ON tickets BEGIN
    INSERT INTO ticket_search (rowid, title, description)
        VALUES (new.number, new.title, new.description);
END;

CREATE TRIGGER ticket_search_update AFTER UPDATE OF title, description ON tickets BEGIN
    UPDATE ticket_search SET title = new.title, description = new.description
        WHERE rowid = new.number;
END;

CREATE TRIGGER ticket_search_delete AFTER DELETE ON tickets BEGIN
    DELETE FROM ticket_search WHERE rowid = old.number;
END;
