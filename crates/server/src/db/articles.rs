//! The knowledge base: writing articles (staff), reading them (customers: published
//! only), their kept versions, and deflections.
//!
//! Every save goes through a [`Writer`], so it writes a change-feed row in the same
//! transaction and clients pull the article like a ticket (see `feed.rs` for who gets
//! which row). A save first copies the state it replaces into `article_versions`:
//! nothing written is ever lost, and a restore is just another save.

use sqlx::Row;
use tadhkira_proto::{
    Article, ArticleChanges, ArticlePage, ArticleStatus, ArticleVersion, ErrorCode, NewArticle,
    ShortText,
};
use uuid::Uuid;

use super::visibility::Audience;
use super::writer::{Rejection, Writer};
use super::{rows, Caller, Store, StoreError};

/// Filters of `GET /api/v1/articles`, already parsed.
#[derive(Debug, Clone, Default)]
pub struct ArticleFilter {
    /// Text in the title, body or tags.
    pub q: Option<String>,
    /// Only this category.
    pub category: Option<String>,
    /// Only this language.
    pub lang: Option<tadhkira_proto::ArticleLang>,
    /// Staff only (customers always get `published`).
    pub status: Option<ArticleStatus>,
    /// Page size.
    pub limit: i64,
    /// Articles to skip.
    pub offset: i64,
}

fn tags_json(tags: &[ShortText]) -> String {
    let words: Vec<&str> = tags.iter().map(ShortText::as_str).collect();
    serde_json::to_string(&words).unwrap_or_else(|_| "[]".into())
}

impl Store {
    /// Creates an article (staff only; the route checks the role). A translation joins
    /// the translation group of the article it translates.
    pub async fn create_article(
        &self,
        caller: &Caller,
        new: &NewArticle,
    ) -> Result<Result<Article, Rejection>, StoreError> {
        let id = new.id.unwrap_or_else(Uuid::now_v7);
        let mut w = Writer::begin(self).await?;
        let group_id = match new.translation_of {
            None => id,
            Some(of) => {
                let row = sqlx::query("SELECT group_id FROM articles WHERE id = $1")
                    .bind(of.to_string())
                    .fetch_optional(w.lookup().await?)
                    .await?;
                match row {
                    Some(r) => rows::uuid(&r, "group_id")?,
                    None => {
                        return Ok(Err(Rejection::new(
                            ErrorCode::Invalid,
                            format!("translation_of: no article {of}"),
                        )))
                    }
                }
            }
        };
        let exists = sqlx::query("SELECT 1 AS one FROM articles WHERE id = $1")
            .bind(id.to_string())
            .fetch_optional(w.lookup().await?)
            .await?;
        if exists.is_some() {
            return Ok(Err(Rejection::new(
                ErrorCode::Conflict,
                format!("an article {id} already exists"),
            )));
        }
        let status = new.status.unwrap_or(ArticleStatus::Draft);
        sqlx::query(
            "INSERT INTO articles (id, group_id, lang, title, body, category, tags, status, \
             author_id, version, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 1, $10, $10)",
        )
        .bind(id.to_string())
        .bind(group_id.to_string())
        .bind(new.lang.as_str())
        .bind(new.title.as_str())
        .bind(new.body.as_str())
        .bind(new.category.as_ref().map(|c| c.as_str().to_owned()))
        .bind(tags_json(&new.tags))
        .bind(status.as_str())
        .bind(caller.user.id.to_string())
        .bind(w.now)
        .execute(w.conn().await?)
        .await?;
        w.append_article_change(id, status == ArticleStatus::Published);
        w.commit(self).await?;
        Ok(Ok(self.article(caller, id).await?))
    }

