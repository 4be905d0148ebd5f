//! The support terms and the first-line checklists over REST.
//!
//! - `GET /api/v1/terms`: the version in force, to anyone signed in (the app reads
//!   its synced copy; this is for other tools). A draft is never answered here.
//! - `/api/v1/admin/terms…`, `/api/v1/admin/checklists`,
//!   `/api/v1/admin/organisations/{id}/acceptances`: admins only (the [`Admin`]
//!   extractor answers everyone else 403 before anything is read). Every write is
//!   audited in its own transaction (`db/terms.rs`).

use axum::extract::State;
use tadhkira_proto::{
    AdminTerms, Checklist, ChecklistChange, ChecklistList, ErrorCode, SupportTerms,
    TermsAcceptanceList, TermsContent,
};
use uuid::Uuid;

use super::admin::Admin;
use crate::db::Caller;
use crate::error::{AppError, Json, Path};
use crate::state::AppState;

/// `GET /api/v1/terms`: the published version in force (404 before the first).
pub async fn current(
    _caller: Caller,
    State(state): State<AppState>,
) -> Result<Json<SupportTerms>, AppError> {
    state
        .store
        .published_terms()
        .await?
        .map(Json)
        .ok_or_else(|| AppError::message(ErrorCode::NotFound, "error-no-terms", &[]))
}

/// `GET /api/v1/admin/terms`: the version in force and the draft.
pub async fn admin_terms(
    _admin: Admin,
    State(state): State<AppState>,
) -> Result<Json<AdminTerms>, AppError> {
    Ok(Json(state.store.admin_terms().await?))
}

/// `PUT /api/v1/admin/terms/draft`: saves the draft (replacing the one before).
pub async fn save_draft(
    admin: Admin,
    State(state): State<AppState>,
    Json(content): Json<TermsContent>,
) -> Result<Json<AdminTerms>, AppError> {
    content
        .check()
        .map_err(|e| AppError::new(ErrorCode::Invalid, e.to_string()))?;
    Ok(Json(
        state
            .store
            .save_terms_draft(admin.0.user.id, &content)
            .await?,
    ))
}

/// `POST /api/v1/admin/terms/publish`: the draft becomes the next version, and every
/// client pulls it.
pub async fn publish(
    admin: Admin,
    State(state): State<AppState>,
) -> Result<Json<SupportTerms>, AppError> {
    Ok(Json(state.store.publish_terms(admin.0.user.id).await??))
}

/// `GET /api/v1/admin/organisations/{id}/acceptances`.
pub async fn acceptances(
    _admin: Admin,
    State(state): State<AppState>,
    Path(id): Path<Uuid>,
) -> Result<Json<TermsAcceptanceList>, AppError> {
    // 404 for an organisation that does not exist, rather than an empty list.
    state.store.organisation(id).await?;
    Ok(Json(TermsAcceptanceList {
        acceptances: state.store.org_acceptances(id).await?,
    }))
}

/// `GET /api/v1/admin/checklists`.
pub async fn checklists(
    _admin: Admin,
    State(state): State<AppState>,
) -> Result<Json<ChecklistList>, AppError> {
    Ok(Json(ChecklistList {
        checklists: state.store.checklists().await?,
    }))
}

/// `PUT /api/v1/admin/checklists`: one category's whole list.
pub async fn save_checklist(
    admin: Admin,
    State(state): State<AppState>,
    Json(change): Json<ChecklistChange>,
) -> Result<Json<Checklist>, AppError> {
    change
        .check()
        .map_err(|e| AppError::new(ErrorCode::Invalid, e.to_string()))?;
    Ok(Json(
        state.store.save_checklist(admin.0.user.id, &change).await?,
    ))
}
