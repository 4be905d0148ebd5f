//! The REST API under `/api/v1`, one file per resource. Every answer that is not 2xx
//! is the JSON `{code, message}`; unknown paths too.

mod admin;
mod articles;
mod attachments;
mod channels;
mod docs;
mod events;
mod health;
pub mod openapi;
mod people;
mod policy;
mod session;
mod sync;
mod terms;
mod tickets;
mod updates;
mod uploads;

use axum::extract::DefaultBodyLimit;
use axum::routing::{get, patch, post, put};
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
    // A package and its form fields.
    let update_limit = state.settings.updates.max_package_bytes + 1024 * 1024;
    Router::new()
        .route("/api/v1/health", get(health::health))
        .route("/api/v1/auth/login", post(session::login))
        .route("/api/v1/auth/logout", post(session::logout))
        .route("/api/v1/me", get(session::me))
        .route("/api/v1/me/password", post(session::change_my_password))
        .route("/api/v1/auth/password", post(session::change_password))
        .route(
            "/api/v1/admin/organisations",
            get(admin::organisations).post(admin::create_organisation),
        )
        .route(
            "/api/v1/admin/organisations/{id}",
            patch(admin::rename_organisation),
        )
        .route(
            "/api/v1/admin/organisations/{id}/agreements",
            get(admin::agreements).post(admin::change_agreement),
        )
        .route(
            "/api/v1/admin/organisations/{id}/contacts",
            put(admin::set_contacts),
        )
        .route(
            "/api/v1/admin/users",
            get(admin::users).post(admin::create_user),
        )
        .route("/api/v1/admin/users/{id}", patch(admin::update_user))
        .route(
            "/api/v1/admin/users/{id}/disable",
            post(admin::disable_user),
        )
        .route(
            "/api/v1/admin/users/{id}/password",
            post(admin::one_time_password),
        )
        .route("/api/v1/admin/audit", get(admin::audit))
        .route(
            "/api/v1/admin/policy",
            get(policy::admin_policy).put(policy::change_policy),
        )
        .route("/api/v1/policy/targets", get(policy::targets))
        .route(
            "/api/v1/admin/organisations/{id}/acceptances",
            get(terms::acceptances),
        )
        .route("/api/v1/admin/terms", get(terms::admin_terms))
        .route("/api/v1/admin/terms/draft", put(terms::save_draft))
        .route("/api/v1/admin/terms/publish", post(terms::publish))
        .route(
            "/api/v1/admin/checklists",
            get(terms::checklists).put(terms::save_checklist),
        )
        .route("/api/v1/terms", get(terms::current))
        .route("/api/v1/sync/push", post(sync::push))
        .route("/api/v1/sync/pull", get(sync::pull))
        .route("/api/v1/sync/snapshot", get(sync::snapshot))
        .route("/api/v1/events", get(events::events))
        .route("/api/v1/tickets", get(tickets::list).post(tickets::create))
        .route(
            "/api/v1/tickets/{id}",
            get(tickets::detail).patch(tickets::update),
        )
        .route("/api/v1/tickets/{id}/messages", post(tickets::add_message))
        .route("/api/v1/tickets/{id}/escalate", post(tickets::escalate))
        .route("/api/v1/people", get(people::list))
        .route(
            "/api/v1/articles",
            get(articles::list).post(articles::create),
        )
        .route(
            "/api/v1/articles/{id}",
            get(articles::detail).patch(articles::update),
        )
        .route("/api/v1/articles/{id}/versions", get(articles::versions))
        .route(
            "/api/v1/articles/{id}/versions/{version}/restore",
            post(articles::restore),
        )
        .route("/api/v1/uploads", post(uploads::start))
        .route(
            "/api/v1/uploads/{id}",
            get(uploads::status)
                .put(uploads::append)
                .layer(DefaultBodyLimit::max(tadhkira_proto::MAX_CHUNK_BYTES)),
        )
        .route("/api/v1/attachments/{id}", get(attachments::download))
        .route(
            "/api/v1/admin/updates",
            get(updates::list)
                .post(updates::publish)
                .layer(DefaultBodyLimit::max(update_limit)),
        )
        .route("/api/v1/updates/{target}/{version}", get(updates::manifest))
        .route(
            "/api/v1/updates/{target}/{version}/file",
            get(updates::file),
        )
        .route(
            "/api/v1/channels/whatsapp/webhook",
            get(channels::verify).post(channels::deliver),
        )
        .route("/api/v1/channels/whatsapp", get(channels::whatsapp_channel))
        .route("/api/v1/channels/unmatched", get(channels::unmatched))
        .route("/api/v1/channels/unmatched/{id}/link", post(channels::link))
        .route(
            "/api/v1/channels/unmatched/{id}/person",
            post(channels::person),
        )
        .route("/api/v1/openapi.json", get(openapi::document))
        .route("/api/docs", get(docs::page))
        .route("/api/docs/docs.js", get(docs::script))
        .route("/api/docs/docs.css", get(docs::styles))
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
