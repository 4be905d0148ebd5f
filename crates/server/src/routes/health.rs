//! `GET /api/v1/health`: what the server checks, checked on every call — the database
//! answers a query, its migrations are the ones this server embeds — and which
//! database (epoch) it is. HTTP 200 when every check passed, 503 with the same body when
//! one failed, so a load balancer can take the server out by status alone.

use axum::extract::State;
use axum::http::StatusCode;
use tadhkira_proto::{Health, HealthStatus, API_VERSION};

use crate::error::Json;
use crate::state::AppState;

/// `GET /api/v1/health`.
pub async fn health(State(state): State<AppState>) -> (StatusCode, Json<Health>) {
    let checks = state.store.check().await;
    let status = HealthStatus::of(&[checks.database_reachable, checks.migrations_current]);
    let code = match status {
        HealthStatus::Ok => StatusCode::OK,
        HealthStatus::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
    };
    let health = Health {
        status,
        version: env!("CARGO_PKG_VERSION").into(),
        api_version: API_VERSION,
        epoch: state.store.epoch(),
        database_reachable: checks.database_reachable,
        migrations_current: checks.migrations_current,
    };
    (code, Json(health))
}
