//! Per-user write quotas in the database (migration 0018), so that every server
//! process on one PostgreSQL database draws on the same quota: behind a load balancer a
//! user gets the configured rate in all, not once per process.
//!
//! The bucket is the generic cell rate algorithm: one number per user, the
//! *theoretical* time at which their bucket would be full again. A write of `n`
//! mutations costs `n` intervals (an interval is a minute over the allowed rate); it is
//! allowed while that time, moved on to now if it lies in the past, is at most
//! `burst − n` intervals ahead of now, and then moves it on by the cost. Refilling is
//! time passing, so no statement ever runs to refill. A batch larger than the burst
//! needs a full bucket and then leaves the user in debt, so no batch the protocol
//! allows can be refused forever.
//!
//! What it costs: one upsert (`INSERT … ON CONFLICT DO UPDATE … WHERE … RETURNING`),
//! run inside the write's own transaction right after it takes the feed lock
//! (`writer.rs`). So no extra commit (no extra fsync) and no extra lock wait: writers
//! already take turns on the feed lock, and the quota row is only ever locked under it.
//! A refused write reads the row once more (to say how long to wait) and rolls back,
//! leaving nothing. The process's clock is the clock; processes on one database should
//! run NTP (a clock behind only makes its writes wait a little longer).

use std::time::Duration;

use sqlx::{AnyConnection, Row};
use uuid::Uuid;

use super::writer::Writer;
use super::{Backend, Store, StoreError};

/// A write quota as the database applies it: `burst` mutations at once, then one per
/// `interval_us` microseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuotaRule {
    interval_us: i64,
    burst: i64,
}

impl QuotaRule {
    /// `mutations_per_minute` sustained (at least one), `burst` at once (at least one).
    pub fn new(mutations_per_minute: u32, burst: u32) -> Self {
        let per_minute = f64::from(mutations_per_minute.max(1));
        Self {
            // Rounded to the microsecond; a rate past 60 million a minute is no limit.
            interval_us: ((60_000_000.0 / per_minute).round() as i64).max(1),
            burst: i64::from(burst.max(1)),
        }
    }
}

/// The current time in unix microseconds, the quota's clock.
pub fn now_us() -> i64 {
    chrono::Utc::now().timestamp_micros()
}

impl Store {
    /// Takes `n` mutations from `user`'s quota at `now_us`, in a transaction of its own;
    /// `Err(StoreError::OverQuota(wait))` when they do not fit (nothing is taken then).
    /// Writes take the quota inside their own transaction instead
    /// ([`Store::apply_batch`]); this is the same statement, for a caller that has
    /// nothing else to write and for tests with a clock of their own.
    pub async fn take_write_quota(
        &self,
        rule: QuotaRule,
        user: Uuid,
        n: usize,
        now_us: i64,
    ) -> Result<(), StoreError> {
        // SQLite's one writer, taken in-process first as every writer does (writer.rs).
        let _gate = match self.backend {
            Backend::Sqlite => Some(self.write_gate.lock().await),
            Backend::Postgres => None,
        };
        let mut tx = self.pool.begin().await?;
        take(&mut tx, rule, user, n, now_us).await?;
        tx.commit().await?;
        Ok(())
    }
}

impl Writer {
    /// Takes `n` mutations from `user`'s quota within this transaction (under the feed
    /// lock); `Err(StoreError::OverQuota(wait))` when they do not fit — the caller then
    /// drops the writer, which rolls everything back.
    pub(super) async fn take_write_quota(
        &mut self,
        rule: QuotaRule,
        user: Uuid,
        n: usize,
    ) -> Result<(), StoreError> {
        take(self.lookup().await?, rule, user, n, now_us()).await
    }
}

/// The one statement (and, when refused, the read of how long to wait).
async fn take(
    conn: &mut AnyConnection,
    rule: QuotaRule,
    user: Uuid,
    n: usize,
    now_us: i64,
) -> Result<(), StoreError> {
    let n = i64::try_from(n).unwrap_or(i64::MAX);
    let cost = n.saturating_mul(rule.interval_us);
    // A batch larger than the burst needs a full bucket, not more than full.
    let needed = n.min(rule.burst).saturating_mul(rule.interval_us);
    let tolerance = rule.burst.saturating_mul(rule.interval_us);
    // Allowed while max(theoretical, now) + needed <= now + tolerance; since needed is
    // at most the tolerance, that is theoretical <= latest.
    let latest = now_us.saturating_add(tolerance - needed);
    let user = user.to_string();
    let taken = sqlx::query(
        "INSERT INTO write_quotas (user_id, theoretical_at_us) VALUES ($1, $2) \
         ON CONFLICT (user_id) DO UPDATE SET theoretical_at_us = \
           CASE WHEN write_quotas.theoretical_at_us > $3 \
             THEN write_quotas.theoretical_at_us ELSE $3 END + $4 \
         WHERE write_quotas.theoretical_at_us <= $5 \
         RETURNING theoretical_at_us",
    )
    .bind(&user)
    .bind(now_us.saturating_add(cost))
    .bind(now_us)
    .bind(cost)
    .bind(latest)
    .fetch_optional(&mut *conn)
    .await?;
    if taken.is_some() {
        return Ok(());
    }
    // Refused: the row exists and this transaction holds its lock (PostgreSQL locks a
    // conflicting row even when the WHERE keeps it unchanged).
    let theoretical: i64 =
        sqlx::query("SELECT theoretical_at_us FROM write_quotas WHERE user_id = $1")
            .bind(&user)
            .fetch_one(&mut *conn)
            .await?
            .try_get("theoretical_at_us")?;
    let wait_us = theoretical.saturating_sub(latest).max(1);
    Err(StoreError::OverQuota(Duration::from_micros(
        u64::try_from(wait_us).unwrap_or(1),
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_interval_is_a_minute_over_the_rate() {
        assert_eq!(QuotaRule::new(60, 10).interval_us, 1_000_000);
        assert_eq!(QuotaRule::new(6_000, 1).interval_us, 10_000);
        assert_eq!(QuotaRule::new(0, 0), QuotaRule::new(1, 1));
        assert_eq!(QuotaRule::new(u32::MAX, 5).interval_us, 1);
    }
}
