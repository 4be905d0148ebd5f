//! Sign-in slowing counters in the database, so every server process on it shares them
//! and a restart does not reset them.
//!
//! An attempt is claimed *before* its password is checked: the claim counts it as a
//! failure at once and moves the key's `next_allowed_at` on, and a success takes it back
//! ([`Store::forget_sign_in_failures`], [`Store::take_back_sign_in_attempt`]). So a burst
//! of parallel guesses gets no more checks than the same guesses in sequence.
//!
//! The claim is a compare-and-swap on the row's failure count (one `UPDATE … WHERE
//! failures = $seen`), the same statement on both engines; a lost race (with another
//! server process) reads again.
//!
//! What it costs: a claim is two statements, each its own commit (a read, then the
//! swap; for a key not seen within the window, a clean-up `DELETE` and an `INSERT`),
//! and a success two more (forget the account, take back the address). Unlike the
//! write quota (`quota.rs`, one statement inside the write's own transaction) this is
//! not squeezed further: it runs once per sign-in, beside an argon2 check that costs
//! tens of milliseconds by design, where a few loopback round trips are noise.

use sqlx::Row;

use super::{rows, Store, StoreError};

/// What a claimed sign-in attempt may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignInClaim {
    /// Check the password now; the attempt is already counted as a failure.
    Allowed,
    /// Too soon after the last failures: try again in this many milliseconds.
    SlowedFor(i64),
}

/// How often a claim re-reads a row it lost a race on before answering "slowed".
const CLAIM_TRIES: usize = 16;

impl Store {
    /// Claims one sign-in attempt for `key` (an account or an address), now.
    /// `forget_after_ms`: failures older than this (since the key's last attempt)
    /// no longer count. `delay_ms(failures)`: how long after an attempt that brings the
    /// count to `failures` the next one must wait.
    pub async fn claim_sign_in_attempt(
        &self,
        key: &str,
        forget_after_ms: i64,
        delay_ms: impl Fn(i64) -> i64,
    ) -> Result<SignInClaim, StoreError> {
        // Claims of this process take turns (on SQLite that is its one writer anyway,
        // and no SQLITE_BUSY): the compare-and-swap below then only races other
        // processes, rarely, instead of every parallel sign-in of this one.
        let _gate = self.write_gate.lock().await;
        // Read the clock with the gate held: a time read before waiting for it could be
        // older than what the claim before this one wrote, and look "too soon".
        let now = rows::now_ms();
        for _ in 0..CLAIM_TRIES {
            let row = sqlx::query(
                "SELECT failures, next_allowed_at, updated_at FROM sign_in_slowing WHERE key = $1",
            )
            .bind(key)
            .fetch_optional(&self.pool)
            .await?;
            let Some(row) = row else {
                // A new key: first forget the keys nobody tried within the window, so
                // guesses at made-up e-mails cannot grow the table without bound.
                sqlx::query("DELETE FROM sign_in_slowing WHERE updated_at < $1")
                    .bind(now.saturating_sub(forget_after_ms))
                    .execute(&self.pool)
                    .await?;
                let inserted = sqlx::query(
                    "INSERT INTO sign_in_slowing (key, failures, next_allowed_at, updated_at) \
                     VALUES ($1, 1, $2, $3) ON CONFLICT (key) DO NOTHING",
                )
                .bind(key)
                .bind(now + delay_ms(1))
                .bind(now)
                .execute(&self.pool)
                .await?;
                if inserted.rows_affected() == 1 {
                    return Ok(SignInClaim::Allowed);
                }
                continue;
            };
            let seen: i64 = row.try_get("failures")?;
            let next_allowed_at: i64 = row.try_get("next_allowed_at")?;
            let updated_at: i64 = row.try_get("updated_at")?;
            let stale = now - updated_at > forget_after_ms;
            if !stale && now < next_allowed_at {
                return Ok(SignInClaim::SlowedFor(next_allowed_at - now));
            }
            let failures = if stale { 1 } else { seen + 1 };
            let swapped = sqlx::query(
                "UPDATE sign_in_slowing SET failures = $1, next_allowed_at = $2, updated_at = $3 \
                 WHERE key = $4 AND failures = $5 AND updated_at = $6",
            )
            .bind(failures)
            .bind(now + delay_ms(failures))
            .bind(now)
            .bind(key)
            .bind(seen)
            .bind(updated_at)
            .execute(&self.pool)
            .await?;
            if swapped.rows_affected() == 1 {
                return Ok(SignInClaim::Allowed);
            }
        }
        // Many claims on one key at once: that is an attack, not a user.
        Ok(SignInClaim::SlowedFor(delay_ms(1).max(1000)))
    }

    /// Forgets a key's failures (an account after a successful sign-in).
    pub async fn forget_sign_in_failures(&self, key: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM sign_in_slowing WHERE key = $1")
            .bind(key)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Takes back one claimed attempt that turned out to succeed (an address after a
    /// successful sign-in from it). The key's next allowed time stays: a success must
    /// not open the door to guesses sooner.
    pub async fn take_back_sign_in_attempt(&self, key: &str) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE sign_in_slowing SET failures = failures - 1 WHERE key = $1 AND failures > 0",
        )
        .bind(key)
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}
