//! Per-user write quotas: how many mutations (pushed or through the REST ticket
//! endpoints) one user may have applied per minute, with a burst allowance.
//!
//! Every write is a transaction that takes the database's write lock (SQLite) or a
//! ticket's row locks (PostgreSQL); one token pushing without pause could keep every
//! other user waiting. A token bucket per user, in this server process: it holds up to
//! `burst` mutations and refills at `mutations_per_minute`. A write that finds too few
//! is answered 429 `rate_limited` with `Retry-After` (the seconds until it would fit)
//! and applies nothing, so the client keeps it queued and sends it again later. A
//! batch larger than the burst is let through whenever the bucket is full (and leaves
//! it in debt), so no batch the protocol allows can be refused forever.
//!
//! The buckets live in memory: several server processes each give a user their own
//! quota. That bounds the work per process, which is what the quota is for.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use uuid::Uuid;

use crate::config::WriteQuotaSettings;

/// Buckets are dropped once this many exist and they are full again (idle users).
const PRUNE_AT: usize = 10_000;

#[derive(Debug, Clone, Copy)]
struct Bucket {
    /// Mutations that may go now (negative: debt from a batch larger than the burst).
    tokens: f64,
    at: Instant,
}

/// The write quotas of every user of this process.
#[derive(Debug)]
pub struct WriteQuota {
    per_second: f64,
    burst: f64,
    buckets: Mutex<HashMap<Uuid, Bucket>>,
}

impl WriteQuota {
    /// Quotas with these settings.
    pub fn new(settings: WriteQuotaSettings) -> Self {
        Self {
            per_second: f64::from(settings.mutations_per_minute.max(1)) / 60.0,
            burst: f64::from(settings.burst.max(1)),
            buckets: Mutex::default(),
        }
    }

    /// Takes `n` mutations from `user`'s quota, or answers how long until they would
    /// fit (nothing is taken then).
    pub fn take(&self, user: Uuid, n: usize) -> Result<(), Duration> {
        self.take_at(user, n, Instant::now())
    }

    fn take_at(&self, user: Uuid, n: usize, now: Instant) -> Result<(), Duration> {
        let Ok(mut buckets) = self.buckets.lock() else {
            // A poisoned lock: no quota rather than no writes.
            return Ok(());
        };
        if buckets.len() >= PRUNE_AT {
            let (per_second, burst) = (self.per_second, self.burst);
            buckets.retain(|_, b| refilled(*b, now, per_second, burst) < burst);
        }
        let bucket = buckets.entry(user).or_insert(Bucket {
            tokens: self.burst,
            at: now,
        });
        let tokens = refilled(*bucket, now, self.per_second, self.burst);
        let n = n as f64;
        // A batch larger than the burst needs a full bucket.
        let needed = n.min(self.burst);
        if tokens + 1e-9 < needed {
            let wait = (needed - tokens) / self.per_second;
            *bucket = Bucket { tokens, at: now };
            return Err(Duration::from_secs_f64(wait));
        }
        *bucket = Bucket {
            tokens: tokens - n,
            at: now,
        };
        Ok(())
    }
}

fn refilled(b: Bucket, now: Instant, per_second: f64, burst: f64) -> f64 {
    let elapsed = now.saturating_duration_since(b.at).as_secs_f64();
    (b.tokens + elapsed * per_second).min(burst)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn quota(per_minute: u32, burst: u32) -> WriteQuota {
        WriteQuota::new(WriteQuotaSettings {
            mutations_per_minute: per_minute,
            burst,
        })
    }

    #[test]
    fn a_user_may_write_the_burst_then_waits_for_the_refill() {
        let q = quota(60, 10);
        let (user, other) = (Uuid::now_v7(), Uuid::now_v7());
        let t0 = Instant::now();
        assert!(q.take_at(user, 6, t0).is_ok());
        assert!(q.take_at(user, 4, t0).is_ok());
        let wait = q.take_at(user, 3, t0).unwrap_err();
        assert!((2.9..=3.1).contains(&wait.as_secs_f64()), "{wait:?}");
        assert!(q.take_at(other, 10, t0).is_ok(), "each user has their own");
        // One per second comes back.
        assert!(q.take_at(user, 3, t0 + Duration::from_secs(3)).is_ok());
        assert!(q.take_at(user, 1, t0 + Duration::from_secs(3)).is_err());
    }

    #[test]
    fn a_batch_larger_than_the_burst_goes_when_the_bucket_is_full() {
        let q = quota(60, 10);
        let user = Uuid::now_v7();
        let t0 = Instant::now();
        assert!(
            q.take_at(user, 25, t0).is_ok(),
            "a full bucket lets it through"
        );
        // In debt: 15 below zero, so the next single write waits 16 seconds.
        let wait = q.take_at(user, 1, t0).unwrap_err();
        assert!((15.9..=16.1).contains(&wait.as_secs_f64()), "{wait:?}");
    }
}
