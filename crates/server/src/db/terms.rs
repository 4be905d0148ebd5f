//! The support terms (a draft, published versions), their acceptance by organisations,
//! and the first-line checklists per category.
//!
//! Publishing and saving a checklist go through a [`Writer`], so the feed row that
//! brings them to every client and the audit row are written in the same transaction as
//! the change itself. A draft is only ever read by admins: it writes no feed row.
//! Acceptances are written by the apply path (a ticket that carries
//! `terms_version`), see [`record_acceptance`].

use serde_json::json;
use sqlx::any::AnyRow;
use sqlx::Row;
use tadhkira_proto::{
    AdminTerms, CheckItem, Checklist, ChecklistChange, ErrorCode, SupportTerms, TermsAcceptance,
    TermsContent, TermsDraft, Ticket,
};
use uuid::Uuid;

use super::admin::AuditRecord;
use super::writer::{EntityKind, Rejection, Writer};
use super::{rows, Store, StoreError};

pub(super) const TERMS_SELECT: &str = "SELECT s.version, s.id, s.content, s.published_at, \
    u.name AS published_by_name FROM support_terms s JOIN users u ON u.id = s.published_by";

pub(super) const ACCEPTANCE_SELECT: &str = "SELECT a.id, a.org_id, a.version, a.user_id, \
    u.name AS user_name, a.ticket_id, a.accepted_at FROM terms_acceptances a \
    JOIN users u ON u.id = a.user_id";

pub(super) const CHECKLIST_SELECT: &str =
    "SELECT c.id, c.category, c.items, c.updated_at FROM checklists c";

fn corrupt(e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(e.to_string())
}

/// A published version from its row.
pub(super) fn terms(row: &AnyRow) -> Result<SupportTerms, StoreError> {
    let content: String = row.try_get("content")?;
    Ok(SupportTerms {
        version: row.try_get("version")?,
        content: serde_json::from_str(&content).map_err(corrupt)?,
        published_at: rows::to_time(row.try_get("published_at")?),
        published_by_name: row.try_get("published_by_name")?,
    })
}

/// An acceptance from its row.
pub(super) fn acceptance(row: &AnyRow) -> Result<TermsAcceptance, StoreError> {
    Ok(TermsAcceptance {
        id: rows::uuid(row, "id")?,
        org_id: rows::uuid(row, "org_id")?,
        version: row.try_get("version")?,
        user_id: rows::uuid(row, "user_id")?,
        user_name: row.try_get("user_name")?,
        accepted_at: rows::to_time(row.try_get("accepted_at")?),
        ticket_id: rows::uuid(row, "ticket_id")?,
    })
}

/// A checklist from its row.
pub(super) fn checklist(row: &AnyRow) -> Result<Checklist, StoreError> {
    let items: String = row.try_get("items")?;
    Ok(Checklist {
        id: rows::uuid(row, "id")?,
        category: row.try_get("category")?,
        items: serde_json::from_str::<Vec<CheckItem>>(&items).map_err(corrupt)?,
        updated_at: rows::to_time(row.try_get("updated_at")?),
    })
}

/// How a category is matched: trimmed, without regard to case.
pub fn category_key(category: &str) -> String {
    category.trim().to_lowercase()
}

impl Store {
    /// The version of the terms in force, if any was published.
    pub async fn published_terms(&self) -> Result<Option<SupportTerms>, StoreError> {
        let row = sqlx::query(&format!("{TERMS_SELECT} ORDER BY s.version DESC LIMIT 1"))
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(terms).transpose()
    }

    /// The version in force and the draft (admins).
    pub async fn admin_terms(&self) -> Result<AdminTerms, StoreError> {
        let row = sqlx::query(
            "SELECT d.content, d.saved_at, u.name AS saved_by_name FROM support_terms_draft d \
             JOIN users u ON u.id = d.saved_by WHERE d.slot = 1",
        )
        .fetch_optional(&self.pool)
        .await?;
        let draft = match row {
            None => None,
            Some(r) => {
                let content: String = r.try_get("content")?;
                Some(TermsDraft {
                    content: serde_json::from_str(&content).map_err(corrupt)?,
                    saved_at: rows::to_time(r.try_get("saved_at")?),
                    saved_by_name: r.try_get("saved_by_name")?,
                })
            }
        };
        Ok(AdminTerms {
            published: self.published_terms().await?,
            draft,
        })
    }

