//! The server's own lifecycle jobs: solved tickets close by themselves after
//! `lifecycle.auto_close_days`, and a ticket waiting on its customer (`pending`) for
//! `lifecycle.pending_reminder_days` reminds them once per stay in `pending`. Each
//! writes an event on the timeline ([`EventKind::AutoClosed`],
//! [`EventKind::PendingReminder`], by the system user) that goes out through the change
//! feed like any other change.
//!
//! The jobs take `now` as a parameter: the server's periodic task (`crate::jobs`) passes
//! the real time, tests pass the time they want, so nothing sleeps.
//!
//! Why a run twice, or by two server processes at once, does nothing the second time:
//! each batch runs in one [`Writer`] transaction, which holds the feed lock (the `seq`
//! counter row on PostgreSQL, which every server process on the database shares). The
//! candidates are read and then re-checked one by one under that lock, so a second
//! runner waits for the first to commit and then finds nothing left to do. A pending
//! stay in `pending` is "reminded" once `reminded_pending_since` holds the moment it
//! began (`sla_paused_at`); a new stay starts later, so it is reminded again.

use chrono::{DateTime, Duration, Utc};
use tadhkira_proto::{EventKind, Status, TicketField};
use uuid::Uuid;

use super::writer::Writer;
use super::{rows, Store, StoreError};
use crate::config::{Lifecycle, SlaTargets};
use crate::sla;

/// Tickets handled per transaction, so a large backlog does not hold the feed lock long.
const BATCH: i64 = 200;

/// What one run of the jobs did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct JobRun {
    /// Solved tickets closed.
    pub closed: u32,
    /// Pending tickets whose customer was reminded.
    pub reminded: u32,
}

fn days(n: u32) -> Duration {
    Duration::days(n.into())
}

impl Store {
    /// Runs both lifecycle jobs as of `now`. `targets` only seed version 1 of the
    /// response policy on a database that has none; each ticket's clock follows the
    /// policy version it was filed under.
    pub async fn run_lifecycle_jobs(
        &self,
        now: DateTime<Utc>,
        lifecycle: &Lifecycle,
        targets: &SlaTargets,
    ) -> Result<JobRun, StoreError> {
        Ok(JobRun {
            closed: self.close_solved_tickets(now, lifecycle, targets).await?,
            reminded: self.remind_pending_customers(now, lifecycle).await?,
        })
    }

    /// Closes every ticket solved at least `auto_close_days` before `now`; answers how
    /// many.
    pub async fn close_solved_tickets(
        &self,
        now: DateTime<Utc>,
        lifecycle: &Lifecycle,
        targets: &SlaTargets,
    ) -> Result<u32, StoreError> {
        let cutoff = (now - days(lifecycle.auto_close_days)).timestamp_millis();
        let mut closed = 0;
        loop {
            let mut w = Writer::begin(self).await?;
            w.now = now.timestamp_millis();
            let ids = due_ids(
                &mut w,
                "SELECT id FROM tickets WHERE status = 'solved' AND solved_at <= $1 \
                 ORDER BY solved_at LIMIT $2",
                cutoff,
            )
            .await?;
            let mut done = 0;
            for id in &ids {
                let Some((mut t, mut paused)) = w.ticket(*id).await? else {
                    continue;
                };
                // Re-checked under the feed lock: another runner may have closed it, or
                // someone reopened it, since the candidates were read.
                let due = t
                    .solved_at
                    .is_some_and(|at| at.timestamp_millis() <= cutoff);
                if t.status != Status::Solved || !due {
                    continue;
                }
                let sla_policy = super::policy::of_ticket(w.lookup().await?, t.id, targets).await?;
                sla::on_status_change(&mut t, &mut paused, Status::Closed, now, &sla_policy);
                t.reopen_until = None;
                w.insert_system_event(
                    &t,
                    EventKind::AutoClosed {
                        after_days: lifecycle.auto_close_days,
                    },
                )
                .await?;
                w.save_ticket(&mut t, paused, &[TicketField::Status])
                    .await?;
                done += 1;
            }
            w.commit(self).await?;
            closed += done;
            if (ids.len() as i64) < BATCH {
                return Ok(closed);
            }
        }
    }

    /// Reminds the requester of every ticket that has waited on them (`pending`) for at
    /// least `pending_reminder_days` at `now` and was not reminded during this wait;
    /// answers how many.
    pub async fn remind_pending_customers(
        &self,
        now: DateTime<Utc>,
        lifecycle: &Lifecycle,
    ) -> Result<u32, StoreError> {
        let cutoff = (now - days(lifecycle.pending_reminder_days)).timestamp_millis();
        let mut reminded = 0;
        loop {
            let mut w = Writer::begin(self).await?;
            w.now = now.timestamp_millis();
            let ids = due_ids(
                &mut w,
                "SELECT id FROM tickets WHERE status = 'pending' AND sla_paused_at <= $1 \
                 AND (reminded_pending_since IS NULL OR reminded_pending_since < sla_paused_at) \
                 ORDER BY sla_paused_at LIMIT $2",
                cutoff,
            )
            .await?;
            let mut done = 0;
            for id in &ids {
                // Marks the stay reminded only if it still is due (under the feed lock,
                // so a second runner finds it marked).
                let marked = sqlx::query(
                    "UPDATE tickets SET reminded_pending_since = sla_paused_at WHERE id = $1 \
                     AND status = 'pending' AND sla_paused_at <= $2 \
                     AND (reminded_pending_since IS NULL OR reminded_pending_since < sla_paused_at)",
                )
                .bind(id.to_string())
                .bind(cutoff)
                .execute(w.conn().await?)
                .await?
                .rows_affected();
                if marked != 1 {
                    continue;
                }
                let Some((t, _)) = w.ticket(*id).await? else {
                    continue;
                };
                w.insert_system_event(
                    &t,
                    EventKind::PendingReminder {
                        after_days: lifecycle.pending_reminder_days,
                    },
                )
                .await?;
                done += 1;
            }
            w.commit(self).await?;
            reminded += done;
            if (ids.len() as i64) < BATCH {
                return Ok(reminded);
            }
        }
    }
}

/// The ids a job's candidate query (`$1` the cutoff, `$2` the batch size) selects.
async fn due_ids(w: &mut Writer, sql: &str, cutoff: i64) -> Result<Vec<Uuid>, StoreError> {
    let found = sqlx::query(sql)
        .bind(cutoff)
        .bind(BATCH)
        .fetch_all(w.lookup().await?)
        .await?;
    found.iter().map(|r| rows::uuid(r, "id")).collect()
}
