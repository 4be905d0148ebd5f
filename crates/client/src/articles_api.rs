//! The knowledge base's writing calls of [`ApiClient`] (`/api/v1/articles`, staff only).
//!
//! Writing an article is not a queued mutation: a save needs the server's answer at once
//! (a colleague's newer version is refused `conflict`, a restore needs the kept versions
//! only the server has), so each call here fails `Unreachable` offline and the app says
//! that writing articles needs the connection. Reading them works offline: articles
//! reach every store through the change feed.

use reqwest::Method;
use tadhkira_proto::{Article, ArticleChanges, ArticleVersions, NewArticle};
use uuid::Uuid;

use crate::api::{ApiCallError, ApiClient};

impl ApiClient {
    /// `POST /api/v1/articles`.
    pub async fn create_article(&self, new: &NewArticle) -> Result<Article, ApiCallError> {
        self.send_json(self.request(Method::POST, "api/v1/articles")?.json(new))
            .await
    }

    /// `PATCH /api/v1/articles/{id}`.
    pub async fn update_article(
        &self,
        id: Uuid,
        changes: &ArticleChanges,
    ) -> Result<Article, ApiCallError> {
        self.send_json(
            self.request(Method::PATCH, &format!("api/v1/articles/{id}"))?
                .json(changes),
        )
        .await
    }

    /// `GET /api/v1/articles/{id}/versions`, newest first.
    pub async fn article_versions(&self, id: Uuid) -> Result<ArticleVersions, ApiCallError> {
        self.send_json(self.request(Method::GET, &format!("api/v1/articles/{id}/versions"))?)
            .await
    }

    /// `POST /api/v1/articles/{id}/versions/{version}/restore`.
    pub async fn restore_article_version(
        &self,
        id: Uuid,
        version: i64,
    ) -> Result<Article, ApiCallError> {
        self.send_json(self.request(
            Method::POST,
            &format!("api/v1/articles/{id}/versions/{version}/restore"),
        )?)
        .await
    }
}
