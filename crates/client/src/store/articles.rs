//! The local knowledge base: pulled articles, their full-text index, and the ranked
//! search behind the new-ticket form's "related articles".
//!
//! Search folds Arabic the way ticket search does ([`crate::normalize`]) and also
//! indexes each word without its Arabic article prefix (`ال`, `وال`, `بال`, `لل`…), so a
//! customer who types "طابعه" finds "الطابعة". What the user typed is free text (a title
//! and a description), so any word may match (`OR`) and bm25 ranks by how many and how
//! rare; the user's language comes first. The matching words are marked in Rust on the
//! article's own text and returned as segments (text + highlighted flag): never HTML.

use sqlx::Row;
use tadhkira_proto::{Article, ArticleStatus};
use uuid::Uuid;

use super::Store;
use crate::error::{EngineError, Result};
use crate::model::{ArticleHit, TextSegment};
use crate::normalize::normalize;

/// Arabic prefixes stripped from a word for the second, prefix-less index form.
const ARABIC_PREFIXES: [&str; 6] = ["وال", "بال", "كال", "فال", "لل", "ال"];

/// A word without its Arabic article prefix, when one is there and enough is left.
fn strip_article(word: &str) -> Option<&str> {
    ARABIC_PREFIXES.iter().find_map(|p| {
        word.strip_prefix(p)
            .filter(|rest| rest.chars().count() >= 3)
    })
}

/// Words of a normalised text.
fn words(norm: &str) -> impl Iterator<Item = &str> {
    norm.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
}

/// The indexed form of a text: normalised, then every word with an Arabic article
/// prefix also without it.
pub(crate) fn index_form(text: &str) -> String {
    let norm = normalize(text);
    let extra: Vec<&str> = words(&norm).filter_map(strip_article).collect();
    if extra.is_empty() {
        norm
    } else {
        format!("{norm}\n{}", extra.join(" "))
    }
}

/// The search terms of what the user typed: normalised words, prefix-less, at least two
/// characters (a lone letter would match half the index), each once.
pub(crate) fn query_terms(input: &str) -> Vec<String> {
    let norm = normalize(input);
    let mut terms: Vec<String> = Vec::new();
    for w in words(&norm) {
        let w = strip_article(w).unwrap_or(w);
        if w.chars().count() >= 2 && !terms.iter().any(|t| t == w) {
            terms.push(w.to_owned());
        }
    }
    terms
}

/// An FTS5 expression where any term may match, each as a prefix.
fn any_term(terms: &[String]) -> Option<String> {
    (!terms.is_empty()).then(|| {
        terms
            .iter()
            .map(|t| format!("\"{t}\"*"))
            .collect::<Vec<_>>()
            .join(" OR ")
    })
}

/// Splits `text` into segments, marking the words whose search form starts with a term
/// (as the index matched them).
pub(crate) fn highlight(text: &str, terms: &[String]) -> Vec<TextSegment> {
    let mut out: Vec<TextSegment> = Vec::new();
    let mut push = |s: &str, highlighted: bool| match out.last_mut() {
        Some(last) if last.highlighted == highlighted => last.text.push_str(s),
        _ => out.push(TextSegment {
            text: s.to_owned(),
            highlighted,
        }),
    };
    let mut word_start: Option<usize> = None;
    let flush = |start: usize, end: usize, push: &mut dyn FnMut(&str, bool)| {
        let w = &text[start..end];
        let norm = normalize(w);
        let bare = strip_article(&norm).unwrap_or(&norm);
        let hit = terms
            .iter()
            .any(|t| norm.starts_with(t.as_str()) || bare.starts_with(t.as_str()));
        push(w, hit);
    };
    for (i, c) in text.char_indices() {
        // Harakat and tatweel are not alphanumeric but belong to the word.
        let in_word = c.is_alphanumeric()
            || ('\u{064B}'..='\u{0652}').contains(&c)
            || c == '\u{0640}'
            || c == '\u{0670}';
        match (in_word, word_start) {
            (true, None) => word_start = Some(i),
            (false, Some(start)) => {
                flush(start, i, &mut push);
                word_start = None;
                push(&text[i..i + c.len_utf8()], false);
            }
            (false, None) => push(&text[i..i + c.len_utf8()], false),
            (true, Some(_)) => {}
        }
    }
    if let Some(start) = word_start {
        flush(start, text.len(), &mut push);
    }
    out
}

