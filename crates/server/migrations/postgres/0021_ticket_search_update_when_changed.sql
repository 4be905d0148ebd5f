-- PostgreSQL copy; the SQLite one (migrations/sqlite/0021_ticket_search_update_when_changed.sql)
-- narrows the trigger that keeps SQLite's trigram index. The two differ on purpose (see
-- schema.rs). PostgreSQL's trigram indexes (0009) are indexes, kept by PostgreSQL
-- itself: nothing to change here.
SELECT 1;