    /// Saves the draft (replacing the one before), audited as `terms.draft`.
    pub async fn save_terms_draft(
        &self,
        actor: Uuid,
        content: &TermsContent,
    ) -> Result<AdminTerms, StoreError> {
        let json = serde_json::to_string(content).map_err(corrupt)?;
        let mut w = Writer::begin(self).await?;
        let before: Option<String> =
            sqlx::query("SELECT content FROM support_terms_draft WHERE slot = 1")
                .fetch_optional(w.lookup().await?)
                .await?
                .map(|r| r.try_get("content"))
                .transpose()?;
        sqlx::query("DELETE FROM support_terms_draft WHERE slot = 1")
            .execute(w.conn().await?)
            .await?;
        sqlx::query(
            "INSERT INTO support_terms_draft (slot, content, saved_by, saved_at) \
             VALUES (1, $1, $2, $3)",
        )
        .bind(&json)
        .bind(actor.to_string())
        .bind(w.now)
        .execute(w.conn().await?)
        .await?;
        let record = AuditRecord {
            actor,
            action: "terms.draft",
            target_kind: "terms",
            target_id: Uuid::nil(),
            before: before.and_then(|b| serde_json::from_str(&b).ok()),
            after: serde_json::from_str(&json).ok(),
        };
        w.audit(&record).await?;
        w.commit(self).await?;
        self.admin_terms().await
    }

