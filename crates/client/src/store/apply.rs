//! Applying a pulled page of the change feed: one transaction per page, with the cursor.
//!
//! A pulled ticket replaces the stored one, then the user's own changes still in the
//! outbox are laid over it again, so the screen keeps showing what the user did until
//! the server has answered it.

use std::collections::BTreeSet;

use tadhkira_proto::{Change, Entity, Message, Ticket, User};
use uuid::Uuid;

use super::outbox::pending_for;
use super::tickets::{
    apply_local, link_message_index, load_ticket, upsert_event, upsert_message, upsert_ticket,
};
use super::{get_meta, set_meta, Store};
use crate::error::Result;

/// A pulled message that deserves an alert, with what the alert shows.
#[derive(Debug, Clone)]
pub(crate) struct PulledAlert {
    pub message: Message,
    pub ticket_number: Option<i64>,
    pub ticket_title: String,
}

/// Whether `me` follows ticket `t` (see [`crate::notifier`] for the rule).
async fn follows(conn: &mut sqlx::SqliteConnection, t: &Ticket, me: &User) -> Result<bool> {
    if t.requester_id == me.id || t.created_by == me.id {
        return Ok(true);
    }
    if !me.role.is_staff() {
        return Ok(false);
    }
    if t.assignee_id == Some(me.id) {
        return Ok(true);
    }
    let wrote: Option<i64> =
        sqlx::query_scalar("SELECT 1 FROM messages WHERE ticket_id = ? AND author_id = ? LIMIT 1")
            .bind(t.id.to_string())
            .bind(me.id.to_string())
            .fetch_optional(&mut *conn)
            .await?;
    Ok(wrote.is_some())
}

impl Store {
    /// Puts a ticket back to the server's last state plus the changes still in the
    /// outbox (after one was discarded). Local-only tickets are left as they are.
    pub(crate) async fn rebuild_ticket(
        conn: &mut sqlx::SqliteConnection,
        id: Uuid,
        me: &User,
    ) -> Result<()> {
        let server: Option<Option<String>> =
            sqlx::query_scalar("SELECT server_data FROM tickets WHERE id = ?")
                .bind(id.to_string())
                .fetch_optional(&mut *conn)
                .await?;
        let Some(Some(server)) = server else {
            return Ok(());
        };
        let Entity::Ticket(mut t) = serde_json::from_str::<Entity>(&server)? else {
            return Ok(());
        };
        let at = t.updated_at;
        for m in pending_for(&mut *conn, id).await? {
            apply_local(&mut t, &m, me, at);
        }
        upsert_ticket(&mut *conn, &t).await
    }

    /// Applies one page and moves the cursor, in one transaction. `alerts` says whether
    /// new messages may alert (not during the first sync). Returns the changed tickets
    /// and the messages to alert about (already marked alerted).
    pub async fn apply_pull_page(
        &self,
        changes: &[Change],
        cursor: i64,
        me: &User,
        alerts: bool,
    ) -> Result<(BTreeSet<Uuid>, Vec<PulledAlert>)> {
        let mut tx = self.pool.begin().await?;
        let mut changed = BTreeSet::new();
        let mut new_messages = Vec::new();
        for c in changes {
            match &c.entity {
                Entity::Ticket(t) => {
                    let mut t = t.clone();
                    let at = t.updated_at;
                    for m in pending_for(&mut tx, t.id).await? {
                        apply_local(&mut t, &m, me, at);
                    }
                    upsert_ticket(&mut tx, &t).await?;
                    sqlx::query("UPDATE tickets SET server_data = ? WHERE id = ?")
                        .bind(serde_json::to_string(&c.entity)?)
                        .bind(t.id.to_string())
                        .execute(&mut *tx)
                        .await?;
                    link_message_index(&mut tx, t.id).await?;
                    changed.insert(t.id);
                }
                Entity::Message(m) => {
                    if upsert_message(&mut tx, m).await? && m.author_id != me.id {
                        new_messages.push(m.clone());
                    }
                    changed.insert(m.ticket_id);
                }
                Entity::Event(e) => {
                    upsert_event(&mut tx, e).await?;
                    changed.insert(e.ticket_id);
                }
            }
        }
        let mut to_alert = Vec::new();
        for m in new_messages {
            let already: Option<i64> =
                sqlx::query_scalar("SELECT 1 FROM alerted WHERE message_id = ?")
                    .bind(m.id.to_string())
                    .fetch_optional(&mut *tx)
                    .await?;
            sqlx::query("INSERT OR IGNORE INTO alerted (message_id) VALUES (?)")
                .bind(m.id.to_string())
                .execute(&mut *tx)
                .await?;
            if !alerts || already.is_some() {
                continue;
            }
            let Some(t) = load_ticket(&mut tx, m.ticket_id).await? else {
                continue;
            };
            if follows(&mut tx, &t, me).await? {
                to_alert.push(PulledAlert {
                    ticket_number: (t.number > 0).then_some(t.number),
                    ticket_title: t.title.clone(),
                    message: m,
                });
            }
        }
        set_meta(&mut *tx, "cursor", &cursor.to_string()).await?;
        tx.commit().await?;
        Ok((changed, to_alert))
    }

    /// The pull cursor and the server epoch it belongs to.
    pub async fn cursor(&self) -> Result<(i64, Option<Uuid>)> {
        let mut conn = self.pool.acquire().await?;
        let cursor = get_meta(&mut *conn, "cursor")
            .await?
            .and_then(|c| c.parse().ok())
            .unwrap_or(0);
        let epoch = get_meta(&mut *conn, "epoch")
            .await?
            .and_then(|e| Uuid::parse_str(&e).ok());
        Ok((cursor, epoch))
    }

    /// Starts over against a (new) server epoch: cursor 0, and the next sync counts as a
    /// first sync (no alerts for what is already there).
    pub async fn reset_epoch(&self, epoch: Uuid) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        set_meta(&mut *tx, "epoch", &epoch.to_string()).await?;
        set_meta(&mut *tx, "cursor", "0").await?;
        sqlx::query("DELETE FROM meta WHERE key = 'first_sync_done'")
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }
}