/// The body as plain text for a snippet: Markdown's marks (`#`, `*`, `_`, `` ` ``,
/// `>`, list bullets, link targets) dropped, lines joined.
fn plain(markdown: &str) -> String {
    let mut out = String::with_capacity(markdown.len());
    for line in markdown.lines() {
        let line = line.trim_start_matches(['#', '>', '-', '+', ' ']);
        let mut rest = line;
        // `[text](target)` keeps its text only.
        while let Some(open) = rest.find("](") {
            let Some(close) = rest[open..].find(')') else {
                break;
            };
            out.push_str(&rest[..open]);
            rest = &rest[open + close + 1..];
        }
        out.push_str(rest);
        out.push(' ');
    }
    out.replace(['*', '_', '`', '['], "")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// About this many characters of the body around its first match.
const SNIPPET_CHARS: usize = 160;

/// A window of the plain body around its first matching word, highlighted.
fn snippet(body: &str, terms: &[String]) -> Vec<TextSegment> {
    let text = plain(body);
    let chars: Vec<char> = text.chars().collect();
    let segments = highlight(&text, terms);
    // The character offset of the first highlighted segment.
    let mut at = 0usize;
    let mut first = None;
    for s in &segments {
        if s.highlighted {
            first = Some(at);
            break;
        }
        at += s.text.chars().count();
    }
    let start = first.map_or(0, |f| f.saturating_sub(40));
    // Start and end on word boundaries.
    let start = if start == 0 {
        0
    } else {
        (start..chars.len())
            .find(|&i| chars[i] == ' ')
            .map_or(start, |i| i + 1)
    };
    let end = (start + SNIPPET_CHARS).min(chars.len());
    let end = if end == chars.len() {
        end
    } else {
        (start..end).rev().find(|&i| chars[i] == ' ').unwrap_or(end)
    };
    let mut window: String = chars[start..end].iter().collect();
    if start > 0 {
        window.insert(0, '…');
    }
    if end < chars.len() {
        window.push('…');
    }
    highlight(&window, terms)
}

impl Store {
    /// Writes pulled articles (each replacing its stored copy and index entry) and
    /// deletes withdrawn ones, inside the pull page's transaction.
    pub(crate) async fn apply_articles(
        conn: &mut sqlx::SqliteConnection,
        articles: &[&Article],
        withdrawn: &[Uuid],
    ) -> Result<()> {
        for a in articles {
            delete_article(conn, a.id).await?;
            let rid: i64 = sqlx::query_scalar(
                "INSERT INTO articles (id, lang, status, data) VALUES (?, ?, ?, ?) RETURNING rid",
            )
            .bind(a.id.to_string())
            .bind(a.lang.as_str())
            .bind(a.status.as_str())
            .bind(serde_json::to_string(a)?)
            .fetch_one(&mut *conn)
            .await?;
            sqlx::query("INSERT INTO article_fts (rowid, title, body) VALUES (?, ?, ?)")
                .bind(rid)
                .bind(index_form(&a.title))
                .bind(index_form(&plain(&a.body)))
                .execute(&mut *conn)
                .await?;
        }
        for id in withdrawn {
            delete_article(conn, *id).await?;
        }
        Ok(())
    }

    /// Keeps an article a staff write just got back from the server, as a pull would
    /// (its index entry too), so the writer's own screens show it before the next pull
    /// brings the same state.
    pub async fn keep_article(&self, article: &Article) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        Store::apply_articles(&mut tx, &[article], &[]).await?;
        tx.commit().await?;
        Ok(())
    }

    /// One stored article.
    pub async fn article(&self, id: Uuid) -> Result<Article> {
        let data: Option<String> = sqlx::query_scalar("SELECT data FROM articles WHERE id = ?")
            .bind(id.to_string())
            .fetch_optional(&self.pool)
            .await?;
        let data = data.ok_or_else(|| EngineError::NotFound(format!("no article {id}")))?;
        Ok(serde_json::from_str(&data)?)
    }

    /// Stored articles, newest first: every one for staff, published ones otherwise
    /// (`published_only`).
    pub async fn articles(&self, published_only: bool) -> Result<Vec<Article>> {
        let rows: Vec<String> = sqlx::query_scalar(
            "SELECT data FROM articles WHERE (? = 0 OR status = 'published') ORDER BY rid DESC",
        )
        .bind(published_only as i64)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(|d| Ok(serde_json::from_str(d)?)).collect()
    }

    /// The published articles most related to `text`, best first, those in `lang`
    /// before the others; bm25 weighs a title match ten times a body match.
    pub async fn related_articles(
        &self,
        text: &str,
        lang: Option<&str>,
        limit: usize,
    ) -> Result<Vec<ArticleHit>> {
        let terms = query_terms(text);
        let Some(expr) = any_term(&terms) else {
            return Ok(Vec::new());
        };
        let rows = sqlx::query(
            "SELECT a.data, bm25(article_fts, 10.0, 1.0) AS rank FROM article_fts
               JOIN articles a ON a.rid = article_fts.rowid
             WHERE article_fts MATCH ? AND a.status = ?
             ORDER BY (a.lang = ?) DESC, rank LIMIT ?",
        )
        .bind(&expr)
        .bind(ArticleStatus::Published.as_str())
        .bind(lang.unwrap_or(""))
        .bind(limit as i64)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let a: Article = serde_json::from_str(&r.try_get::<String, _>("data")?)?;
                Ok(ArticleHit {
                    title: highlight(&a.title, &terms),
                    snippet: snippet(&a.body, &terms),
                    id: a.id,
                    lang: a.lang,
                    category: a.category,
                })
            })
            .collect()
    }
}