    /// Changes an article (staff only), keeping the state it replaces as a version.
    /// A stale `seen_version` is refused `conflict`.
    pub async fn update_article(
        &self,
        caller: &Caller,
        id: Uuid,
        changes: &ArticleChanges,
    ) -> Result<Result<Article, Rejection>, StoreError> {
        let mut w = Writer::begin(self).await?;
        let Some(current) = load_for_update(&mut w, id).await? else {
            return Ok(Err(not_found(id)));
        };
        if let Some(seen) = changes.seen_version {
            if seen != current.version {
                return Ok(Err(Rejection::new(
                    ErrorCode::Conflict,
                    format!(
                        "the article was saved since (version {} is newer than {seen})",
                        current.version
                    ),
                )));
            }
        }
        let next = Saved {
            title: changes
                .title
                .as_ref()
                .map_or(current.title.clone(), |t| t.as_str().to_owned()),
            body: changes
                .body
                .as_ref()
                .map_or(current.body.clone(), |b| b.as_str().to_owned()),
            category: match &changes.category {
                None => current.category.clone(),
                Some(c) => c.as_ref().map(|c| c.as_str().to_owned()),
            },
            tags: match &changes.tags {
                None => current.tags.clone(),
                Some(t) => tags_json(t),
            },
            status: changes.status.unwrap_or(current.status),
        };
        save(&mut w, caller, id, &current, &next).await?;
        w.commit(self).await?;
        Ok(Ok(self.article(caller, id).await?))
    }

    /// Brings back the title, body and status of a kept version (staff only), as a new
    /// save: the state it replaces is kept in turn.
    pub async fn restore_article_version(
        &self,
        caller: &Caller,
        id: Uuid,
        version: i64,
    ) -> Result<Result<Article, Rejection>, StoreError> {
        let mut w = Writer::begin(self).await?;
        let Some(current) = load_for_update(&mut w, id).await? else {
            return Ok(Err(not_found(id)));
        };
        let row = sqlx::query(&format!(
            "{} WHERE v.article_id = $1 AND v.version = $2",
            rows::ARTICLE_VERSION_SELECT
        ))
        .bind(id.to_string())
        .bind(version)
        .fetch_optional(w.lookup().await?)
        .await?;
        let Some(old) = row.as_ref().map(rows::article_version).transpose()? else {
            return Ok(Err(Rejection::new(
                ErrorCode::NotFound,
                format!("article {id} has no version {version}"),
            )));
        };
        let next = Saved {
            title: old.title,
            body: old.body,
            category: current.category.clone(),
            tags: current.tags.clone(),
            status: old.status,
        };
        save(&mut w, caller, id, &current, &next).await?;
        w.commit(self).await?;
        Ok(Ok(self.article(caller, id).await?))
    }

    /// The versions kept of an article, newest first (staff only).
    pub async fn article_versions(&self, id: Uuid) -> Result<Vec<ArticleVersion>, StoreError> {
        let exists = sqlx::query("SELECT 1 AS one FROM articles WHERE id = $1")
            .bind(id.to_string())
            .fetch_optional(&self.pool)
            .await?;
        if exists.is_none() {
            return Err(StoreError::NotFound);
        }
        let found = sqlx::query(&format!(
            "{} WHERE v.article_id = $1 ORDER BY v.version DESC",
            rows::ARTICLE_VERSION_SELECT
        ))
        .bind(id.to_string())
        .fetch_all(&self.pool)
        .await?;
        found.iter().map(rows::article_version).collect()
    }

    /// One article the caller may see: to a customer, anything not published is as good
    /// as missing.
    pub async fn article(&self, caller: &Caller, id: Uuid) -> Result<Article, StoreError> {
        let row = sqlx::query(&format!("{} WHERE a.id = $1", rows::ARTICLE_SELECT))
            .bind(id.to_string())
            .fetch_optional(&self.pool)
            .await?;
        let article = row
            .as_ref()
            .map(|r| rows::article(r, caller.is_staff()))
            .transpose()?
            .ok_or(StoreError::NotFound)?;
        if !Audience::of(caller).may_see_article(article.status) {
            return Err(StoreError::NotFound);
        }
        Ok(article)
    }

