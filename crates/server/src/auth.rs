//! Passwords, tokens on requests, and sign-in slowing.
//!
//! Passwords are hashed with argon2id (cost from the settings; tests lower it). A
//! request proves who it is with `Authorization: Bearer <token>`; [`Caller`] is the
//! extractor that checks it. Failed sign-ins are counted per address and per account in
//! a sliding window; past the limit the answer is `rate_limited` before any password is
//! checked.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::{Algorithm, Argon2, Params, Version};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use tadhkira_proto::ErrorCode;

use crate::config::{Argon2Params, LoginLimit};
use crate::db::Caller;
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
    let value = parts
        .headers
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

/// Above this many tracked addresses and accounts, expired entries are swept.
const MAX_TRACKED_KEYS: usize = 10_000;

/// Counts failed sign-ins per address and per account.
#[derive(Debug)]
pub struct LoginLimiter {
    limit: LoginLimit,
    failures: Mutex<HashMap<String, Vec<Instant>>>,
}

impl LoginLimiter {
    /// A limiter with these limits.
    pub fn new(limit: LoginLimit) -> Self {
        Self {
            limit,
            failures: Mutex::new(HashMap::new()),
        }
    }

    fn keys(ip: IpAddr, email: &str) -> [(String, usize); 2] {
        [(format!("ip:{ip}"), 0), (format!("account:{email}"), 1)]
    }

    /// Whether another attempt from `ip` for `email` must wait.
    pub fn is_limited(&self, ip: IpAddr, email: &str) -> bool {
        let window = Duration::from_secs(self.limit.window_seconds);
        let Ok(mut map) = self.failures.lock() else {
            return false;
        };
        let now = Instant::now();
        Self::keys(ip, email).iter().any(|(key, which)| {
            let max = if *which == 0 {
                self.limit.max_failures_per_address
            } else {
                self.limit.max_failures_per_account
            };
            let Some(list) = map.get_mut(key) else {
                return false;
            };
            list.retain(|t| now.duration_since(*t) < window);
            list.len() >= max
        })
    }

    /// Counts a failed attempt.
    pub fn record_failure(&self, ip: IpAddr, email: &str) {
        if let Ok(mut map) = self.failures.lock() {
            if map.len() > MAX_TRACKED_KEYS {
                // Bound the memory an attacker can make us use: forget what expired.
                let window = Duration::from_secs(self.limit.window_seconds);
                let now = Instant::now();
                map.retain(|_, list| list.last().is_some_and(|t| now.duration_since(*t) < window));
            }
            for (key, _) in Self::keys(ip, email) {
                map.entry(key).or_default().push(Instant::now());
            }
        }
    }

    /// Forgets an account's failures after a successful sign-in.
    pub fn record_success(&self, email: &str) {
        if let Ok(mut map) = self.failures.lock() {
            map.remove(&format!("account:{email}"));
        }
    }
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

    #[test]
    fn an_account_is_slowed_after_too_many_failures() {
        let l = LoginLimiter::new(LoginLimit {
            window_seconds: 60,
            max_failures_per_account: 2,
            max_failures_per_address: 10,
        });
        let ip: IpAddr = [127, 0, 0, 1].into();
        assert!(!l.is_limited(ip, "a@x.example"));
        l.record_failure(ip, "a@x.example");
        l.record_failure(ip, "a@x.example");
        assert!(l.is_limited(ip, "a@x.example"));
        assert!(
            !l.is_limited(ip, "b@x.example"),
            "another account is not slowed"
        );
    }
}
