//! Signing in and out, and `GET /api/v1/me`.

use axum::extract::State;
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use tadhkira_proto::{Email, ErrorCode, LoginRequest, LoginResponse, Me};

use crate::auth::{bearer, bearer_of, claim_sign_in, sign_in_not_checked, sign_in_succeeded};
use crate::db::Caller;
use crate::error::{AppError, Json};
use crate::state::AppState;
use crate::transport::ClientAddress;

/// `POST /api/v1/auth/login`: claims an attempt first (counted as a failure until the password proves right, so parallel guesses gain nothing; `rate_limited` with `Retry-After` while slowed), then the password (against a dummy hash when the e-mail is unknown, so timing does not tell), then issues a token. The address counted is the peer's, or behind a trusted proxy the client's it reports (`transport::proxy`).
pub async fn login(
    State(state): State<AppState>,
    ClientAddress(ip): ClientAddress,
    headers: HeaderMap,
    Json(req): Json<LoginRequest>,
) -> Result<Json<LoginResponse>, AppError> {
    let bad = || AppError::message(ErrorCode::BadCredentials, "error-bad-credentials", &[]);
    let email = Email::parse(&req.email).map_err(|_| bad())?;
    // A device that signed in to this account before is not slowed by someone else's
    // guesses on it. It proves that with a token it was once issued for the account
    // (sent as `Authorization: Bearer`, as the client does with the token it holds;
    // expired or revoked ones count): tokens are 256 random bits stored hashed and were
    // only ever issued after the right password, so a guesser cannot make one up. Such a
    // device is still counted per address and its password is still checked.
    let known_device = match bearer_of(&headers) {
        Some(token) => state.store.token_was_issued_to(token, &email).await?,
        None => false,
    };
    // Counted before the password is checked, so parallel guesses gain nothing.
    claim_sign_in(
        &state.store,
        &state.settings.login_limit,
        ip,
        email.as_str(),
        known_device,
    )
    .await?;
    let found = state.store.credentials(&email).await?;
    let hash = found
        .as_ref()
        .map(|(_, h)| h.clone())
        .unwrap_or_else(|| state.dummy_hash.to_string());
    // Bounded hashing (see `HashingPool` for the memory bound): a sign-in that finds the
    // pool full is answered `busy` at once instead of queueing without bound; the
    // attempt it claimed is taken back, as its password was not checked.
    let Some(ok) = state.hashing.try_verify(hash, req.password.clone()).await else {
        sign_in_not_checked(&state.store, ip, email.as_str(), known_device).await?;
        return Err(AppError::message(ErrorCode::Busy, "error-sign-in-busy", &[]).retry_after(1));
    };
    let Some((user, _)) = found.filter(|_| ok) else {
        return Err(bad());
    };
    sign_in_succeeded(&state.store, ip, email.as_str()).await?;
    let ttl = chrono::Duration::hours(state.settings.token_ttl_hours);
    // The device label is only a hint for the user: keep it short and printable.
    let device: Option<String> = req
        .device
        .as_deref()
        .map(|d| d.chars().filter(|c| !c.is_control()).take(120).collect());
    let issued = state
        .store
        .issue_token(user.id, device.as_deref(), ttl)
        .await?;
    let organisation = match user.org_id {
        Some(id) => Some(state.store.organisation(id).await?),
        None => None,
    };
    tracing::info!(user = %user.id, "signed in");
    Ok(Json(LoginResponse {
        token: issued.token,
        expires_at: issued.expires_at,
        user,
        organisation,
    }))
}

/// The raw bearer token of a signed-in caller (for sign-out).
pub struct Token(String);

impl axum::extract::FromRequestParts<AppState> for Token {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<Self, AppError> {
        bearer(parts)
            .map(|t| Token(t.to_owned()))
            .ok_or_else(|| AppError::message(ErrorCode::Unauthorized, "error-no-token", &[]))
    }
}

/// `POST /api/v1/auth/logout`: revokes the token of this request.
pub async fn logout(
    State(state): State<AppState>,
    _caller: Caller,
    Token(token): Token,
) -> Result<StatusCode, AppError> {
    state.store.revoke_token(&token).await?;
    // Its live streams end now (on other server processes, at their next check).
    state.streams.close_token(&token);
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /api/v1/me`.
pub async fn me(caller: Caller) -> Json<Me> {
    Json(Me {
        user: caller.user,
        organisation: caller.organisation,
    })
}
