//! The knowledge base: articles that answer common problems, in Arabic and English.
//!
//! Articles are written by staff (REST: `POST`/`PATCH /api/v1/articles`) and reach every
//! client through the change feed like tickets, so the app can suggest them offline
//! while a customer files a ticket. Customers only ever see *published* articles: a
//! draft or archived one is as good as missing to them, and an article that stops being
//! published reaches their store as an [`crate::Entity::ArticleWithdrawn`] tombstone.
//!
//! Every save keeps the previous title and body as an [`ArticleVersion`]; staff can list
//! them and restore one (a restore is itself a save, so nothing is ever lost).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{check_clean_text, FieldError, ShortText};

/// Most tags on one article.
pub const MAX_ARTICLE_TAGS: usize = 20;

wire_enum!(
    /// Where an article is in its life: only `published` ones reach customers.
    ArticleStatus { Draft = "draft", Published = "published", Archived = "archived" }
);

wire_enum!(
    /// The language an article is written in.
    ArticleLang { Ar = "ar", En = "en" }
);

bounded_text!(
    /// An article's title: 3–200 characters.
    ArticleTitle, what = "title", min = 3, max = 200
);
bounded_text!(
    /// An article's body, in Markdown: up to 50,000 characters.
    ArticleBody, what = "body", min = 1, max = 50_000
);

/// A knowledge-base article as the caller may see it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Article {
    pub id: Uuid,
    /// The translation group: every translation of one article shares it (the first
    /// article's id).
    pub group_id: Uuid,
    pub lang: ArticleLang,
    pub title: String,
    /// Markdown. Rendered by the app with raw HTML disabled and sanitised.
    pub body: String,
    pub category: Option<String>,
    pub tags: Vec<String>,
    pub status: ArticleStatus,
    /// Who saved the current version.
    pub author_id: Uuid,
    pub author_name: String,
    /// Counts every save, starting at 1.
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// How many times "this solved it" was chosen on it; staff only (`None` for
    /// customers).
    #[serde(default)]
    pub deflections: Option<i64>,
}

/// Body of `POST /api/v1/articles` (staff only).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct NewArticle {
    /// Made by the client (UUIDv7); the server makes one when absent.
    #[serde(default)]
    pub id: Option<Uuid>,
    pub title: ArticleTitle,
    pub body: ArticleBody,
    pub lang: ArticleLang,
    /// The article this one translates (its translation group is joined).
    #[serde(default)]
    pub translation_of: Option<Uuid>,
    #[serde(default)]
    pub category: Option<ShortText>,
    #[serde(default)]
    pub tags: Vec<ShortText>,
    /// `draft` when absent.
    #[serde(default)]
    pub status: Option<ArticleStatus>,
}

/// Body of `PATCH /api/v1/articles/{id}` (staff only): the fields to change.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ArticleChanges {
    #[serde(default)]
    pub title: Option<ArticleTitle>,
    #[serde(default)]
    pub body: Option<ArticleBody>,
    /// `Some(None)` clears the category. Absent, it is left out of the JSON too: `null`
    /// would clear it.
    #[serde(
        default,
        with = "double_option",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "ts", ts(optional, as = "Option<ShortText>"))]
    #[cfg_attr(feature = "schema", schemars(with = "Option<ShortText>"))]
    pub category: Option<Option<ShortText>>,
    #[serde(default)]
    pub tags: Option<Vec<ShortText>>,
    #[serde(default)]
    pub status: Option<ArticleStatus>,
    /// The version the editor started from; a save over a newer one is refused
    /// `conflict` so that nobody overwrites a colleague's edit unseen.
    #[serde(default)]
    pub seen_version: Option<i64>,
}

/// Distinguishes a field that is absent (`None`) from one set to `null` (`Some(None)`).
mod double_option {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<T: Serialize, S: Serializer>(
        v: &Option<Option<T>>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        match v {
            None => s.serialize_none(),
            Some(inner) => inner.serialize(s),
        }
    }

    pub fn deserialize<'de, T: Deserialize<'de>, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<Option<T>>, D::Error> {
        Option::<T>::deserialize(d).map(Some)
    }
}

/// Checks the tags of a new or changed article: at most [`MAX_ARTICLE_TAGS`].
pub fn check_article_tags(tags: &[ShortText]) -> Result<(), FieldError> {
    if tags.len() > MAX_ARTICLE_TAGS {
        return Err(FieldError(format!("at most {MAX_ARTICLE_TAGS} tags")));
    }
    Ok(())
}

/// A former state of an article, kept when it was saved over.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ArticleVersion {
    pub article_id: Uuid,
    /// The article's version number this was.
    pub version: i64,
    pub title: String,
    pub body: String,
    pub status: ArticleStatus,
    /// Who saved this version.
    pub author_id: Uuid,
    pub saved_at: DateTime<Utc>,
}

/// Answer of `GET /api/v1/articles`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ArticlePage {
    pub articles: Vec<Article>,
    pub total: i64,
}

/// Answer of `GET /api/v1/articles/{id}/versions` (staff only), newest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ArticleVersions {
    pub versions: Vec<ArticleVersion>,
}

/// "This solved it": a customer (or agent) read this article instead of filing a ticket.
/// Pushed through the outbox like any change and counted per article.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Deflection {
    pub article_id: Uuid,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_tell_an_absent_category_from_a_cleared_one() {
        let absent: ArticleChanges = serde_json::from_str(r#"{"title":"New title"}"#).unwrap();
        assert_eq!(absent.category, None);
        let cleared: ArticleChanges = serde_json::from_str(r#"{"category":null}"#).unwrap();
        assert_eq!(cleared.category, Some(None));
        let set: ArticleChanges = serde_json::from_str(r#"{"category":"Printing"}"#).unwrap();
        assert_eq!(
            set.category,
            Some(Some(ShortText::parse("Printing").unwrap()))
        );
    }

    #[test]
    fn changes_without_a_category_leave_it_out_of_the_json() {
        // A client that sends `"category": null` for "unchanged" clears it on the server.
        let status_only: ArticleChanges =
            serde_json::from_str(r#"{"status":"published"}"#).unwrap();
        let json = serde_json::to_value(&status_only).unwrap();
        assert!(json.get("category").is_none(), "{json}");
        let back: ArticleChanges = serde_json::from_value(json).unwrap();
        assert_eq!(back, status_only);
        let cleared = ArticleChanges {
            category: Some(None),
            ..Default::default()
        };
        let json = serde_json::to_value(&cleared).unwrap();
        assert_eq!(json["category"], serde_json::Value::Null);
        assert_eq!(
            serde_json::from_value::<ArticleChanges>(json).unwrap(),
            cleared
        );
    }

    #[test]
    fn an_article_with_a_blank_title_does_not_parse() {
        let json = r#"{"title":"  ","body":"b","lang":"en"}"#;
        let err = serde_json::from_str::<NewArticle>(json).unwrap_err();
        assert!(err.to_string().contains("title"), "{err}");
    }
}
