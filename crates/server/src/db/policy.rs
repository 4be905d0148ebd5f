//! The response policy's versions (`sla_policies`, migration 0010): the targets per
//! priority and the business hours the clocks count in.
//!
//! Versions are only ever added. Version 1 is the configuration's `[sla]` targets on a
//! wall clock, seeded the first time anything needs a policy (`ON CONFLICT DO NOTHING`,
//! so two servers starting together agree); after that the database is the truth and
//! the configuration only seeds fresh databases. A ticket stores the version it was
//! filed under (`tickets.sla_policy_version`; NULL means 1), so an admin's change moves
//! the due times of tickets filed after it and of no other.
//!
//! Every client holds the version in effect (the customer's Support policy screen shows
//! it offline): the feed carries it as one entity, [`POLICY_TARGET`] of kind `policy`,
//! whose row always loads the newest version. A change writes that feed row in its own
//! transaction; [`Store::publish_policy`] writes the first one at start-up (for the
//! seeded version 1, and for databases older than this row).

use serde_json::json;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};
use tadhkira_proto::{
    AdminPolicy, BusinessHours, PolicyChange, ResponsePolicy, ResponseTargets, SYSTEM_USER_ID,
};
use uuid::Uuid;

use super::admin::append_audit;
use super::writer::{EntityKind, Writer};
use super::{rows, AuditRecord, Store, StoreError};
use crate::config::SlaTargets;
use crate::sla::{self, Policy};

/// The audit log's target id of the policy, and its id in the feed (there is one
/// policy, in versions).
pub const POLICY_TARGET: Uuid = Uuid::nil();

const SELECT: &str = "SELECT version, targets_json, hours_json, created_at FROM sla_policies";

fn corrupt(e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("response policy: {e}"))
}

pub(super) fn policy_row(row: &AnyRow) -> Result<ResponsePolicy, StoreError> {
    let targets: String = row.try_get("targets_json")?;
    let hours: Option<String> = row.try_get("hours_json")?;
    Ok(ResponsePolicy {
        version: row.try_get("version")?,
        targets: serde_json::from_str(&targets).map_err(corrupt)?,
        business_hours: hours
            .map(|h| serde_json::from_str::<BusinessHours>(&h))
            .transpose()
            .map_err(corrupt)?,
        effective_from: rows::time(row, "created_at")?,
    })
}

/// Writes version 1 from the configuration unless a version 1 exists.
async fn seed(conn: &mut AnyConnection, targets: &SlaTargets) -> Result<(), StoreError> {
    let targets = ResponseTargets::from(targets);
    sqlx::query(
        "INSERT INTO sla_policies (version, targets_json, hours_json, created_by, created_at) \
         VALUES (1, $1, NULL, $2, $3) ON CONFLICT (version) DO NOTHING",
    )
    .bind(serde_json::to_string(&targets).map_err(corrupt)?)
    .bind(SYSTEM_USER_ID.to_string())
    .bind(rows::now_ms())
    .execute(conn)
    .await?;
    Ok(())
}

pub(super) async fn newest(conn: &mut AnyConnection) -> Result<Option<AnyRow>, StoreError> {
    Ok(
        sqlx::query(&format!("{SELECT} ORDER BY version DESC LIMIT 1"))
            .fetch_optional(conn)
            .await?,
    )
}

/// The newest version (seeding version 1 if there is none).
pub(super) async fn current_in(
    conn: &mut AnyConnection,
    seed_targets: &SlaTargets,
) -> Result<ResponsePolicy, StoreError> {
    if let Some(row) = newest(&mut *conn).await? {
        return policy_row(&row);
    }
    seed(conn, seed_targets).await?;
    let row = newest(&mut *conn).await?.ok_or(StoreError::NotFound)?;
    policy_row(&row)
}

/// The policy in effect, ready to compute due times, read once per writing transaction.
pub(super) async fn current_clock_in(
    w: &mut Writer,
    seed_targets: &SlaTargets,
) -> Result<Policy, StoreError> {
    if let Some(p) = &w.looked.sla_policy {
        return Ok(p.clone());
    }
    let p = clock_of(&current_in(w.lookup().await?, seed_targets).await?)?;
    w.looked.sla_policy = Some(p.clone());
    Ok(p)
}

/// A policy ready to compute due times.
pub(super) fn clock_of(p: &ResponsePolicy) -> Result<Policy, StoreError> {
    Policy::with_hours(p.version, p.targets, p.business_hours.as_ref()).map_err(corrupt)
}

/// The policy of one ticket (the version it was filed under).
pub(super) async fn of_ticket(
    conn: &mut AnyConnection,
    ticket_id: Uuid,
    seed_targets: &SlaTargets,
) -> Result<Policy, StoreError> {
    let version: Option<i64> = sqlx::query("SELECT sla_policy_version FROM tickets WHERE id = $1")
        .bind(ticket_id.to_string())
        .fetch_one(&mut *conn)
        .await?
        .try_get("sla_policy_version")?;
    let version = version.unwrap_or(1);
    let row = sqlx::query(&format!("{SELECT} WHERE version = $1"))
        .bind(version)
        .fetch_optional(&mut *conn)
        .await?;
    match row {
        Some(row) => clock_of(&policy_row(&row)?),
        None if version == 1 => {
            seed(conn, seed_targets).await?;
            Ok(Policy::wall(1, seed_targets.into()))
        }
        None => Err(corrupt(format!("version {version} is missing"))),
    }
}

