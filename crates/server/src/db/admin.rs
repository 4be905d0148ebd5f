//! What administration writes: organisations with their agreement history and
//! designated contacts, users (role, tier, organisation, language, disabling, one-time
//! passwords), and the append-only audit log that every one of these writes appends to
//! in its own transaction — a write without its audit row cannot commit, nor the other
//! way round.
//!
//! Why `organisations.paid_until` stays: it is the current agreement's end, written in
//! the same transaction as each agreement row, so the filing gate (and every client's
//! directory) keeps reading one column while the history lives beside it.

use chrono::{DateTime, Utc};
use serde_json::{json, Value};
use sqlx::any::AnyRow;
use sqlx::{Any, AnyConnection, Row, Transaction};
use tadhkira_proto::{
    AdminOrganisation, AdminUser, Agreement, AgreementAction, AuditEntry, AuditPage, Organisation,
    Role, Tier, User, SYSTEM_USER_ID,
};
use uuid::Uuid;

use super::{rows, Backend, NewUser, Store, StoreError};

/// One audit row to append.
#[derive(Debug, Clone)]
pub struct AuditRecord {
    /// Who did it (the system user for the server's commands).
    pub actor: Uuid,
    /// What, e.g. `organisation.rename`.
    pub action: &'static str,
    /// `organisation`, `user`, `ticket`.
    pub target_kind: &'static str,
    /// The target's id.
    pub target_id: Uuid,
    /// The state before (none for a creation).
    pub before: Option<Value>,
    /// The state after.
    pub after: Option<Value>,
}

/// Filters of the audit log; every one optional.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    /// Only this actor's rows.
    pub actor: Option<Uuid>,
    /// Only this action.
    pub action: Option<String>,
    /// Only rows about this target id.
    pub target: Option<String>,
    /// At or after.
    pub since: Option<DateTime<Utc>>,
    /// Before.
    pub until: Option<DateTime<Utc>>,
    /// Page size.
    pub limit: i64,
    /// Rows to skip.
    pub offset: i64,
}

/// What a user becomes (already checked for consistency by `crate::admin`).
#[derive(Debug, Clone)]
pub struct UserUpdate {
    /// Their role.
    pub role: Role,
    /// Agents' tier.
    pub tier: Option<Tier>,
    /// Customers' organisation.
    pub org_id: Option<Uuid>,
    /// `ar` or `en`.
    pub locale: String,
}

