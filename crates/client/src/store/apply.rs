//! Applying a pulled page of the change feed: one transaction per page, with the cursor.
//!
//! A pulled ticket replaces the stored one, then the user's own changes still in the
//! outbox are laid over it again, so the screen keeps showing what the user did until
//! the server has answered it.

use std::collections::{BTreeSet, HashSet};

use tadhkira_proto::{Change, Entity, Message, Ticket, User};
use uuid::Uuid;

use super::bulk::{
    mark_alerted, texts_for_ids, upsert_pulled_events, upsert_pulled_messages,
    upsert_pulled_tickets,
};
use super::event_alerts::{pulled_event_alerts, PulledEventAlert};
use super::outbox::pending_for;
use super::tickets::{
    apply_local, load_tickets, shown_with_copy, upsert_ticket, SERVER_COPY_IS_DATA,
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

/// Whether `me` follows ticket `t` (see [`crate::notifier`] for the rule); `wrote`: the
/// tickets `me` wrote a message on ([`written_on`]), asked for staff only.
fn follows(t: &Ticket, me: &User, wrote: &HashSet<Uuid>) -> bool {
    if t.requester_id == me.id || t.created_by == me.id {
        return true;
    }
    me.role.is_staff() && (t.assignee_id == Some(me.id) || wrote.contains(&t.id))
}

/// The tickets among `tickets` that `me` wrote a message on: one statement per
/// [`ROWS`](super::bulk::ROWS).
async fn written_on(
    conn: &mut sqlx::SqliteConnection,
    me: &User,
    tickets: &[Uuid],
) -> Result<HashSet<Uuid>> {
    let found = texts_for_ids(conn, tickets, |q| {
        q.push("SELECT DISTINCT ticket_id FROM messages WHERE author_id = ")
            .push_bind(me.id.to_string())
            .push(" AND ticket_id");
    })
    .await?;
    Ok(found
        .iter()
        .filter_map(|id| Uuid::parse_str(id).ok())
        .collect())
}

impl Store {
    /// Puts a ticket back to the server's last state plus the changes still in the
    /// outbox (after one was discarded). Local-only tickets are left as they are.
    pub(crate) async fn rebuild_ticket(
        conn: &mut sqlx::SqliteConnection,
        id: Uuid,
        me: &User,
    ) -> Result<()> {
        let row: Option<(Option<String>, String)> =
            sqlx::query_as("SELECT server_data, data FROM tickets WHERE id = ?")
                .bind(id.to_string())
                .fetch_optional(&mut *conn)
                .await?;
        let Some((Some(server), data)) = row else {
            return Ok(());
        };
        let mut t: Ticket = if server == SERVER_COPY_IS_DATA {
            serde_json::from_str(&data)?
        } else {
            let Entity::Ticket(t) = serde_json::from_str::<Entity>(&server)? else {
                return Ok(());
            };
            t
        };
        let at = t.updated_at;
        for m in pending_for(&mut *conn, id).await? {
            apply_local(&mut t, &m, me, at);
        }
        upsert_ticket(&mut *conn, &t).await
    }

    /// Applies one page and moves the cursor, in one transaction. `alerts` says whether
    /// new messages and events may alert (not during the first sync). Returns the
    /// changed tickets, the messages to alert about and the events to alert about (both
    /// already marked alerted; see `event_alerts.rs` for which events).
    ///
    /// The page is written kind by kind with multi-row statements ([`super::bulk`]):
    /// tickets first, so that the page's messages find their ticket for the search
    /// index. The feed may name an entity more than once in a page; each time it
    /// carries the entity's current state, so the last one is kept.
    pub async fn apply_pull_page(
        &self,
        changes: &[Change],
        cursor: i64,
        me: &User,
        alerts: bool,
    ) -> Result<(BTreeSet<Uuid>, Vec<PulledAlert>, Vec<PulledEventAlert>)> {
        let mut changed = BTreeSet::new();
        let (mut tickets, mut messages, mut events) = (Vec::new(), Vec::new(), Vec::new());
        let (mut articles, mut withdrawn) = (Vec::new(), Vec::new());
        let (mut terms, mut acceptances, mut checklists) = (Vec::new(), Vec::new(), Vec::new());
        let mut policy = None;
        let mut seen = HashSet::new();
        for c in changes.iter().rev() {
            let (id, ticket_id) = match &c.entity {
                Entity::Ticket(t) => (t.id, Some(t.id)),
                Entity::Message(m) => (m.id, Some(m.ticket_id)),
                Entity::Event(e) => (e.id, Some(e.ticket_id)),
                Entity::Article(a) => (a.id, None),
                Entity::ArticleWithdrawn(w) => (w.id, None),
                // Versions are numbers; an id that no ticket or article has.
                Entity::SupportTerms(t) => (Uuid::from_u128(t.version as u128), None),
                Entity::Checklist(c) => (c.id, None),
                Entity::TermsAccepted(a) => (a.id, None),
                // One entity: the newest version in the page is the one kept.
                Entity::ResponsePolicy(_) => (Uuid::nil(), None),
            };
            changed.extend(ticket_id);
            if !seen.insert(id) {
                continue;
            }
            match &c.entity {
                Entity::Ticket(t) => tickets.push((t, &c.entity)),
                Entity::Message(m) => messages.push(m),
                Entity::Event(e) => events.push(e),
                Entity::Article(a) => articles.push(a),
                Entity::ArticleWithdrawn(w) => withdrawn.push(w.id),
                Entity::SupportTerms(t) => terms.push(t),
                Entity::Checklist(c) => checklists.push(c),
                Entity::TermsAccepted(a) => acceptances.push(a),
                Entity::ResponsePolicy(p) => policy = Some(p),
            }
        }

        let mut tx = self.pool.begin().await?;
        let outbox_empty: bool = sqlx::query_scalar("SELECT NOT EXISTS (SELECT 1 FROM outbox)")
            .fetch_one(&mut *tx)
            .await?;
        let mut shown = Vec::with_capacity(tickets.len());
        for (t, entity) in tickets.into_iter().rev() {
            // The user's own changes still in the outbox stay on screen.
            let pending = if outbox_empty {
                Vec::new()
            } else {
                pending_for(&mut tx, t.id).await?
            };
            shown.push(shown_with_copy(t, entity, &pending, me)?);
        }
        upsert_pulled_tickets(&mut tx, &shown).await?;
        messages.reverse();
        let new_ids = upsert_pulled_messages(&mut tx, &messages).await?;
        events.reverse();
        upsert_pulled_events(&mut tx, &events).await?;
        Store::apply_articles(&mut tx, &articles, &withdrawn).await?;
        Store::apply_terms(&mut tx, &terms, &acceptances, &checklists, policy).await?;

        let new_messages: Vec<&Message> = messages
            .into_iter()
            .filter(|m| new_ids.contains(&m.id) && m.author_id != me.id)
            .collect();
        let first_time = mark_alerted(&mut tx, new_messages.iter().map(|m| m.id)).await?;
        // The tickets of the messages to weigh, and (staff) those I wrote on, each asked
        // once for the page: per message, two round trips were most of a later pull.
        let due: Vec<&Message> = match alerts {
            true => new_messages
                .into_iter()
                .filter(|m| first_time.contains(&m.id))
                .collect(),
            false => Vec::new(),
        };
        let their_tickets = load_tickets(&mut tx, due.iter().map(|m| m.ticket_id)).await?;
        let wrote = match me.role.is_staff() && !their_tickets.is_empty() {
            true => {
                let ids: Vec<Uuid> = their_tickets.keys().copied().collect();
                written_on(&mut tx, me, &ids).await?
            }
            false => HashSet::new(),
        };
        let mut to_alert = Vec::new();
        for m in due {
            let Some(t) = their_tickets.get(&m.ticket_id) else {
                continue;
            };
            if follows(t, me, &wrote) {
                to_alert.push(PulledAlert {
                    ticket_number: (t.number > 0).then_some(t.number),
                    ticket_title: t.title.clone(),
                    message: m.clone(),
                });
            }
        }
        let event_alerts = pulled_event_alerts(&mut tx, &events, me, alerts).await?;
        set_meta(&mut *tx, "cursor", &cursor.to_string()).await?;
        tx.commit().await?;
        Ok((changed, to_alert, event_alerts))
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
        self.restart_pull(Some(epoch)).await
    }

    /// Pulls from 0 again, as a first sync; with `epoch`, against that epoch (else the
    /// one stored stays: the server said our cursor is ahead of its feed).
    pub async fn restart_pull(&self, epoch: Option<Uuid>) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        if let Some(epoch) = epoch {
            set_meta(&mut *tx, "epoch", &epoch.to_string()).await?;
        }
        set_meta(&mut *tx, "cursor", "0").await?;
        sqlx::query("DELETE FROM meta WHERE key = 'first_sync_done'")
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }
}