async fn active_on_older(conn: &mut AnyConnection, version: i64) -> Result<i64, StoreError> {
    let row = sqlx::query(
        "SELECT COUNT(*) AS n FROM tickets WHERE COALESCE(sla_policy_version, 1) < $1 \
         AND status NOT IN ('solved', 'closed')",
    )
    .bind(version)
    .fetch_one(conn)
    .await?;
    Ok(row.try_get("n")?)
}

impl Store {
    /// The policy in effect (version 1 from `seed_targets` on a fresh database).
    pub async fn current_policy(
        &self,
        seed_targets: &SlaTargets,
    ) -> Result<ResponsePolicy, StoreError> {
        let mut conn = self.pool.acquire().await?;
        current_in(&mut conn, seed_targets).await
    }

    /// The policy in effect with how many active tickets follow an older version.
    pub async fn admin_policy(&self, seed_targets: &SlaTargets) -> Result<AdminPolicy, StoreError> {
        let mut conn = self.pool.acquire().await?;
        let policy = current_in(&mut conn, seed_targets).await?;
        let active_on_older = active_on_older(&mut conn, policy.version).await?;
        Ok(AdminPolicy {
            policy,
            active_on_older,
        })
    }

    /// Makes `change` the next version of the policy (checked here: targets and
    /// business hours), audited with the version before and after. Tickets already
    /// filed keep their version and their due times.
    pub async fn change_policy(
        &self,
        actor: Uuid,
        change: &PolicyChange,
        seed_targets: &SlaTargets,
    ) -> Result<AdminPolicy, StoreError> {
        sla::check_targets(&change.targets, "targets.").map_err(StoreError::Invalid)?;
        Policy::with_hours(0, change.targets, change.business_hours.as_ref())
            .map_err(StoreError::Invalid)?;
        let mut w = Writer::begin(self).await?;
        let before = current_in(w.lookup().await?, seed_targets).await?;
        let now = w.now;
        let version = before.version + 1;
        sqlx::query(
            "INSERT INTO sla_policies (version, targets_json, hours_json, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(version)
        .bind(serde_json::to_string(&change.targets).map_err(corrupt)?)
        .bind(
            change
                .business_hours
                .as_ref()
                .map(serde_json::to_string)
                .transpose()
                .map_err(corrupt)?,
        )
        .bind(actor.to_string())
        .bind(now)
        .execute(w.conn().await?)
        .await
        .map_err(|e| match e {
            // Another admin's change took this version first (PostgreSQL, two servers).
            sqlx::Error::Database(d) if d.is_unique_violation() => {
                StoreError::AlreadyExists(format!("policy version {version}: reload and try again"))
            }
            e => e.into(),
        })?;
        let policy = ResponsePolicy {
            version,
            targets: change.targets,
            business_hours: change.business_hours.clone(),
            effective_from: rows::to_time(now),
        };
        let active_on_older = active_on_older(w.lookup().await?, version).await?;
        let state = |p: &ResponsePolicy| json!({"version": p.version, "targets": p.targets, "business_hours": p.business_hours});
        let record = AuditRecord {
            actor,
            action: "policy.change",
            target_kind: "policy",
            target_id: POLICY_TARGET,
            before: Some(state(&before)),
            after: Some(state(&policy)),
        };
        append_audit(w.conn().await?, &record, now).await?;
        // Every client's copy follows.
        w.append_public_change(EntityKind::Policy, POLICY_TARGET);
        w.commit(self).await?;
        Ok(AdminPolicy {
            policy,
            active_on_older,
        })
    }

    /// Writes the feed row that brings the policy in effect to every client, unless
    /// one exists (seeding version 1 first on a fresh database). Called at start-up;
    /// two servers starting together may both write one, which costs a repeated row
    /// and nothing else (the feed keeps the newest row of an entity).
    pub async fn publish_policy(&self, seed_targets: &SlaTargets) -> Result<(), StoreError> {
        let published = sqlx::query("SELECT 1 AS one FROM changes WHERE entity_kind = 'policy'")
            .fetch_optional(&self.pool)
            .await?;
        if published.is_some() {
            return Ok(());
        }
        let mut w = Writer::begin(self).await?;
        current_in(w.lookup().await?, seed_targets).await?;
        w.append_public_change(EntityKind::Policy, POLICY_TARGET);
        w.commit(self).await
    }

    /// Makes a ticket due the moment it was filed (both targets), for the demo data's
    /// overdue tickets only: the policy never allows a target of 0. Written before any
    /// client pulled, so no change row is needed (the feed reads the ticket's row).
    pub async fn make_due_at_filing(&self, ticket_id: Uuid) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE tickets SET first_response_due_at = created_at, \
             resolution_due_at = created_at WHERE id = $1",
        )
        .bind(ticket_id.to_string())
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}