    /// One page of the articles the caller may see, most recently updated first.
    pub async fn list_articles(
        &self,
        caller: &Caller,
        f: &ArticleFilter,
    ) -> Result<ArticlePage, StoreError> {
        let mut conds: Vec<String> = Vec::new();
        let mut binds: Vec<String> = Vec::new();
        let mut add = |cond: &str, value: String| {
            binds.push(value);
            conds.push(cond.replace("$?", &format!("${}", binds.len())));
        };
        let status = if caller.is_staff() {
            f.status
        } else {
            Some(ArticleStatus::Published)
        };
        if let Some(s) = status {
            add("a.status = $?", s.as_str().to_owned());
        }
        if let Some(c) = &f.category {
            add("a.category = $?", c.clone());
        }
        if let Some(l) = f.lang {
            add("a.lang = $?", l.as_str().to_owned());
        }
        if let Some(q) = f.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
            let escaped = q.to_lowercase().replace(['%', '_', '\0'], "");
            add(
                "(LOWER(a.title) LIKE $? OR LOWER(a.body) LIKE $? OR LOWER(a.tags) LIKE $?)",
                format!("%{escaped}%"),
            );
        }
        let where_sql = if conds.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", conds.join(" AND "))
        };
        let n = binds.len();
        let list_sql = format!(
            "{}{where_sql} ORDER BY a.updated_at DESC, a.id LIMIT ${} OFFSET ${}",
            rows::ARTICLE_SELECT,
            n + 1,
            n + 2
        );
        let count_sql = format!("SELECT COUNT(*) AS n FROM articles a{where_sql}");
        let mut list = sqlx::query(&list_sql);
        let mut count = sqlx::query(&count_sql);
        for b in &binds {
            list = list.bind(b.clone());
            count = count.bind(b.clone());
        }
        let found = list
            .bind(f.limit)
            .bind(f.offset)
            .fetch_all(&self.pool)
            .await?;
        let total: i64 = count.fetch_one(&self.pool).await?.try_get("n")?;
        let articles = found
            .iter()
            .map(|r| rows::article(r, caller.is_staff()))
            .collect::<Result<_, _>>()?;
        Ok(ArticlePage { articles, total })
    }
}

fn not_found(id: Uuid) -> Rejection {
    Rejection::new(ErrorCode::NotFound, format!("no article {id}"))
}

/// What a save writes.
struct Saved {
    title: String,
    body: String,
    category: Option<String>,
    /// JSON array.
    tags: String,
    status: ArticleStatus,
}

/// An article's stored state, read inside the writing transaction.
struct Current {
    title: String,
    body: String,
    category: Option<String>,
    tags: String,
    status: ArticleStatus,
    author_id: String,
    version: i64,
    updated_at: i64,
}

async fn load_for_update(w: &mut Writer, id: Uuid) -> Result<Option<Current>, StoreError> {
    let row = sqlx::query(
        "SELECT title, body, category, tags, status, author_id, version, updated_at \
         FROM articles WHERE id = $1",
    )
    .bind(id.to_string())
    .fetch_optional(w.lookup().await?)
    .await?;
    let Some(r) = row else { return Ok(None) };
    let status: String = r.try_get("status")?;
    Ok(Some(Current {
        title: r.try_get("title")?,
        body: r.try_get("body")?,
        category: r.try_get("category")?,
        tags: r.try_get("tags")?,
        status: ArticleStatus::parse(&status).map_err(|e| StoreError::Corrupt(e.to_string()))?,
        author_id: r.try_get("author_id")?,
        version: r.try_get("version")?,
        updated_at: r.try_get("updated_at")?,
    }))
}

/// Keeps `current` as a version, writes `next` with the version after it, and appends
/// the feed row: public when customers had the article or get it now.
async fn save(
    w: &mut Writer,
    caller: &Caller,
    id: Uuid,
    current: &Current,
    next: &Saved,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO article_versions (article_id, version, title, body, status, author_id, \
         saved_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(id.to_string())
    .bind(current.version)
    .bind(&current.title)
    .bind(&current.body)
    .bind(current.status.as_str())
    .bind(&current.author_id)
    .bind(current.updated_at)
    .execute(w.conn().await?)
    .await?;
    sqlx::query(
        "UPDATE articles SET title = $1, body = $2, category = $3, tags = $4, status = $5, \
         author_id = $6, version = $7, updated_at = $8 WHERE id = $9",
    )
    .bind(&next.title)
    .bind(&next.body)
    .bind(&next.category)
    .bind(&next.tags)
    .bind(next.status.as_str())
    .bind(caller.user.id.to_string())
    .bind(current.version + 1)
    .bind(w.now)
    .bind(id.to_string())
    .execute(w.conn().await?)
    .await?;
    let public =
        current.status == ArticleStatus::Published || next.status == ArticleStatus::Published;
    w.append_article_change(id, public);
    Ok(())
}
