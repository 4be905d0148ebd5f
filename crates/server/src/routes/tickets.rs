//! The ticket endpoints for other tools. Every write builds a mutation and goes through
//! the same apply path as a push ([`crate::db::Store::apply_grouped`]), so the rules,
//! the timeline and the change feed are the same whichever way a change arrives, and
//! concurrent writes share a transaction (group commit).

use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use tadhkira_proto::{
    Channel, ErrorCode, EscalateRequest, Escalation, Mutation, MutationEnvelope, NewMessage,
    NewTicket, Outcome, Priority, Status, TicketChanges, TicketDetail, TicketPage, TicketUpdate,
    Tier,
};
use uuid::Uuid;

use crate::db::{Caller, TicketFilter};
use crate::error::{AppError, Json, Path, Query};
use crate::state::AppState;

/// Most tickets in one page of the list.
pub const MAX_PAGE: i64 = 500;
/// Longest search text `q` accepted (tickets and people), in characters: a search
/// scans text, and nobody types a longer one.
pub const MAX_QUERY_CHARS: usize = 200;

/// Refuses a search text longer than [`MAX_QUERY_CHARS`] with a clear `invalid`.
pub(super) fn check_query_length(q: Option<&str>) -> Result<(), AppError> {
    match q {
        Some(q) if q.chars().count() > MAX_QUERY_CHARS => Err(AppError::message(
            ErrorCode::Invalid,
            "error-query-too-long",
            &[("max", MAX_QUERY_CHARS.to_string())],
        )),
        _ => Ok(()),
    }
}

/// Query of `GET /api/v1/tickets` (all optional; words as on the wire).
#[derive(Debug, Deserialize)]
pub struct ListQuery {
    status: Option<String>,
    priority: Option<String>,
    channel: Option<String>,
    tier: Option<i64>,
    /// A user id, `me`, or `none` for unassigned.
    assignee: Option<String>,
    breaching: Option<bool>,
    q: Option<String>,
    limit: Option<i64>,
    offset: Option<i64>,
}

fn invalid(e: impl std::fmt::Display) -> AppError {
    AppError::new(ErrorCode::Invalid, e.to_string())
}

/// `GET /api/v1/tickets`.
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<ListQuery>,
) -> Result<Json<TicketPage>, AppError> {
    let assignee = match q.assignee.as_deref() {
        None => None,
        Some("none") => Some(None),
        Some("me") => Some(Some(caller.user.id)),
        Some(a) => {
            Some(Some(Uuid::parse_str(a).map_err(|_| {
                invalid("assignee must be a user id or none")
            })?))
        }
    };
    check_query_length(q.q.as_deref())?;
    let limit = q.limit.unwrap_or(50);
    if !(1..=MAX_PAGE).contains(&limit) || q.offset.is_some_and(|o| o < 0) {
        return Err(invalid(format!(
            "limit must be 1 to {MAX_PAGE} and offset not negative"
        )));
    }
    let filter = TicketFilter {
        status: q
            .status
            .as_deref()
            .map(Status::parse)
            .transpose()
            .map_err(invalid)?,
        priority: q
            .priority
            .as_deref()
            .map(Priority::parse)
            .transpose()
            .map_err(invalid)?,
        channel: q
            .channel
            .as_deref()
            .map(Channel::parse)
            .transpose()
            .map_err(invalid)?,
        tier: q.tier.map(Tier::parse).transpose().map_err(invalid)?,
        assignee,
        breaching: q.breaching,
        q: q.q,
        limit,
        offset: q.offset.unwrap_or(0),
    };
    Ok(Json(state.store.list_tickets(&caller, &filter).await?))
}

/// `GET /api/v1/tickets/{id}`.
pub async fn detail(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
) -> Result<Json<TicketDetail>, AppError> {
    Ok(Json(state.store.ticket_detail(&caller, id).await?))
}

/// Applies one mutation through the push path and answers the ticket as it is now.
async fn apply(
    state: &AppState,
    caller: &Caller,
    mutation: Mutation,
) -> Result<Json<TicketDetail>, AppError> {
    let env = MutationEnvelope {
        id: Uuid::now_v7(),
        mutation,
    };
    let mut results = state
        .quota
        .apply(&state.store, caller, vec![env], &state.settings)
        .await?;
    match results.pop().map(|r| r.outcome) {
        Some(Outcome::Applied { result } | Outcome::Duplicate { result }) => Ok(Json(
            state.store.ticket_detail(caller, result.ticket_id).await?,
        )),
        Some(Outcome::Rejected { code, message }) => Err(AppError::new(code, message)),
        None => Err(AppError::new(ErrorCode::Internal, "no result")),
    }
}

/// `POST /api/v1/tickets`.
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    Json(new): Json<NewTicket>,
) -> Result<(StatusCode, Json<TicketDetail>), AppError> {
    let detail = apply(&state, &caller, Mutation::CreateTicket(new)).await?;
    Ok((StatusCode::CREATED, detail))
}

/// `POST /api/v1/tickets/{id}/messages`.
pub async fn add_message(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
    Json(new): Json<NewMessage>,
) -> Result<(StatusCode, Json<TicketDetail>), AppError> {
    if new.ticket_id != id {
        return Err(invalid("ticket_id in the body differs from the path"));
    }
    let detail = apply(&state, &caller, Mutation::AddMessage(new)).await?;
    Ok((StatusCode::CREATED, detail))
}

/// `PATCH /api/v1/tickets/{id}`.
pub async fn update(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
    Json(body): Json<TicketChanges>,
) -> Result<Json<TicketDetail>, AppError> {
    apply(
        &state,
        &caller,
        Mutation::UpdateTicket(TicketUpdate {
            ticket_id: id,
            changes: body.changes,
        }),
    )
    .await
}

/// `POST /api/v1/tickets/{id}/escalate`.
pub async fn escalate(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
    Json(body): Json<EscalateRequest>,
) -> Result<Json<TicketDetail>, AppError> {
    let esc = Escalation {
        ticket_id: id,
        to_tier: body.to_tier,
        reason: body.reason,
    };
    apply(&state, &caller, Mutation::Escalate(esc)).await
}
