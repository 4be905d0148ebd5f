//! The knowledge base's endpoints. Anyone signed in reads published articles; staff
//! also read drafts and archived ones, write, and see and restore kept versions. To a
//! customer a draft's id answers `not_found`, exactly like an id that does not exist.

use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use tadhkira_proto::{
    check_article_tags, Article, ArticleChanges, ArticleLang, ArticlePage, ArticleStatus,
    ArticleVersions, ErrorCode, NewArticle,
};
use uuid::Uuid;

use crate::db::{ArticleFilter, Caller};
use crate::error::{AppError, Json, Path, Query};
use crate::state::AppState;

/// Most articles in one page of the list.
pub const MAX_PAGE: i64 = 200;

/// Query of `GET /api/v1/articles` (all optional).
#[derive(Debug, Deserialize)]
pub struct ListQuery {
    q: Option<String>,
    category: Option<String>,
    lang: Option<String>,
    /// Staff only; customers always get published articles.
    status: Option<String>,
    limit: Option<i64>,
    offset: Option<i64>,
}

fn invalid(e: impl std::fmt::Display) -> AppError {
    AppError::new(ErrorCode::Invalid, e.to_string())
}

fn staff_only(caller: &Caller) -> Result<(), AppError> {
    if caller.is_staff() {
        Ok(())
    } else {
        Err(AppError::message(
            ErrorCode::Forbidden,
            "error-articles-staff-only",
            &[],
        ))
    }
}

/// `GET /api/v1/articles`.
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<ListQuery>,
) -> Result<Json<ArticlePage>, AppError> {
    super::tickets::check_query_length(q.q.as_deref())?;
    let limit = q.limit.unwrap_or(50);
    if !(1..=MAX_PAGE).contains(&limit) || q.offset.is_some_and(|o| o < 0) {
        return Err(invalid(format!(
            "limit must be 1 to {MAX_PAGE} and offset not negative"
        )));
    }
    let filter = ArticleFilter {
        q: q.q,
        category: q.category,
        lang: q
            .lang
            .as_deref()
            .map(ArticleLang::parse)
            .transpose()
            .map_err(invalid)?,
        status: q
            .status
            .as_deref()
            .map(ArticleStatus::parse)
            .transpose()
            .map_err(invalid)?,
        limit,
        offset: q.offset.unwrap_or(0),
    };
    Ok(Json(state.store.list_articles(&caller, &filter).await?))
}

/// `GET /api/v1/articles/{id}`.
pub async fn detail(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
) -> Result<Json<Article>, AppError> {
    Ok(Json(state.store.article(&caller, id).await?))
}

/// `POST /api/v1/articles` (staff).
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    Json(new): Json<NewArticle>,
) -> Result<(StatusCode, Json<Article>), AppError> {
    staff_only(&caller)?;
    check_article_tags(&new.tags).map_err(invalid)?;
    let article = state.store.create_article(&caller, &new).await??;
    Ok((StatusCode::CREATED, Json(article)))
}

/// `PATCH /api/v1/articles/{id}` (staff).
pub async fn update(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
    Json(changes): Json<ArticleChanges>,
) -> Result<Json<Article>, AppError> {
    staff_only(&caller)?;
    if let Some(tags) = &changes.tags {
        check_article_tags(tags).map_err(invalid)?;
    }
    Ok(Json(
        state.store.update_article(&caller, id, &changes).await??,
    ))
}

/// `GET /api/v1/articles/{id}/versions` (staff).
pub async fn versions(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
) -> Result<Json<ArticleVersions>, AppError> {
    staff_only(&caller)?;
    let versions = state.store.article_versions(id).await?;
    Ok(Json(ArticleVersions { versions }))
}

/// `POST /api/v1/articles/{id}/versions/{version}/restore` (staff).
pub async fn restore(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, version)): Path<(Uuid, i64)>,
) -> Result<Json<Article>, AppError> {
    staff_only(&caller)?;
    Ok(Json(
        state
            .store
            .restore_article_version(&caller, id, version)
            .await??,
    ))
}
