//! Per-user write quotas: how many mutations (pushed or through the REST ticket
//! endpoints) one user may have applied per minute, with a burst allowance.
//!
//! Every write is a transaction that takes the feed lock (`db/writer.rs`); one token
//! pushing without pause could keep every other user waiting. A write that finds too
//! little of its user's quota left is answered 429 `rate_limited` with `Retry-After`
//! (the seconds until it would fit) and applies nothing, so the client keeps it queued
//! and sends it again later.
//!
//! The quota itself lives in the database (`db/quota.rs`, one upsert inside the write's
//! own transaction), so every server process on one PostgreSQL database shares it: a
//! user gets the configured rate in all, however many processes the load balancer
//! spreads them over. What stays here, per process, is a memory of refusals: after the
//! database said "wait W", this process refuses the same user's writes until then
//! without asking it (other processes can only have taken more since, so the database
//! would refuse them too). A client that ignores `Retry-After` therefore costs a map
//! look-up, not the feed lock.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tadhkira_proto::{MutationEnvelope, MutationResult};
use uuid::Uuid;

use crate::config::{Settings, WriteQuotaSettings};
use crate::db::{Caller, QuotaRule, Store, StoreError};
use crate::error::AppError;

/// Refusals are forgotten once this many are remembered and past (idle users).
const PRUNE_AT: usize = 10_000;

/// The write quota of this server's users, and the refusals this process remembers.
#[derive(Debug)]
pub struct WriteQuota {
    rule: QuotaRule,
    refused_until: Mutex<HashMap<Uuid, Instant>>,
}

impl WriteQuota {
    /// Quotas with these settings.
    pub fn new(settings: WriteQuotaSettings) -> Self {
        Self {
            rule: QuotaRule::new(settings.mutations_per_minute, settings.burst),
            refused_until: Mutex::default(),
        }
    }

    /// Applies `batch` for `caller` if it fits their quota, with the other writes of
    /// the moment ([`Store::apply_grouped`]), else answers 429 `rate_limited` with how
    /// long to wait.
    pub async fn apply(
        &self,
        store: &Store,
        caller: &Caller,
        batch: Vec<MutationEnvelope>,
        settings: &Arc<Settings>,
    ) -> Result<Vec<MutationResult>, AppError> {
        let user = caller.user.id;
        if let Some(wait) = self.remembered_wait(user, Instant::now()) {
            return Err(refused(user, batch.len(), wait));
        }
        let n = batch.len();
        match store
            .apply_grouped(caller, batch, Arc::clone(settings), Some(self.rule))
            .await
        {
            Ok(results) => Ok(results),
            Err(StoreError::OverQuota(wait)) => {
                self.remember(user, Instant::now() + wait);
                Err(refused(user, n, wait))
            }
            Err(e) => Err(e.into()),
        }
    }

    /// How long `user` must still wait after a refusal this process saw, if at all.
    fn remembered_wait(&self, user: Uuid, now: Instant) -> Option<Duration> {
        // A poisoned lock: ask the database, as if nothing were remembered.
        let refused = self.refused_until.lock().ok()?;
        let until = *refused.get(&user)?;
        (until > now).then(|| until - now)
    }

    fn remember(&self, user: Uuid, until: Instant) {
        let Ok(mut refused) = self.refused_until.lock() else {
            return;
        };
        if refused.len() >= PRUNE_AT {
            let now = Instant::now();
            refused.retain(|_, until| *until > now);
        }
        refused.insert(user, until);
    }
}

fn refused(user: Uuid, n: usize, wait: Duration) -> AppError {
    tracing::warn!(%user, n, wait_ms = wait.as_millis() as u64, "write over the quota");
    AppError::write_quota(wait)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refusal_is_remembered_until_its_wait_is_over_for_that_user_only() {
        let q = WriteQuota::new(WriteQuotaSettings::default());
        let (user, other) = (Uuid::now_v7(), Uuid::now_v7());
        let t0 = Instant::now();
        assert_eq!(q.remembered_wait(user, t0), None);
        q.remember(user, t0 + Duration::from_secs(3));
        assert_eq!(
            q.remembered_wait(user, t0 + Duration::from_secs(1)),
            Some(Duration::from_secs(2))
        );
        assert_eq!(q.remembered_wait(other, t0), None);
        assert_eq!(q.remembered_wait(user, t0 + Duration::from_secs(3)), None);
    }
}
