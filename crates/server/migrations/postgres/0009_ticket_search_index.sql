-- PostgreSQL copy; the SQLite one (migrations/sqlite/0009_ticket_search_index.sql)
-- builds the same index its own way. The two differ on purpose (see schema.rs).
--
-- GET /api/v1/tickets?q= finds text anywhere in a ticket's title or description with
-- LOWER(…) LIKE '%q%'. Trigram GIN indexes on exactly those expressions let PostgreSQL
-- answer it from the index instead of reading every ticket. pg_trgm ships with
-- PostgreSQL and is a trusted extension (13+): the database's owner may create it.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE INDEX tickets_title_trgm ON tickets USING gin (LOWER(title) gin_trgm_ops);
CREATE INDEX tickets_description_trgm ON tickets USING gin (LOWER(description) gin_trgm_ops);
