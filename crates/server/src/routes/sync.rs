//! `POST /api/v1/sync/push` and `GET /api/v1/sync/pull` (see proto's `sync` module for
//! the protocol).

use axum::extract::State;
use serde::Deserialize;
use tadhkira_i18n::Locale;
use tadhkira_proto::{
    ErrorCode, PullResponse, PushRequest, PushResponse, MAX_PULL_LIMIT, MAX_PUSH_BATCH,
};
use tracing::Instrument;

use crate::db::Caller;
use crate::error::{request_locale, AppError, Json, Query};
use crate::state::AppState;

/// `POST /api/v1/sync/push`: one transaction, one result per mutation.
pub async fn push(
    State(state): State<AppState>,
    caller: Caller,
    Json(req): Json<PushRequest>,
) -> Result<Json<PushResponse>, AppError> {
    if req.mutations.len() > MAX_PUSH_BATCH {
        return Err(AppError::message(
            ErrorCode::TooLarge,
            "error-push-too-large",
            &[
                ("count", req.mutations.len().to_string()),
                ("max", MAX_PUSH_BATCH.to_string()),
            ],
        ));
    }
    let span = tracing::info_span!("push", user = %caller.user.id, client = %req.client_id, n = req.mutations.len());
    // Nothing of a push past the quota is applied: the client sends it all again.
    let mut results = state
        .quota
        .apply(&state.store, &caller, &req.mutations, &state.settings)
        .instrument(span)
        .await?;
    // Reasons are written in English by the apply path; in another language the code's
    // own message leads, with the English detail after it (as for any error answer).
    let locale = request_locale();
    if locale != Locale::En {
        for r in &mut results {
            if let tadhkira_proto::Outcome::Rejected { code, message } = &mut r.outcome {
                *message = AppError::new(*code, std::mem::take(message))
                    .body(locale)
                    .message;
            }
        }
    }
    let rejected = results
        .iter()
        .filter(|r| matches!(r.outcome, tadhkira_proto::Outcome::Rejected { .. }))
        .count();
    tracing::info!(user = %caller.user.id, n = results.len(), rejected, "push applied");
    Ok(Json(PushResponse { results }))
}

/// Query of a pull.
#[derive(Debug, Deserialize)]
pub struct PullQuery {
    #[serde(default)]
    cursor: i64,
    limit: Option<i64>,
}

/// `GET /api/v1/sync/pull?cursor=N&limit=M`.
pub async fn pull(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<PullQuery>,
) -> Result<Json<PullResponse>, AppError> {
    if q.cursor < 0 {
        return Err(AppError::message(
            ErrorCode::Invalid,
            "error-cursor-negative",
            &[],
        ));
    }
    let limit = q.limit.unwrap_or(1000);
    if !(1..=MAX_PULL_LIMIT).contains(&limit) {
        return Err(AppError::message(
            ErrorCode::Invalid,
            "error-limit-range",
            &[("max", MAX_PULL_LIMIT.to_string())],
        ));
    }
    let page = state
        .store
        .changes_after(&caller, q.cursor, limit, state.settings.pull_page_bytes)
        .await?;
    // A cursor past everything this database ever wrote was given by another copy of
    // it (a restore without a new epoch): say so, rather than answer "nothing new"
    // while the changes written since the restore sit below the client's cursor.
    if page.ahead {
        return Err(AppError::message(
            ErrorCode::CursorAhead,
            "error-cursor-ahead",
            &[
                ("cursor", q.cursor.to_string()),
                ("head", page.cursor.to_string()),
            ],
        ));
    }
    Ok(Json(PullResponse {
        epoch: state.store.epoch(),
        changes: page.changes,
        cursor: page.cursor,
        has_more: page.has_more,
    }))
}
