//! Passwords, tokens on requests, and sign-in slowing.
//!
//! Passwords are hashed with argon2id (cost from the settings; tests lower it). A
//! request proves who it is with `Authorization: Bearer <token>`; [`Caller`] is the
//! extractor that checks it. Sign-in attempts are counted per address and per account
//! in the database before any password is checked ([`claim_sign_in`]); past the allowed
//! failures the next attempt must wait an exponentially growing delay.

use std::net::IpAddr;

use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::{Algorithm, Argon2, Params, Version};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use tadhkira_proto::ErrorCode;

use crate::config::{Argon2Params, LoginLimit};
use crate::db::{Caller, SignInClaim, Store};
use crate::error::AppError;
use crate::state::AppState;

/// Hashes a password with argon2id at the given cost (a PHC string).
pub fn hash_password(params: Argon2Params, password: &str) -> anyhow::Result<String> {
    let p = Params::new(
        params.memory_kib,
        params.iterations,
        params.parallelism,
        None,
    )
    .map_err(|e| anyhow::anyhow!("bad argon2 parameters: {e}"))?;
    let salt = SaltString::generate(&mut OsRng);
    Argon2::new(Algorithm::Argon2id, Version::V0x13, p)
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| anyhow::anyhow!("hashing failed: {e}"))
}

/// Whether `password` matches a stored PHC hash (its own parameters are used).
pub fn verify_password(hash: &str, password: &str) -> bool {
    PasswordHash::new(hash)
        .map(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false)
}

/// The bearer token of a request, if any.
pub fn bearer(parts: &Parts) -> Option<&str> {
    bearer_of(&parts.headers)
}

/// The bearer token in these headers, if any.
pub fn bearer_of(headers: &axum::http::HeaderMap) -> Option<&str> {
    let value = headers
        .get(axum::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    let token = value
        .strip_prefix("Bearer ")
        .or_else(|| value.strip_prefix("bearer "))?
        .trim();
    (!token.is_empty()).then_some(token)
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let unauthorized = || AppError::message(ErrorCode::Unauthorized, "error-no-token", &[]);
        let token = bearer(parts).ok_or_else(unauthorized)?;
        state
            .store
            .caller_for_token(token)
            .await?
            .ok_or_else(unauthorized)
    }
}

/// Claims one sign-in attempt from `ip` for `email` before its password is checked:
/// counted at once as a failure per address and per account in the database (shared by
/// every server process, kept across restarts), so parallel guesses get no more checks
/// than sequential ones. Answers `rate_limited` with `Retry-After` while either is
/// slowed. `skip_account`: the caller proved this device signed in to the account before
/// (see `routes::session`), so someone else's guesses on the account do not slow it; the
/// address is still counted.
pub async fn claim_sign_in(
    store: &Store,
    limit: &LoginLimit,
    ip: IpAddr,
    email: &str,
    skip_account: bool,
) -> Result<(), AppError> {
    let now = chrono::Utc::now().timestamp_millis();
    let forget_after = i64::try_from(limit.window_seconds.saturating_mul(1000)).unwrap_or(i64::MAX);
    let address = address_key(ip);
    let account = account_key(email);
    let mut keys = vec![(address.as_str(), limit.max_failures_per_address)];
    if !skip_account {
        keys.push((account.as_str(), limit.max_failures_per_account));
    }
    for (key, allowed) in keys {
        let claim = store
            .claim_sign_in_attempt(key, now, forget_after, |f| limit.delay_ms(f, allowed))
            .await?;
        if let SignInClaim::SlowedUntil(at) = claim {
            let seconds = u64::try_from((at - now + 999) / 1000).unwrap_or(1);
            tracing::warn!(%ip, slowed = key.split(':').next().unwrap_or(""), seconds, "sign-in slowed");
            return Err(
                AppError::message(ErrorCode::RateLimited, "error-too-many-sign-ins", &[])
                    .retry_after(seconds),
            );
        }
    }
    Ok(())
}

/// After a successful sign-in: the account's failures are forgotten, and the attempt
/// claimed for the address is taken back.
pub async fn sign_in_succeeded(store: &Store, ip: IpAddr, email: &str) -> Result<(), AppError> {
    store.forget_sign_in_failures(&account_key(email)).await?;
    store.take_back_sign_in_attempt(&address_key(ip)).await?;
    Ok(())
}

/// When a claimed attempt was not checked after all (the hashing pool was full): both
/// claims are taken back, so being answered `busy` never slows anyone.
pub async fn sign_in_not_checked(
    store: &Store,
    ip: IpAddr,
    email: &str,
    skipped_account: bool,
) -> Result<(), AppError> {
    store.take_back_sign_in_attempt(&address_key(ip)).await?;
    if !skipped_account {
        store.take_back_sign_in_attempt(&account_key(email)).await?;
    }
    Ok(())
}

fn address_key(ip: IpAddr) -> String {
    format!("address:{ip}")
}

fn account_key(email: &str) -> String {
    format!("account:{email}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_verify_only_against_their_hash() {
        let p = Argon2Params {
            memory_kib: 64,
            iterations: 1,
            parallelism: 1,
        };
        let h = hash_password(p, "demo1234").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password(&h, "demo1234"));
        assert!(!verify_password(&h, "demo12345"));
        assert!(!verify_password("not a hash", "demo1234"));
    }
}
