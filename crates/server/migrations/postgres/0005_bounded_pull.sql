-- A pull carries each entity once, at its newest change: finding whether a feed row
-- has a newer one for the same entity needs the rows of one entity in seq order. The
-- same file serves SQLite and PostgreSQL.

CREATE INDEX changes_entity_seq ON changes (entity_id, seq);
