//! `GET /api/v1/people`: the staff's directory of users (customers with their
//! organisation, agents, admins), to pick a requester or an assignee. Staff only.

use axum::extract::State;
use serde::Deserialize;
use tadhkira_proto::{ErrorCode, PeoplePage, Role};

use crate::db::Caller;
use crate::error::{AppError, Json, Query};
use crate::state::AppState;

/// Most users in one answer.
pub const MAX_LIMIT: i64 = 500;

/// Query of the directory.
#[derive(Debug, Deserialize)]
pub struct PeopleQuery {
    role: Option<String>,
    q: Option<String>,
    limit: Option<i64>,
}

/// `GET /api/v1/people?role=&q=&limit=`.
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<PeopleQuery>,
) -> Result<Json<PeoplePage>, AppError> {
    if !caller.is_staff() {
        return Err(AppError::message(
            ErrorCode::Forbidden,
            "error-directory-staff-only",
            &[],
        ));
    }
    let role = q
        .role
        .as_deref()
        .map(Role::parse)
        .transpose()
        .map_err(|e| AppError::new(ErrorCode::Invalid, e.to_string()))?;
    super::tickets::check_query_length(q.q.as_deref())?;
    let limit = q.limit.unwrap_or(100);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(AppError::message(
            ErrorCode::Invalid,
            "error-limit-range",
            &[("max", MAX_LIMIT.to_string())],
        ));
    }
    let people = state.store.list_people(role, q.q.as_deref(), limit).await?;
    Ok(Json(PeoplePage { people }))
}
