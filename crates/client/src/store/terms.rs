//! The local copy of the support terms, of the organisation's acceptances of them, of
//! the first-line checklists and of the response policy in effect: written by each pull
//! page, read by the Support policy screen and the new-ticket form, offline as online.

use tadhkira_proto::{Checklist, Mutation, ResponsePolicy, SupportTerms, TermsAcceptance};
use uuid::Uuid;

use super::{get_meta, set_meta, Store};
use crate::error::Result;

/// The `meta` key of the response policy's copy.
const POLICY_KEY: &str = "response_policy";

/// How a category is matched: trimmed, without regard to case (as on the server).
pub(crate) fn category_key(category: &str) -> String {
    category.trim().to_lowercase()
}

impl Store {
    /// Stores pulled terms, acceptances, checklists (each replaces its earlier copy) and
    /// the response policy (kept in `meta`: there is one, and an older version never
    /// replaces a newer one, whatever order the pages come in).
    pub(crate) async fn apply_terms(
        conn: &mut sqlx::SqliteConnection,
        terms: &[&SupportTerms],
        acceptances: &[&TermsAcceptance],
        checklists: &[&Checklist],
        policy: Option<&ResponsePolicy>,
    ) -> Result<()> {
        if let Some(p) = policy {
            let kept = get_meta(&mut *conn, POLICY_KEY).await?;
            let older = match kept {
                Some(k) => serde_json::from_str::<ResponsePolicy>(&k)?.version <= p.version,
                None => true,
            };
            if older {
                set_meta(&mut *conn, POLICY_KEY, &serde_json::to_string(p)?).await?;
            }
        }
        for t in terms {
            sqlx::query("INSERT OR REPLACE INTO support_terms (version, data) VALUES (?, ?)")
                .bind(t.version)
                .bind(serde_json::to_string(t)?)
                .execute(&mut *conn)
                .await?;
        }
        for a in acceptances {
            sqlx::query(
                "INSERT OR REPLACE INTO terms_acceptances (id, org_id, version, data) \
                 VALUES (?, ?, ?, ?)",
            )
            .bind(a.id.to_string())
            .bind(a.org_id.to_string())
            .bind(a.version)
            .bind(serde_json::to_string(a)?)
            .execute(&mut *conn)
            .await?;
        }
        for c in checklists {
            sqlx::query(
                "INSERT OR REPLACE INTO checklists (id, category_key, data) VALUES (?, ?, ?)",
            )
            .bind(c.id.to_string())
            .bind(category_key(&c.category))
            .bind(serde_json::to_string(c)?)
            .execute(&mut *conn)
            .await?;
        }
        Ok(())
    }

    /// The response policy in effect, as last pulled (none before the first pull).
    pub async fn response_policy(&self) -> Result<Option<ResponsePolicy>> {
        let kept = get_meta(&self.pool, POLICY_KEY).await?;
        Ok(kept.map(|k| serde_json::from_str(&k)).transpose()?)
    }

    /// The newest published version of the terms this store holds.
    pub async fn terms_in_force(&self) -> Result<Option<SupportTerms>> {
        let data: Option<String> =
            sqlx::query_scalar("SELECT data FROM support_terms ORDER BY version DESC LIMIT 1")
                .fetch_optional(&self.pool)
                .await?;
        Ok(data.map(|d| serde_json::from_str(&d)).transpose()?)
    }

    /// The organisation's acceptance of `version`, if the store has it.
    pub async fn acceptance(&self, org_id: Uuid, version: i64) -> Result<Option<TermsAcceptance>> {
        let data: Option<String> = sqlx::query_scalar(
            "SELECT data FROM terms_acceptances WHERE org_id = ? AND version = ? LIMIT 1",
        )
        .bind(org_id.to_string())
        .bind(version)
        .fetch_optional(&self.pool)
        .await?;
        Ok(data.map(|d| serde_json::from_str(&d)).transpose()?)
    }

    /// Every acceptance the store holds, newest version first (staff hold every
    /// organisation's; a customer their own).
    pub async fn acceptances(&self) -> Result<Vec<TermsAcceptance>> {
        let found: Vec<String> =
            sqlx::query_scalar("SELECT data FROM terms_acceptances ORDER BY version DESC, id")
                .fetch_all(&self.pool)
                .await?;
        found.iter().map(|d| Ok(serde_json::from_str(d)?)).collect()
    }

    /// Whether a ticket still in the outbox (queued or rejected) carries the acceptance
    /// of `version`: the user accepted already, the server has not answered yet.
    pub async fn acceptance_queued(&self, version: i64) -> Result<bool> {
        let found: Vec<String> = sqlx::query_scalar(
            "SELECT mutation FROM outbox WHERE kind = 'create_ticket' ORDER BY seq",
        )
        .fetch_all(&self.pool)
        .await?;
        for m in found {
            if let Mutation::CreateTicket(t) = serde_json::from_str::<Mutation>(&m)? {
                if t.terms_version == Some(version) {
                    return Ok(true);
                }
            }
        }
        Ok(false)
    }

    /// Every checklist, the default (`""`) first, then by category.
    pub async fn checklists(&self) -> Result<Vec<Checklist>> {
        let found: Vec<String> =
            sqlx::query_scalar("SELECT data FROM checklists ORDER BY category_key, id")
                .fetch_all(&self.pool)
                .await?;
        found.iter().map(|d| Ok(serde_json::from_str(d)?)).collect()
    }
}
