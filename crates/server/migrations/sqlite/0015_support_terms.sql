-- Support terms, their acceptance, and the first-line checklists (see src/db/terms.rs).
-- The same file serves SQLite and PostgreSQL.
--
-- support_terms: each published version, never edited; content is the TermsContent
-- JSON (pages in both languages and the named exclusions). id is the version's entity
-- id in the change feed.
CREATE TABLE support_terms (
    version      BIGINT PRIMARY KEY,
    id           TEXT NOT NULL UNIQUE,
    content      TEXT NOT NULL,
    published_by TEXT NOT NULL REFERENCES users(id),
    published_at BIGINT NOT NULL
);

-- The one draft an admin is writing (slot is always 1); it never reaches the feed.
CREATE TABLE support_terms_draft (
    slot     BIGINT PRIMARY KEY,
    content  TEXT NOT NULL,
    saved_by TEXT NOT NULL REFERENCES users(id),
    saved_at BIGINT NOT NULL
);

-- One acceptance per organisation and version: the first ticket filed under it.
CREATE TABLE terms_acceptances (
    id          TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL REFERENCES organisations(id),
    version     BIGINT NOT NULL REFERENCES support_terms(version),
    user_id     TEXT NOT NULL REFERENCES users(id),
    ticket_id   TEXT NOT NULL,
    accepted_at BIGINT NOT NULL,
    UNIQUE (org_id, version)
);

-- The first-line checks per category. category_key: the category trimmed and
-- lower-cased ('' for the default list); category: as the admin wrote it. items: JSON
-- array of {id, en, ar}.
CREATE TABLE checklists (
    id           TEXT PRIMARY KEY,
    category_key TEXT NOT NULL UNIQUE,
    category     TEXT NOT NULL,
    items        TEXT NOT NULL,
    updated_by   TEXT NOT NULL REFERENCES users(id),
    updated_at   BIGINT NOT NULL
);
