//! Signing in and out, and `GET /api/v1/me`.

use axum::extract::State;
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use tadhkira_proto::{Email, ErrorCode, LoginRequest, LoginResponse, Me, PasswordChange};

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
    // A one-time password set by an admin opens nothing until it is replaced
    // (`POST /api/v1/auth/password`).
    if state.store.must_change_password(user.id).await? {
        return Err(AppError::message(
            ErrorCode::PasswordChangeRequired,
            "error-password-change-required",
            &[],
        ));
    }
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

/// Checks `email`'s current password as a sign-in does (counted and slowed the same,
/// bounded hashing, no hint whether the account exists) and answers the user.
async fn check_current_password(
    state: &AppState,
    ip: std::net::IpAddr,
    email: &Email,
    password: &str,
) -> Result<tadhkira_proto::User, AppError> {
    let bad = || AppError::message(ErrorCode::BadCredentials, "error-bad-credentials", &[]);
    claim_sign_in(
        &state.store,
        &state.settings.login_limit,
        ip,
        email.as_str(),
        false,
    )
    .await?;
    let found = state.store.credentials(email).await?;
    let hash = found
        .as_ref()
        .map(|(_, h)| h.clone())
        .unwrap_or_else(|| state.dummy_hash.to_string());
    let Some(ok) = state.hashing.try_verify(hash, password.to_owned()).await else {
        sign_in_not_checked(&state.store, ip, email.as_str(), false).await?;
        return Err(AppError::message(ErrorCode::Busy, "error-sign-in-busy", &[]).retry_after(1));
    };
    let Some((user, _)) = found.filter(|_| ok) else {
        return Err(bad());
    };
    sign_in_succeeded(&state.store, ip, email.as_str()).await?;
    Ok(user)
}

fn check_new_password(change: &PasswordChange) -> Result<(), AppError> {
    if change.new_password == change.current_password {
        return Err(AppError::message(
            ErrorCode::Invalid,
            "error-password-unchanged",
            &[],
        ));
    }
    Ok(())
}

/// `POST /api/v1/auth/password`: replaces a password given the e-mail and the current
/// one, without a token — how a one-time password set by an admin is replaced before
/// the first sign-in. Counted and slowed like a sign-in.
pub async fn change_password(
    State(state): State<AppState>,
    ClientAddress(ip): ClientAddress,
    Json(change): Json<PasswordChange>,
) -> Result<StatusCode, AppError> {
    let bad = || AppError::message(ErrorCode::BadCredentials, "error-bad-credentials", &[]);
    let email = Email::parse(change.email.as_deref().unwrap_or_default()).map_err(|_| bad())?;
    check_new_password(&change)?;
    let user = check_current_password(&state, ip, &email, &change.current_password).await?;
    crate::admin::change_own_password(&state.store, &state.settings, user.id, &change.new_password)
        .await?;
    tracing::info!(user = %user.id, "password changed");
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /api/v1/me/password`: the signed-in user's own password change (their current
/// password checked first).
pub async fn change_my_password(
    State(state): State<AppState>,
    ClientAddress(ip): ClientAddress,
    caller: Caller,
    Json(change): Json<PasswordChange>,
) -> Result<StatusCode, AppError> {
    let email = Email::parse(&caller.user.email)
        .map_err(|e| AppError::new(ErrorCode::Internal, e.to_string()))?;
    check_new_password(&change)?;
    check_current_password(&state, ip, &email, &change.current_password).await?;
    crate::admin::change_own_password(
        &state.store,
        &state.settings,
        caller.user.id,
        &change.new_password,
    )
    .await?;
    tracing::info!(user = %caller.user.id, "password changed");
    Ok(StatusCode::NO_CONTENT)
}
