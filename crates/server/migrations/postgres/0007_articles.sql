-- The knowledge base (see src/db/articles.rs). The same file serves SQLite and
-- PostgreSQL.
--
-- group_id: the translation group; every translation of one article shares it (the
-- first article's id). tags: a JSON array of strings. version counts every save.
CREATE TABLE articles (
    id         TEXT PRIMARY KEY,
    group_id   TEXT NOT NULL,
    lang       TEXT NOT NULL,
    title      TEXT NOT NULL,
    body       TEXT NOT NULL,
    category   TEXT,
    tags       TEXT NOT NULL,
    status     TEXT NOT NULL,
    author_id  TEXT NOT NULL REFERENCES users(id),
    version    BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX articles_group ON articles(group_id);
CREATE INDEX articles_status ON articles(status, updated_at);

-- Every save keeps the state it replaced: staff can list and restore these.
CREATE TABLE article_versions (
    article_id TEXT NOT NULL REFERENCES articles(id),
    version    BIGINT NOT NULL,
    title      TEXT NOT NULL,
    body       TEXT NOT NULL,
    status     TEXT NOT NULL,
    author_id  TEXT NOT NULL REFERENCES users(id),
    saved_at   BIGINT NOT NULL,
    PRIMARY KEY (article_id, version)
);

-- "This solved it", one row per applied deflection mutation.
CREATE TABLE article_deflections (
    mutation_id TEXT PRIMARY KEY,
    article_id  TEXT NOT NULL REFERENCES articles(id),
    user_id     TEXT NOT NULL REFERENCES users(id),
    created_at  BIGINT NOT NULL
);
CREATE INDEX article_deflections_article ON article_deflections(article_id);
