-- The support terms, the organisation's acceptances of them and the first-line
-- checklists, pulled like articles (see src/store/terms.rs) so the Support policy
-- screen and the new-ticket form work offline. data: the entity's JSON as pulled.
CREATE TABLE support_terms (
    version INTEGER PRIMARY KEY,
    data    TEXT NOT NULL
);

CREATE TABLE terms_acceptances (
    id      TEXT PRIMARY KEY NOT NULL,
    org_id  TEXT NOT NULL,
    version INTEGER NOT NULL,
    data    TEXT NOT NULL
);
CREATE INDEX terms_acceptances_org ON terms_acceptances (org_id, version);

-- category_key: the category trimmed and lower-cased ('' for the default list).
CREATE TABLE checklists (
    id           TEXT PRIMARY KEY NOT NULL,
    category_key TEXT NOT NULL,
    data         TEXT NOT NULL
);
CREATE INDEX checklists_category ON checklists (category_key);