async fn delete_article(conn: &mut sqlx::SqliteConnection, id: Uuid) -> Result<()> {
    let rid: Option<i64> = sqlx::query_scalar("SELECT rid FROM articles WHERE id = ?")
        .bind(id.to_string())
        .fetch_optional(&mut *conn)
        .await?;
    if let Some(rid) = rid {
        sqlx::query("DELETE FROM article_fts WHERE rowid = ?")
            .bind(rid)
            .execute(&mut *conn)
            .await?;
        sqlx::query("DELETE FROM articles WHERE rid = ?")
            .bind(rid)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn marked(segments: &[TextSegment]) -> Vec<&str> {
        segments
            .iter()
            .filter(|s| s.highlighted)
            .map(|s| s.text.as_str())
            .collect()
    }

    #[test]
    fn terms_fold_arabic_and_drop_the_article_prefix() {
        assert_eq!(query_terms("الطابعه لا تطبع"), ["طابعه", "لا", "تطبع"]);
        assert_eq!(query_terms("الطّـــابِعَة"), ["طابعه"]);
        assert_eq!(query_terms("Printer a printer"), ["printer"]);
    }

    #[test]
    fn the_index_holds_each_word_with_and_without_its_prefix() {
        assert_eq!(index_form("الطابعة لا تطبع"), "الطابعه لا تطبع\nطابعه");
    }

    #[test]
    fn highlights_are_the_original_words_never_markup() {
        let terms = query_terms("الطابعه <b>");
        let segs = highlight("الطّابعة لا <b>تطبع</b>", &terms);
        assert_eq!(
            marked(&segs),
            ["الطّابعة"],
            "one-letter words are not searched"
        );
        let joined: String = segs.iter().map(|s| s.text.as_str()).collect();
        assert_eq!(joined, "الطّابعة لا <b>تطبع</b>", "the text is kept as is");
    }

    #[test]
    fn a_snippet_is_plain_text_around_the_first_match() {
        let body = "# Title\n\nSome **intro** text. Then [the printer](https://x.example) \
                    needs a restart.";
        let segs = snippet(body, &query_terms("printer"));
        let text: String = segs.iter().map(|s| s.text.as_str()).collect();
        assert_eq!(
            text,
            "Title Some intro text. Then the printer needs a restart."
        );
        assert_eq!(marked(&segs), ["printer"]);
    }
}
