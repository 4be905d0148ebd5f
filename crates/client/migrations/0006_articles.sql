-- The knowledge base, pulled like tickets (see src/store/articles.rs). data: the
-- article's JSON as pulled. Staff stores keep drafts and archived articles too; the
-- suggestions read published ones only.
CREATE TABLE articles (
    rid    INTEGER PRIMARY KEY,
    id     TEXT NOT NULL UNIQUE,
    lang   TEXT NOT NULL,
    status TEXT NOT NULL,
    data   TEXT NOT NULL
);

-- Full-text search of articles: title and body normalised in Rust (crate::normalize),
-- with the article's words also indexed without their Arabic article prefix (ال…), so
-- "طابعة" finds "الطابعة". rowid = articles.rid.
CREATE VIRTUAL TABLE article_fts USING fts5 (title, body, tokenize = 'unicode61 remove_diacritics 2');
