//! The REST API under `/api/v1`, one file per resource. Every answer that is not 2xx
//! is the JSON `{code, message}`; unknown paths too.

mod attachments;
mod events;
mod health;
pub mod openapi;
mod people;
mod session;
mod sync;
mod tickets;
mod uploads;

use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use axum::Router;
use tadhkira_proto::ErrorCode;
use tower_http::trace::TraceLayer;

use crate::error::AppError;
use crate::state::AppState;

/// The English message of the answer for a path that does not exist (tests tell it
/// apart from a missing ticket); server.ftl's `error-no-route`.
pub const NO_ROUTE: &str = "no such endpoint";

/// All routes with their handlers.
pub fn router(state: AppState) -> Router {
    let body_limit = state.settings.body_limit_bytes;
    Router::new()
        .route("/api/v1/health", get(health::health))
        .route("/api/v1/auth/login", post(session::login))
        .route("/api/v1/auth/logout", post(session::logout))
        .route("/api/v1/me", get(session::me))
        .route("/api/v1/sync/push", post(sync::push))
        .route("/api/v1/sync/pull", get(sync::pull))
        .route("/api/v1/events", get(events::events))
        .route("/api/v1/tickets", get(tickets::list).post(tickets::create))
        .route(
            "/api/v1/tickets/{id}",
            get(tickets::detail).patch(tickets::update),
        )
        .route("/api/v1/tickets/{id}/messages", post(tickets::add_message))
        .route("/api/v1/tickets/{id}/escalate", post(tickets::escalate))
        .route("/api/v1/people", get(people::list))
        .route("/api/v1/uploads", post(uploads::start))
        .route(
            "/api/v1/uploads/{id}",
            get(uploads::status)
                .put(uploads::append)
                .layer(DefaultBodyLimit::max(tadhkira_proto::MAX_CHUNK_BYTES)),
        )
        .route("/api/v1/attachments/{id}", get(attachments::download))
        .route("/api/v1/openapi.json", get(openapi::document))
        .fallback(|| async { AppError::message(ErrorCode::NotFound, "error-no-route", &[]) })
        .method_not_allowed_fallback(|| async {
            AppError::message(ErrorCode::Invalid, "error-method-not-allowed", &[])
        })
        .layer(DefaultBodyLimit::max(body_limit))
        // Error messages in the request's language (inside the trace layer's span).
        .layer(axum::middleware::from_fn(crate::error::with_request_locale))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}
