//! `GET /api/v1/health`: is the server up and its database reachable, and which
//! database (epoch) is it.

use axum::extract::State;
use tadhkira_proto::{Health, API_VERSION};

use crate::error::{AppError, Json};
use crate::state::AppState;

/// `GET /api/v1/health`.
pub async fn health(State(state): State<AppState>) -> Result<Json<Health>, AppError> {
    state.store.ping().await?;
    Ok(Json(Health {
        status: "ok".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        api_version: API_VERSION,
        epoch: state.store.epoch(),
    }))
}
