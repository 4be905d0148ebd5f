//! Leases of scheduled jobs, so that each runs in one server process at a time when
//! several share a database (see migration 0016). A lease is taken by a conditional
//! upsert — the row is written only where it is absent or its time has run out — so
//! two processes racing for it cannot both win, on either engine.

use uuid::Uuid;

use super::{Store, StoreError};

impl Store {
    /// Takes job `name`'s lease for `holder` until `now_ms + lease_ms`, if nobody
    /// holds it at `now_ms`; answers whether `holder` now has it.
    pub async fn take_job_lease(
        &self,
        name: &str,
        holder: Uuid,
        now_ms: i64,
        lease_ms: i64,
    ) -> Result<bool, StoreError> {
        let taken = sqlx::query(
            "INSERT INTO job_leases (name, holder, until_ms) VALUES ($1, $2, $3) \
             ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, \
             until_ms = excluded.until_ms WHERE job_leases.until_ms <= $4",
        )
        .bind(name)
        .bind(holder.to_string())
        .bind(now_ms + lease_ms)
        .bind(now_ms)
        .execute(&self.pool)
        .await?
        .rows_affected();
        Ok(taken == 1)
    }

    /// Records that job `name` ran at `now_ms`.
    pub async fn record_job_run(&self, name: &str, now_ms: i64) -> Result<(), StoreError> {
        sqlx::query("UPDATE job_leases SET runs = runs + 1, last_run_ms = $1 WHERE name = $2")
            .bind(now_ms)
            .bind(name)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// How many times job `name` has run, across every process on this database.
    pub async fn job_runs(&self, name: &str) -> Result<i64, StoreError> {
        let runs: Option<i64> = sqlx::query_scalar("SELECT runs FROM job_leases WHERE name = $1")
            .bind(name)
            .fetch_optional(&self.pool)
            .await?;
        Ok(runs.unwrap_or(0))
    }
}