/// Appends one audit row inside `conn`'s transaction.
pub(super) async fn append_audit(
    conn: &mut AnyConnection,
    record: &AuditRecord,
    at: i64,
) -> Result<(), StoreError> {
    let text = |v: &Option<Value>| v.as_ref().map(Value::to_string);
    sqlx::query(
        "INSERT INTO audit_log (id, at, actor_id, action, target_kind, target_id, before_json, after_json) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(Uuid::now_v7().to_string())
    .bind(at)
    .bind(record.actor.to_string())
    .bind(record.action)
    .bind(record.target_kind)
    .bind(record.target_id.to_string())
    .bind(text(&record.before))
    .bind(text(&record.after))
    .execute(conn)
    .await?;
    Ok(())
}

/// An open admin transaction (holding SQLite's in-process write gate, as the writer
/// does, so a read-then-write never meets a lock upgrade).
pub(super) struct AdminTx {
    pub(super) tx: Transaction<'static, Any>,
    _gate: Option<tokio::sync::OwnedMutexGuard<()>>,
}

impl AdminTx {
    pub(super) async fn begin(store: &Store) -> Result<Self, StoreError> {
        let gate = match store.backend {
            Backend::Sqlite => Some(store.write_gate.clone().lock_owned().await),
            Backend::Postgres => None,
        };
        Ok(Self {
            tx: store.pool.begin().await?,
            _gate: gate,
        })
    }

    pub(super) async fn commit(mut self, record: AuditRecord) -> Result<(), StoreError> {
        append_audit(&mut self.tx, &record, rows::now_ms()).await?;
        self.tx.commit().await?;
        Ok(())
    }
}

fn unique(e: sqlx::Error, what: String) -> StoreError {
    match e {
        sqlx::Error::Database(d) if d.is_unique_violation() => StoreError::AlreadyExists(what),
        e => e.into(),
    }
}

fn org_json(org: &Organisation) -> Value {
    json!({"name": org.name, "paid_until": org.paid_until})
}

fn user_json(user: &User) -> Value {
    json!({"email": user.email, "name": user.name, "role": user.role, "org_id": user.org_id,
           "tier": user.tier, "locale": user.locale})
}

const AGREEMENT_SELECT: &str = "SELECT a.id, a.org_id, a.action, a.starts_at, a.ends_at, \
    a.note, a.created_by, u.name AS created_by_name, a.created_at \
    FROM subscription_agreements a JOIN users u ON u.id = a.created_by";

fn agreement(row: &AnyRow) -> Result<Agreement, StoreError> {
    let action: String = row.try_get("action")?;
    Ok(Agreement {
        id: rows::uuid(row, "id")?,
        org_id: rows::uuid(row, "org_id")?,
        action: AgreementAction::parse(&action)
            .ok_or_else(|| StoreError::Corrupt(format!("agreement action {action:?}")))?,
        starts_at: rows::time(row, "starts_at")?,
        ends_at: rows::time(row, "ends_at")?,
        note: row.try_get("note")?,
        created_by: rows::uuid(row, "created_by")?,
        created_by_name: row.try_get("created_by_name")?,
        created_at: rows::time(row, "created_at")?,
    })
}

async fn org_in(conn: &mut AnyConnection, id: Uuid) -> Result<Organisation, StoreError> {
    let row = sqlx::query("SELECT id, name, paid_until FROM organisations WHERE id = $1")
        .bind(id.to_string())
        .fetch_optional(conn)
        .await?
        .ok_or(StoreError::NotFound)?;
    rows::organisation(&row)
}

async fn current_agreement(
    conn: &mut AnyConnection,
    org_id: Uuid,
) -> Result<Option<Agreement>, StoreError> {
    let row = sqlx::query(&format!(
        "{AGREEMENT_SELECT} WHERE a.org_id = $1 ORDER BY a.created_at DESC, a.id DESC LIMIT 1"
    ))
    .bind(org_id.to_string())
    .fetch_optional(conn)
    .await?;
    row.as_ref().map(agreement).transpose()
}

const ADMIN_USER_SELECT: &str = "SELECT u.id, u.email, u.name, u.role, u.org_id, u.tier, \
    u.locale, u.phone, u.disabled_at, u.must_change_password, o.name AS org_name \
    FROM users u LEFT JOIN organisations o ON o.id = u.org_id";

fn admin_user(row: &AnyRow) -> Result<AdminUser, StoreError> {
    Ok(AdminUser {
        user: rows::user(row)?,
        org_name: row.try_get("org_name")?,
        disabled_at: rows::opt_time(row, "disabled_at")?,
        must_change_password: row.try_get::<i64, _>("must_change_password")? != 0,
    })
}

async fn admin_user_in(conn: &mut AnyConnection, id: Uuid) -> Result<AdminUser, StoreError> {
    let row = sqlx::query(&format!(
        "{ADMIN_USER_SELECT} WHERE u.id = $1 AND u.role <> 'system'"
    ))
    .bind(id.to_string())
    .fetch_optional(conn)
    .await?
    .ok_or(StoreError::NotFound)?;
    admin_user(&row)
}

impl Store {
    /// Creates an organisation and, with `paid_until`, its first agreement from now.
    pub async fn create_organisation_by(
        &self,
        actor: Uuid,
        name: &str,
        paid_until: Option<DateTime<Utc>>,
        note: Option<&str>,
    ) -> Result<Organisation, StoreError> {
        let mut a = AdminTx::begin(self).await?;
        let now = rows::now_ms();
        let org = Organisation {
            id: Uuid::now_v7(),
            name: name.to_owned(),
            paid_until,
        };
        sqlx::query(
            "INSERT INTO organisations (id, name, paid_until, created_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(org.id.to_string())
        .bind(&org.name)
        .bind(paid_until.map(|t| t.timestamp_millis()))
        .bind(now)
        .execute(&mut *a.tx)
        .await
        .map_err(|e| unique(e, format!("organisation {name:?}")))?;
        if let Some(end) = paid_until {
            // A first agreement from now (or, for one already over, its end).
            let end = end.timestamp_millis();
            let start = now.min(end);
            insert_agreement(
                &mut a.tx,
                org.id,
                AgreementAction::Renew,
                start,
                end,
                note,
                actor,
                now,
            )
            .await?;
        }
        a.commit(AuditRecord {
            actor,
            action: "organisation.create",
            target_kind: "organisation",
            target_id: org.id,
            before: None,
            after: Some(org_json(&org)),
        })
        .await?;
        Ok(org)
    }

    /// Renames an organisation.
    pub async fn rename_organisation(
        &self,
        actor: Uuid,
        id: Uuid,
        name: &str,
    ) -> Result<Organisation, StoreError> {
        let mut a = AdminTx::begin(self).await?;
        let before = org_in(&mut a.tx, id).await?;
        sqlx::query("UPDATE organisations SET name = $1 WHERE id = $2")
            .bind(name)
            .bind(id.to_string())
            .execute(&mut *a.tx)
            .await
            .map_err(|e| unique(e, format!("organisation {name:?}")))?;
        let after = Organisation {
            name: name.to_owned(),
            ..before.clone()
        };
        a.commit(AuditRecord {
            actor,
            action: "organisation.rename",
            target_kind: "organisation",
            target_id: id,
            before: Some(json!({"name": before.name})),
            after: Some(json!({"name": after.name})),
        })
        .await?;
        Ok(after)
    }

    /// Records a renewal, extension or lapse of an organisation's subscription at
    /// `now` and makes its end the organisation's `paid_until`. `ends_at` is required
    /// for a renewal and an extension (an extension needs a current agreement); a lapse
    /// ends now, or at `ends_at` if that is earlier.
    pub async fn change_agreement(
        &self,
        actor: Uuid,
        org_id: Uuid,
        action: AgreementAction,
        ends_at: Option<DateTime<Utc>>,
        note: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<Agreement, StoreError> {
        let mut a = AdminTx::begin(self).await?;
        let org = org_in(&mut a.tx, org_id).await?;
        let current = current_agreement(&mut a.tx, org_id).await?;
        let now_ms = now.timestamp_millis();
        let (starts, ends) = match action {
            AgreementAction::Renew => {
                let end =
                    ends_at.ok_or_else(|| StoreError::Invalid("a renewal needs ends_at".into()))?;
                // A renewal before the end follows the current term without a gap.
                let start = current
                    .as_ref()
                    .map(|c| c.ends_at)
                    .filter(|e| *e > now)
                    .unwrap_or(now);
                if end <= start {
                    return Err(StoreError::Invalid(format!(
                        "the renewal must end after it starts ({})",
                        start.format("%Y-%m-%d")
                    )));
                }
                (start.timestamp_millis(), end.timestamp_millis())
            }
            AgreementAction::Extend => {
                let end = ends_at
                    .ok_or_else(|| StoreError::Invalid("an extension needs ends_at".into()))?;
                let c = current.ok_or_else(|| {
                    StoreError::Invalid("there is no agreement to extend: renew instead".into())
                })?;
                if end <= c.starts_at {
                    return Err(StoreError::Invalid(
                        "the new end is before the agreement starts".into(),
                    ));
                }
                (c.starts_at.timestamp_millis(), end.timestamp_millis())
            }
            AgreementAction::Lapse => {
                // Now, or an earlier end (the command line sets a past date).
                let end = ends_at
                    .map(|e| e.timestamp_millis())
                    .filter(|e| *e <= now_ms)
                    .unwrap_or(now_ms);
                let start = current
                    .map(|c| c.starts_at.timestamp_millis().min(end))
                    .unwrap_or(end);
                (start, end)
            }
        };
        let id =
            insert_agreement(&mut a.tx, org_id, action, starts, ends, note, actor, now_ms).await?;
        sqlx::query("UPDATE organisations SET paid_until = $1 WHERE id = $2")
            .bind(ends)
            .bind(org_id.to_string())
            .execute(&mut *a.tx)
            .await?;
        let after = Organisation {
            paid_until: Some(rows::to_time(ends)),
            ..org.clone()
        };
        let row = sqlx::query(&format!("{AGREEMENT_SELECT} WHERE a.id = $1"))
            .bind(id.to_string())
            .fetch_one(&mut *a.tx)
            .await?;
        let made = agreement(&row)?;
        let mut after_json = org_json(&after);
        after_json["action"] = json!(action);
        after_json["note"] = json!(note);
        a.commit(AuditRecord {
            actor,
            action: match action {
                AgreementAction::Renew => "subscription.renew",
                AgreementAction::Extend => "subscription.extend",
                AgreementAction::Lapse => "subscription.lapse",
            },
            target_kind: "organisation",
            target_id: org_id,
            before: Some(org_json(&org)),
            after: Some(after_json),
        })
        .await?;
        Ok(made)
    }

    /// An organisation's agreements, newest first.
    pub async fn agreements(&self, org_id: Uuid) -> Result<Vec<Agreement>, StoreError> {
        let found = sqlx::query(&format!(
            "{AGREEMENT_SELECT} WHERE a.org_id = $1 ORDER BY a.created_at DESC, a.id DESC"
        ))
        .bind(org_id.to_string())
        .fetch_all(&self.pool)
        .await?;
        found.iter().map(agreement).collect()
    }

    /// Every organisation with its designated contacts and number of customers.
    pub async fn admin_organisations(&self) -> Result<Vec<AdminOrganisation>, StoreError> {
        let orgs = sqlx::query(
            "SELECT o.id, o.name, o.paid_until, \
             (SELECT COUNT(*) FROM users u WHERE u.org_id = o.id) AS customers, \
             (SELECT COUNT(*) FROM blobs b WHERE b.sha256 IN \
               (SELECT a.sha256 FROM attachments a JOIN tickets t ON t.id = a.ticket_id \
                WHERE t.org_id = o.id)) AS storage_files, \
             (SELECT CAST(COALESCE(SUM(b.size), 0) AS BIGINT) FROM blobs b WHERE b.sha256 IN \
               (SELECT a.sha256 FROM attachments a JOIN tickets t ON t.id = a.ticket_id \
                WHERE t.org_id = o.id)) AS storage_bytes \
             FROM organisations o ORDER BY o.name",
        )
        .fetch_all(&self.pool)
        .await?;
        let contacts =
            sqlx::query("SELECT org_id, user_id FROM designated_contacts ORDER BY created_at")
                .fetch_all(&self.pool)
                .await?;
        let mut out = Vec::with_capacity(orgs.len());
        for row in &orgs {
            let organisation = rows::organisation(row)?;
            let mut designated_contacts = Vec::new();
            for c in &contacts {
                if rows::uuid(c, "org_id")? == organisation.id {
                    designated_contacts.push(rows::uuid(c, "user_id")?);
                }
            }
            out.push(AdminOrganisation {
                organisation,
                designated_contacts,
                customers: row.try_get("customers")?,
                storage_files: row.try_get("storage_files")?,
                storage_bytes: row.try_get("storage_bytes")?,
            });
        }
        Ok(out)
    }

    /// Replaces an organisation's designated contacts; each must be one of its
    /// customers.
    pub async fn set_designated_contacts(
        &self,
        actor: Uuid,
        org_id: Uuid,
        user_ids: &[Uuid],
    ) -> Result<Vec<Uuid>, StoreError> {
        let mut a = AdminTx::begin(self).await?;
        org_in(&mut a.tx, org_id).await?;
        for id in user_ids {
            let row = sqlx::query(
                "SELECT 1 AS one FROM users WHERE id = $1 AND org_id = $2 AND role = 'customer'",
            )
            .bind(id.to_string())
            .bind(org_id.to_string())
            .fetch_optional(&mut *a.tx)
            .await?;
            if row.is_none() {
                return Err(StoreError::Invalid(format!(
                    "{id} is not a customer of this organisation"
                )));
            }
        }
        let before: Vec<Uuid> = sqlx::query(
            "SELECT user_id FROM designated_contacts WHERE org_id = $1 ORDER BY created_at",
        )
        .bind(org_id.to_string())
        .fetch_all(&mut *a.tx)
        .await?
        .iter()
        .map(|r| rows::uuid(r, "user_id"))
        .collect::<Result<_, _>>()?;
        sqlx::query("DELETE FROM designated_contacts WHERE org_id = $1")
            .bind(org_id.to_string())
            .execute(&mut *a.tx)
            .await?;
        let mut after: Vec<Uuid> = Vec::new();
        for id in user_ids {
            if after.contains(id) {
                continue;
            }
            sqlx::query(
                "INSERT INTO designated_contacts (org_id, user_id, created_at) VALUES ($1, $2, $3)",
            )
            .bind(org_id.to_string())
            .bind(id.to_string())
            .bind(rows::now_ms())
            .execute(&mut *a.tx)
            .await?;
            after.push(*id);
        }
        a.commit(AuditRecord {
            actor,
            action: "organisation.contacts",
            target_kind: "organisation",
            target_id: org_id,
            before: Some(json!(before)),
            after: Some(json!(after)),
        })
        .await?;
        Ok(after)
    }

    /// Users as the admin sees them (the system user left out), by name.
    pub async fn admin_users(&self) -> Result<Vec<AdminUser>, StoreError> {
        let found = sqlx::query(&format!(
            "{ADMIN_USER_SELECT} WHERE u.role <> 'system' ORDER BY u.name, u.email"
        ))
        .fetch_all(&self.pool)
        .await?;
        found.iter().map(admin_user).collect()
    }

    /// One user as the admin sees them.
    pub async fn admin_user(&self, id: Uuid) -> Result<AdminUser, StoreError> {
        let mut conn = self.pool.acquire().await?;
        admin_user_in(&mut conn, id).await
    }

    /// Creates a user, audited; `must_change_password` for a one-time password.
    pub async fn create_user_by(
        &self,
        actor: Uuid,
        new: NewUser,
        must_change_password: bool,
    ) -> Result<User, StoreError> {
        let mut a = AdminTx::begin(self).await?;
        let user = User {
            id: Uuid::now_v7(),
            email: new.email.as_str().to_owned(),
            name: new.name,
            role: new.role,
            org_id: new.org_id,
            tier: new.tier,
            locale: new.locale,
            phone: new.phone,
        };
        sqlx::query(
            "INSERT INTO users (id, email, name, role, org_id, tier, locale, phone, password_hash, created_at, must_change_password) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        )
        .bind(user.id.to_string())
        .bind(&user.email)
        .bind(&user.name)
        .bind(user.role.as_str())
        .bind(user.org_id.map(|o| o.to_string()))
        .bind(user.tier.map(i64::from))
        .bind(&user.locale)
        .bind(&user.phone)
        .bind(&new.password_hash)
        .bind(rows::now_ms())
        .bind(i64::from(must_change_password))
        .execute(&mut *a.tx)
        .await
        .map_err(|e| unique(e, format!("user {}", user.email)))?;
        a.commit(AuditRecord {
            actor,
            action: "user.create",
            target_kind: "user",
            target_id: user.id,
            before: None,
            after: Some(user_json(&user)),
        })
        .await?;
        Ok(user)
    }

    /// Changes a user's role, tier, organisation and language.
    pub async fn update_user(
        &self,
        actor: Uuid,
        id: Uuid,
        change: &UserUpdate,
    ) -> Result<AdminUser, StoreError> {
        let mut a = AdminTx::begin(self).await?;
        let before = admin_user_in(&mut a.tx, id).await?;
        if let Some(org) = change.org_id {
            org_in(&mut a.tx, org).await.map_err(|e| match e {
                StoreError::NotFound => StoreError::Invalid("no such organisation".into()),
                e => e,
            })?;
        }
        sqlx::query(
            "UPDATE users SET role = $1, tier = $2, org_id = $3, locale = $4 WHERE id = $5",
        )
        .bind(change.role.as_str())
        .bind(change.tier.map(i64::from))
        .bind(change.org_id.map(|o| o.to_string()))
        .bind(&change.locale)
        .bind(id.to_string())
        .execute(&mut *a.tx)
        .await?;
        // A customer who moved is no longer a designated contact of the old organisation.
        if before.user.org_id != change.org_id {
            sqlx::query("DELETE FROM designated_contacts WHERE user_id = $1")
                .bind(id.to_string())
                .execute(&mut *a.tx)
                .await?;
        }
        let after = admin_user_in(&mut a.tx, id).await?;
        a.commit(AuditRecord {
            actor,
            action: "user.update",
            target_kind: "user",
            target_id: id,
            before: Some(user_json(&before.user)),
            after: Some(user_json(&after.user)),
        })
        .await?;
        Ok(after)
    }

    /// Disables a user and revokes every token of theirs; their history stays.
    pub async fn disable_user(&self, actor: Uuid, id: Uuid) -> Result<AdminUser, StoreError> {
        let mut a = AdminTx::begin(self).await?;
        let before = admin_user_in(&mut a.tx, id).await?;
        let now = rows::now_ms();
        sqlx::query("UPDATE users SET disabled_at = COALESCE(disabled_at, $1) WHERE id = $2")
            .bind(now)
            .bind(id.to_string())
            .execute(&mut *a.tx)
            .await?;
        sqlx::query("UPDATE tokens SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL")
            .bind(now)
            .bind(id.to_string())
            .execute(&mut *a.tx)
            .await?;
        let after = admin_user_in(&mut a.tx, id).await?;
        a.commit(AuditRecord {
            actor,
            action: "user.disable",
            target_kind: "user",
            target_id: id,
            before: Some(json!({"disabled_at": before.disabled_at})),
            after: Some(json!({"disabled_at": after.disabled_at})),
        })
        .await?;
        Ok(after)
    }

    /// Sets a password hash; `one_time`: it must be changed before the next sign-in
    /// (and the user's tokens are revoked). Audited as `action`.
    pub async fn set_password_by(
        &self,
        actor: Uuid,
        id: Uuid,
        hash: &str,
        one_time: bool,
        action: &'static str,
    ) -> Result<(), StoreError> {
        let mut a = AdminTx::begin(self).await?;
        let before = admin_user_in(&mut a.tx, id).await?;
        sqlx::query("UPDATE users SET password_hash = $1, must_change_password = $2 WHERE id = $3")
            .bind(hash)
            .bind(i64::from(one_time))
            .bind(id.to_string())
            .execute(&mut *a.tx)
            .await?;
        if one_time {
            sqlx::query(
                "UPDATE tokens SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL",
            )
            .bind(rows::now_ms())
            .bind(id.to_string())
            .execute(&mut *a.tx)
            .await?;
        }
        // Never the hash: only whether a change is pending.
        a.commit(AuditRecord {
            actor,
            action,
            target_kind: "user",
            target_id: id,
            before: Some(json!({"must_change_password": before.must_change_password})),
            after: Some(json!({"must_change_password": one_time})),
        })
        .await
    }

    /// Appends one audit row on its own (a write that is not a row of its own, such
    /// as revoking tokens from the command line).
    pub async fn append_audit(&self, record: &AuditRecord) -> Result<(), StoreError> {
        let mut conn = self.pool.acquire().await?;
        append_audit(&mut conn, record, rows::now_ms()).await
    }

    /// Whether this user's password is a one-time password still to be changed.
    pub async fn must_change_password(&self, id: Uuid) -> Result<bool, StoreError> {
        Ok(self.admin_user(id).await?.must_change_password)
    }

    /// Whether `user` may file for `org_id`: no contacts designated, or one of them.
    pub async fn may_file_for(&self, org_id: Uuid, user: Uuid) -> Result<bool, StoreError> {
        let mut conn = self.pool.acquire().await?;
        may_file_for(&mut conn, org_id, user).await
    }

    /// A page of the audit log, newest first.
    pub async fn audit_page(&self, f: &AuditFilter) -> Result<AuditPage, StoreError> {
        let filter = "($1 = '' OR l.actor_id = $1) AND ($2 = '' OR l.action = $2) \
             AND ($3 = '' OR l.target_id = $3) AND l.at >= $4 AND l.at < $5";
        let count_sql = format!("SELECT COUNT(*) AS n FROM audit_log l WHERE {filter}");
        let total: i64 = bind_filter(sqlx::query(&count_sql), f)
            .fetch_one(&self.pool)
            .await?
            .try_get("n")?;
        let page_sql = format!(
            "SELECT l.id, l.at, l.actor_id, u.name AS actor_name, l.action, l.target_kind, \
             l.target_id, l.before_json, l.after_json FROM audit_log l \
             JOIN users u ON u.id = l.actor_id WHERE {filter} \
             ORDER BY l.at DESC, l.id DESC LIMIT $6 OFFSET $7"
        );
        let found = bind_filter(sqlx::query(&page_sql), f)
            .bind(f.limit)
            .bind(f.offset)
            .fetch_all(&self.pool)
            .await?;
        let entries = found
            .iter()
            .map(|r| {
                Ok(AuditEntry {
                    id: rows::uuid(r, "id")?,
                    at: rows::time(r, "at")?,
                    actor_id: rows::uuid(r, "actor_id")?,
                    actor_name: r.try_get("actor_name")?,
                    action: r.try_get("action")?,
                    target_kind: r.try_get("target_kind")?,
                    target_id: r.try_get("target_id")?,
                    before: r.try_get("before_json")?,
                    after: r.try_get("after_json")?,
                })
            })
            .collect::<Result<_, StoreError>>()?;
        Ok(AuditPage { entries, total })
    }
}

type AnyQuery<'q> = sqlx::query::Query<'q, Any, sqlx::any::AnyArguments<'q>>;

/// Binds the audit filter's `$1`–`$5` (an empty text or an open bound: no filter).
fn bind_filter<'q>(q: AnyQuery<'q>, f: &AuditFilter) -> AnyQuery<'q> {
    q.bind(f.actor.map(|a| a.to_string()).unwrap_or_default())
        .bind(f.action.clone().unwrap_or_default())
        .bind(f.target.clone().unwrap_or_default())
        .bind(f.since.map_or(i64::MIN, |t| t.timestamp_millis()))
        .bind(f.until.map_or(i64::MAX, |t| t.timestamp_millis()))
}

/// [`Store::may_file_for`] on a connection (the apply path's transaction).
pub(super) async fn may_file_for(
    conn: &mut AnyConnection,
    org_id: Uuid,
    user: Uuid,
) -> Result<bool, StoreError> {
    let row = sqlx::query(
        "SELECT COUNT(*) AS n, COALESCE(SUM(CASE WHEN user_id = $2 THEN 1 ELSE 0 END), 0) AS me \
         FROM designated_contacts WHERE org_id = $1",
    )
    .bind(org_id.to_string())
    .bind(user.to_string())
    .fetch_one(conn)
    .await?;
    let n: i64 = row.try_get("n")?;
    let me: i64 = row.try_get("me")?;
    Ok(n == 0 || me > 0)
}

/// [`may_file_for`] in a writing transaction, asked once per (organisation, user) in it.
pub(super) async fn may_file_in(
    w: &mut super::writer::Writer,
    org_id: Uuid,
    user: Uuid,
) -> Result<bool, StoreError> {
    if let Some(may) = w.looked.may_file.get(&(org_id, user)) {
        return Ok(*may);
    }
    let may = may_file_for(w.lookup().await?, org_id, user).await?;
    w.looked.may_file.insert((org_id, user), may);
    Ok(may)
}

#[allow(clippy::too_many_arguments)]
async fn insert_agreement(
    conn: &mut AnyConnection,
    org_id: Uuid,
    action: AgreementAction,
    starts_at: i64,
    ends_at: i64,
    note: Option<&str>,
    actor: Uuid,
    now: i64,
) -> Result<Uuid, StoreError> {
    let id = Uuid::now_v7();
    sqlx::query(
        "INSERT INTO subscription_agreements (id, org_id, action, starts_at, ends_at, note, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(id.to_string())
    .bind(org_id.to_string())
    .bind(action.as_str())
    .bind(starts_at)
    .bind(ends_at)
    .bind(note)
    .bind(actor.to_string())
    .bind(now)
    .execute(conn)
    .await?;
    Ok(id)
}

/// The actor of what the server's own commands do.
pub const SYSTEM_ACTOR: Uuid = SYSTEM_USER_ID;
