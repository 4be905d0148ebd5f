//! The response policy: targets per priority and business hours.
//!
//! - `GET /api/v1/admin/policy` and `PUT /api/v1/admin/policy` (admins only, answered
//!   403 `forbidden` to anyone else before anything is read): the version in effect,
//!   and its replacement by the next version, audited (`policy.change`, before → after).
//!   A change applies to tickets filed after it; tickets filed earlier keep the version
//!   they were filed under and their due times.
//! - `GET /api/v1/policy/targets` (anyone signed in, customers included): the version in
//!   effect, which every organisation's new tickets follow.

use axum::extract::State;
use tadhkira_proto::{AdminPolicy, PolicyChange, ResponsePolicy};

use super::admin::Admin;
use crate::db::Caller;
use crate::error::{AppError, Json};
use crate::state::AppState;

/// `GET /api/v1/admin/policy`.
pub async fn admin_policy(
    _admin: Admin,
    State(state): State<AppState>,
) -> Result<Json<AdminPolicy>, AppError> {
    Ok(Json(state.store.admin_policy(&state.settings.sla).await?))
}

/// `PUT /api/v1/admin/policy`: the next version.
pub async fn change_policy(
    admin: Admin,
    State(state): State<AppState>,
    Json(change): Json<PolicyChange>,
) -> Result<Json<AdminPolicy>, AppError> {
    let made = state
        .store
        .change_policy(admin.0.user.id, &change, &state.settings.sla)
        .await?;
    tracing::info!(version = made.policy.version, "response policy changed");
    Ok(Json(made))
}

/// `GET /api/v1/policy/targets`.
pub async fn targets(
    _caller: Caller,
    State(state): State<AppState>,
) -> Result<Json<ResponsePolicy>, AppError> {
    Ok(Json(state.store.current_policy(&state.settings.sla).await?))
}
