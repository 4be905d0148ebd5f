//! Passwords, tokens on requests, and sign-in slowing.
//!
//! Passwords are hashed with argon2id (cost from the settings; tests lower it). A
//! request proves who it is with `Authorization: Bearer <token>`; [`Caller`] is the
//! extractor that checks it. Sign-in attempts are counted per address and per account
//! in the database before any password is checked ([`claim_sign_in`]); past the allowed
//! failures the next attempt must wait an exponentially growing delay.

use std::net::IpAddr;

use std::sync::{Arc, Mutex};

use argon2::password_hash::{rand_core::OsRng, Output, PasswordHash, PasswordHasher, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use tadhkira_proto::ErrorCode;
use tokio::sync::Semaphore;

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
    verify_password_in(hash, password, &mut Vec::new())
}

/// [`verify_password`] with the argon2 working memory given (grown to the hash's memory
/// cost if smaller), so that the caller can reuse it.
fn verify_password_in(hash: &str, password: &str, memory: &mut Vec<Block>) -> bool {
    let Ok(parsed) = PasswordHash::new(hash) else {
        return false;
    };
    let Ok(algorithm) = Algorithm::try_from(parsed.algorithm) else {
        return false;
    };
    let Ok(version) = parsed.version.map(Version::try_from).transpose() else {
        return false;
    };
    let (Ok(params), Some(salt), Some(expected)) =
        (Params::try_from(&parsed), parsed.salt, parsed.hash)
    else {
        return false;
    };
    let mut salt_bytes = [0u8; 64];
    let Ok(salt) = salt.decode_b64(&mut salt_bytes) else {
        return false;
    };
    if memory.len() < params.block_count() {
        memory.resize(params.block_count(), Block::default());
    }
    let mut out = vec![0u8; expected.len()];
    let argon2 = Argon2::new(algorithm, version.unwrap_or_default(), params);
    if argon2
        .hash_password_into_with_memory(password.as_bytes(), salt, &mut out, &mut memory[..])
        .is_err()
    {
        return false;
    }
    // `Output`'s equality is constant-time.
    Output::new(&out).is_ok_and(|out| out == expected)
}

/// The bound on password hashing: at most `size` argon2 checks run at once, each in one
/// of at most `size` working memories that are kept and reused. Why reuse: freed 19 MiB
/// blocks are not reliably given back to the system by the allocator (measured: with a
/// fresh allocation per check, 1,000 parallel sign-ins raised the resident memory far
/// past `size × memory cost`), so the pool owns the memory instead.
///
/// The bound this gives: `size × argon2.memory_kib` of hashing memory (default 2 cores ×
/// 2 × 19 MiB = 76 MiB), whatever the number of parallel sign-ins; a sign-in that finds
/// every permit taken is answered `busy` at once and holds only its request (a few KiB).
#[derive(Debug)]
pub struct HashingPool {
    permits: Arc<Semaphore>,
    memories: Arc<Mutex<Vec<Vec<Block>>>>,
}

impl HashingPool {
    /// A pool of `size` permits (at least one).
    pub fn new(size: usize) -> Self {
        Self {
            permits: Arc::new(Semaphore::new(size.max(1))),
            memories: Arc::default(),
        }
    }

    /// Checks `password` against `hash` on a blocking thread, or `None` at once when the
    /// pool is full.
    pub async fn try_verify(&self, hash: String, password: String) -> Option<bool> {
        let permit = self.permits.clone().try_acquire_owned().ok()?;
        let memories = self.memories.clone();
        let ok = tokio::task::spawn_blocking(move || {
            // Holding a permit, there is a free memory unless fewer were made so far.
            let mut memory = memories
                .lock()
                .ok()
                .and_then(|mut m| m.pop())
                .unwrap_or_default();
            let ok = verify_password_in(&hash, &password, &mut memory);
            if let Ok(mut m) = memories.lock() {
                m.push(memory);
            }
            drop(permit);
            ok
        })
        .await
        .unwrap_or(false);
        Some(ok)
    }
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
    let forget_after = i64::try_from(limit.window_seconds.saturating_mul(1000)).unwrap_or(i64::MAX);
    let address = address_key(ip);
    let account = account_key(email);
    let mut keys = vec![(address.as_str(), limit.max_failures_per_address)];
    if !skip_account {
        keys.push((account.as_str(), limit.max_failures_per_account));
    }
    for (key, allowed) in keys {
        let claim = store
            .claim_sign_in_attempt(key, forget_after, |f| limit.delay_ms(f, allowed))
            .await?;
        if let SignInClaim::SlowedFor(ms) = claim {
            let seconds = u64::try_from((ms + 999) / 1000).unwrap_or(1);
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
        // One working memory serves hashes of different costs in turn.
        let bigger = hash_password(
            Argon2Params {
                memory_kib: 256,
                ..p
            },
            "other",
        )
        .unwrap();
        let mut memory = Vec::new();
        assert!(verify_password_in(&h, "demo1234", &mut memory));
        assert!(verify_password_in(&bigger, "other", &mut memory));
        assert!(!verify_password_in(&bigger, "demo1234", &mut memory));
        assert!(verify_password_in(&h, "demo1234", &mut memory));
    }
}