    /// Publishes the draft as the next version (the draft is used up), audited as
    /// `terms.publish`; every client pulls it. Without a draft: `invalid`.
    pub async fn publish_terms(
        &self,
        actor: Uuid,
    ) -> Result<Result<SupportTerms, Rejection>, StoreError> {
        let mut w = Writer::begin(self).await?;
        let draft: Option<String> =
            sqlx::query("SELECT content FROM support_terms_draft WHERE slot = 1")
                .fetch_optional(w.lookup().await?)
                .await?
                .map(|r| r.try_get("content"))
                .transpose()?;
        let Some(content) = draft else {
            return Ok(Err(Rejection::new(
                ErrorCode::Invalid,
                "there is no draft to publish: save one first",
            )));
        };
        let last: Option<i64> = sqlx::query("SELECT MAX(version) AS v FROM support_terms")
            .fetch_one(w.lookup().await?)
            .await?
            .try_get("v")?;
        let version = last.unwrap_or(0) + 1;
        let id = Uuid::now_v7();
        sqlx::query(
            "INSERT INTO support_terms (version, id, content, published_by, published_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(version)
        .bind(id.to_string())
        .bind(&content)
        .bind(actor.to_string())
        .bind(w.now)
        .execute(w.conn().await?)
        .await?;
        sqlx::query("DELETE FROM support_terms_draft WHERE slot = 1")
            .execute(w.conn().await?)
            .await?;
        w.append_public_change(EntityKind::Terms, id);
        let record = AuditRecord {
            actor,
            action: "terms.publish",
            target_kind: "terms",
            target_id: id,
            before: last.map(|v| json!({ "version": v })),
            after: Some(json!({ "version": version })),
        };
        w.audit(&record).await?;
        w.commit(self).await?;
        let row = sqlx::query(&format!("{TERMS_SELECT} WHERE s.version = $1"))
            .bind(version)
            .fetch_one(&self.pool)
            .await?;
        Ok(Ok(terms(&row)?))
    }

    /// An organisation's acceptances of the terms, newest version first.
    pub async fn org_acceptances(&self, org_id: Uuid) -> Result<Vec<TermsAcceptance>, StoreError> {
        let found = sqlx::query(&format!(
            "{ACCEPTANCE_SELECT} WHERE a.org_id = $1 ORDER BY a.version DESC"
        ))
        .bind(org_id.to_string())
        .fetch_all(&self.pool)
        .await?;
        found.iter().map(acceptance).collect()
    }

    /// Every checklist, the default (`""`) first, then by category.
    pub async fn checklists(&self) -> Result<Vec<Checklist>, StoreError> {
        let found = sqlx::query(&format!("{CHECKLIST_SELECT} ORDER BY c.category_key"))
            .fetch_all(&self.pool)
            .await?;
        found.iter().map(checklist).collect()
    }

    /// Replaces a category's checklist (creating it the first time), audited as
    /// `checklist.save`; every client pulls it. The change was checked by the route.
    pub async fn save_checklist(
        &self,
        actor: Uuid,
        change: &ChecklistChange,
    ) -> Result<Checklist, StoreError> {
        let key = category_key(&change.category);
        let items = serde_json::to_string(&change.items).map_err(corrupt)?;
        let mut w = Writer::begin(self).await?;
        let before = sqlx::query(&format!("{CHECKLIST_SELECT} WHERE c.category_key = $1"))
            .bind(&key)
            .fetch_optional(w.lookup().await?)
            .await?;
        let before = before.as_ref().map(checklist).transpose()?;
        let id = match &before {
            Some(b) => {
                sqlx::query(
                    "UPDATE checklists SET category = $1, items = $2, updated_by = $3, \
                     updated_at = $4 WHERE id = $5",
                )
                .bind(change.category.trim())
                .bind(&items)
                .bind(actor.to_string())
                .bind(w.now)
                .bind(b.id.to_string())
                .execute(w.conn().await?)
                .await?;
                b.id
            }
            None => {
                let id = Uuid::now_v7();
                sqlx::query(
                    "INSERT INTO checklists (id, category_key, category, items, updated_by, \
                     updated_at) VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(id.to_string())
                .bind(&key)
                .bind(change.category.trim())
                .bind(&items)
                .bind(actor.to_string())
                .bind(w.now)
                .execute(w.conn().await?)
                .await?;
                id
            }
        };
        w.append_public_change(EntityKind::Checklist, id);
        let record = AuditRecord {
            actor,
            action: "checklist.save",
            target_kind: "checklist",
            target_id: id,
            before: before.map(|b| json!({ "category": b.category, "items": b.items })),
            after: Some(json!({ "category": change.category.trim(), "items": change.items })),
        };
        w.audit(&record).await?;
        w.commit(self).await?;
        let row = sqlx::query(&format!("{CHECKLIST_SELECT} WHERE c.id = $1"))
            .bind(id.to_string())
            .fetch_one(&self.pool)
            .await?;
        checklist(&row)
    }
}

/// Checks, before a ticket is created, that `version` is a published version of the
/// terms (a client cannot accept what was never published).
pub(super) async fn check_terms_version(
    w: &mut Writer,
    version: i64,
) -> Result<Result<(), Rejection>, StoreError> {
    let found = sqlx::query("SELECT 1 AS one FROM support_terms WHERE version = $1")
        .bind(version)
        .fetch_optional(w.lookup().await?)
        .await?;
    Ok(match found {
        Some(_) => Ok(()),
        None => Err(Rejection::new(
            ErrorCode::Invalid,
            format!("terms_version: no published version {version} of the support terms"),
        )),
    })
}

/// Refuses a customer's own ticket when their organisation has not accepted the newest
/// published version of the terms and the ticket does not carry its acceptance
/// (`terms_version` = that version). Their app asks before filing; this is the rule for
/// every way in (an app that filed offline before the version reached it, an old app,
/// the REST API). The rejected ticket stays in their outbox until they accept and send
/// it again. Tickets staff file for a customer, and those from a channel, are not held.
pub(super) async fn check_accepted(
    w: &mut Writer,
    org_id: Uuid,
    carried: Option<i64>,
) -> Result<Result<(), Rejection>, StoreError> {
    let newest = match w.looked.newest_terms {
        Some(newest) => newest,
        None => {
            let newest: Option<i64> = sqlx::query("SELECT MAX(version) AS v FROM support_terms")
                .fetch_one(w.lookup().await?)
                .await?
                .try_get("v")?;
            w.looked.newest_terms = Some(newest);
            newest
        }
    };
    let Some(newest) = newest else {
        return Ok(Ok(()));
    };
    if carried == Some(newest) {
        return Ok(Ok(()));
    }
    Ok(if is_accepted(w, org_id, newest).await? {
        Ok(())
    } else {
        Err(Rejection::new(
            ErrorCode::TermsNotAccepted,
            format!(
                "version {newest} of the support terms is in force and your organisation has \
                 not accepted it: read it, accept it (terms_version {newest}) and file again"
            ),
        ))
    })
}

/// Whether `org_id` accepted `version`; a yes is kept for the rest of the transaction
/// (an acceptance is never taken back inside one).
async fn is_accepted(w: &mut Writer, org_id: Uuid, version: i64) -> Result<bool, StoreError> {
    if w.looked.accepted.contains(&(org_id, version)) {
        return Ok(true);
    }
    let found =
        sqlx::query("SELECT 1 AS one FROM terms_acceptances WHERE org_id = $1 AND version = $2")
            .bind(org_id.to_string())
            .bind(version)
            .fetch_optional(w.lookup().await?)
            .await?;
    if found.is_some() {
        w.looked.accepted.insert((org_id, version));
    }
    Ok(found.is_some())
}

/// Records that `ticket`'s organisation accepted `version` through its filer, unless
/// it had already: one acceptance per organisation and version. Answers whether this
/// was the first (the caller then puts it on the ticket's timeline).
pub(super) async fn record_acceptance(
    w: &mut Writer,
    ticket: &Ticket,
    user_id: Uuid,
    version: i64,
) -> Result<bool, StoreError> {
    if is_accepted(w, ticket.org_id, version).await? {
        return Ok(false);
    }
    let id = Uuid::now_v7();
    sqlx::query(
        "INSERT INTO terms_acceptances (id, org_id, version, user_id, ticket_id, accepted_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(id.to_string())
    .bind(ticket.org_id.to_string())
    .bind(version)
    .bind(user_id.to_string())
    .bind(ticket.id.to_string())
    .bind(w.now)
    .execute(w.lookup().await?)
    .await?;
    w.append_org_change(ticket.org_id, EntityKind::Acceptance, id);
    w.looked.accepted.insert((ticket.org_id, version));
    Ok(true)
}

/// The version in force, read inside the writing transaction.
pub(super) async fn terms_in_force(w: &mut Writer) -> Result<Option<SupportTerms>, StoreError> {
    let row = sqlx::query(&format!("{TERMS_SELECT} ORDER BY s.version DESC LIMIT 1"))
        .fetch_optional(w.lookup().await?)
        .await?;
    row.as_ref().map(terms).transpose()
}
