//! The channel outbox in storage: replies queued for a channel's sender with the
//! agent's reply ([`enqueue_reply`], in the reply's own transaction), claimed and
//! settled by the sender ([`Store::claim_outbox`], [`Store::settle_outbox`]), and the
//! delivery reports that move a reply's state forward ([`Store::record_delivery`]).
//! The inbound side is `super::channels`; see `crate::channels` for the shape.

use sqlx::Row;
use tadhkira_proto::{normalise_phone, Channel, Delivery, Ticket, WHATSAPP_WINDOW_HOURS};
use uuid::Uuid;

use super::writer::{EntityKind, Writer};
use super::{rows, Backend, Store, StoreError};
use crate::config::Settings;

/// How long a sender holds a claimed outbox row before another may take it.
pub const CLAIM_MS: i64 = 60_000;

/// A reply (or automatic answer) claimed for sending.
#[derive(Debug, Clone)]
pub struct OutboxItem {
    /// Its row.
    pub id: Uuid,
    /// The reply it carries (`None`: an automatic answer).
    pub message_id: Option<Uuid>,
    /// Where it goes (E.164).
    pub recipient: String,
    /// `text` or `template`.
    pub kind: String,
    /// The text.
    pub body: String,
    /// Attempts so far, this one included.
    pub attempts: i64,
    /// An e-mail's envelope (JSON of `MailEnvelope`); `None` for WhatsApp.
    pub envelope: Option<String>,
}

/// The outcome of one attempt to send an [`OutboxItem`].
#[derive(Debug, Clone)]
pub enum SendOutcome {
    /// The channel took it, with its id for it.
    Sent(String),
    /// Try again at this time (unix ms).
    Retry {
        /// When.
        at: i64,
        /// Why not now (for the log and the row; never a secret).
        error: String,
    },
    /// Refused for good.
    Failed(String),
}

impl Store {
    /// Claims the oldest due outbox row of `channel` for [`CLAIM_MS`], or `None`. Two
    /// senders (server processes) never hold one row at once: the claim is one UPDATE
    /// that re-checks the claim it replaces.
    pub async fn claim_outbox(&self, channel: Channel) -> Result<Option<OutboxItem>, StoreError> {
        let now = rows::now_ms();
        // A cheap read first: most ticks find nothing, and then take no write lock.
        let due = sqlx::query(
            "SELECT id FROM channel_outbox WHERE channel = $1 AND sent_at IS NULL \
             AND failed_at IS NULL AND next_attempt_at <= $2 \
             AND (claimed_until IS NULL OR claimed_until < $2) ORDER BY created_at, id LIMIT 1",
        )
        .bind(channel.as_str())
        .bind(now)
        .fetch_optional(&self.pool)
        .await?;
        let Some(due) = due else {
            return Ok(None);
        };
        let id: String = due.try_get("id")?;
        let _gate = match self.backend {
            Backend::Sqlite => Some(self.write_gate.lock().await),
            Backend::Postgres => None,
        };
        let row = sqlx::query(
            "UPDATE channel_outbox SET claimed_until = $1, attempts = attempts + 1 \
             WHERE id = $2 AND sent_at IS NULL AND failed_at IS NULL \
             AND (claimed_until IS NULL OR claimed_until < $3) \
             RETURNING id, message_id, recipient, kind, body, attempts, envelope",
        )
        .bind(now + CLAIM_MS)
        .bind(&id)
        .bind(now)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| {
            Ok(OutboxItem {
                id: rows::uuid(&r, "id")?,
                message_id: rows::opt_uuid(&r, "message_id")?,
                recipient: r.try_get("recipient")?,
                kind: r.try_get("kind")?,
                body: r.try_get("body")?,
                attempts: r.try_get("attempts")?,
                envelope: r.try_get("envelope")?,
            })
        })
        .transpose()
    }

    /// Settles one attempt: sent (the reply shows `sent`), retried later, or failed
    /// (the reply shows `failed`).
    pub async fn settle_outbox(
        &self,
        item: &OutboxItem,
        outcome: &SendOutcome,
    ) -> Result<(), StoreError> {
        let mut w = Writer::begin(self).await?;
        let delivery = match outcome {
            SendOutcome::Sent(external_id) => {
                sqlx::query(
                    "UPDATE channel_outbox SET sent_at = $1, external_id = $2, \
                     claimed_until = NULL, last_error = NULL WHERE id = $3",
                )
                .bind(w.now)
                .bind(external_id)
                .bind(item.id.to_string())
                .execute(w.conn().await?)
                .await?;
                Some(Delivery::Sent)
            }
            SendOutcome::Retry { at, error } => {
                sqlx::query(
                    "UPDATE channel_outbox SET next_attempt_at = $1, last_error = $2, \
                     claimed_until = NULL WHERE id = $3",
                )
                .bind(*at)
                .bind(error)
                .bind(item.id.to_string())
                .execute(w.conn().await?)
                .await?;
                None
            }
            SendOutcome::Failed(error) => {
                sqlx::query(
                    "UPDATE channel_outbox SET failed_at = $1, last_error = $2, \
                     claimed_until = NULL WHERE id = $3",
                )
                .bind(w.now)
                .bind(error)
                .bind(item.id.to_string())
                .execute(w.conn().await?)
                .await?;
                Some(Delivery::Failed)
            }
        };
        if let (Some(delivery), Some(message_id)) = (delivery, item.message_id) {
            set_delivery(&mut w, message_id, delivery).await?;
        }
        w.commit(self).await
    }

    /// A delivery report from the channel about the message it knows as
    /// `external_id`: the reply's [`Delivery`] moves forward (never back). A report on
    /// a message we do not know is ignored (answers `false`).
    pub async fn record_delivery(
        &self,
        channel: Channel,
        external_id: &str,
        delivery: Delivery,
    ) -> Result<bool, StoreError> {
        let mut w = Writer::begin(self).await?;
        let row = sqlx::query(
            "SELECT message_id FROM channel_outbox WHERE channel = $1 AND external_id = $2",
        )
        .bind(channel.as_str())
        .bind(external_id)
        .fetch_optional(w.lookup().await?)
        .await?;
        let Some(message_id) = row.map(|r| rows::opt_uuid(&r, "message_id")).transpose()? else {
            return Ok(false);
        };
        if let Some(message_id) = message_id {
            set_delivery(&mut w, message_id, delivery).await?;
        }
        w.commit(self).await?;
        Ok(true)
    }

    /// The outbox rows of a ticket as (kind, recipient, body, state) — for tests and
    /// support; `state` is `queued`, `sent` or `failed`.
    pub async fn channel_outbox_of(
        &self,
        ticket_id: Uuid,
    ) -> Result<Vec<(String, String, String, String)>, StoreError> {
        let rows = sqlx::query(
            "SELECT kind, recipient, body, sent_at, failed_at FROM channel_outbox \
             WHERE ticket_id = $1 ORDER BY created_at, id",
        )
        .bind(ticket_id.to_string())
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let state = if r.try_get::<Option<i64>, _>("sent_at")?.is_some() {
                    "sent"
                } else if r.try_get::<Option<i64>, _>("failed_at")?.is_some() {
                    "failed"
                } else {
                    "queued"
                };
                Ok((
                    r.try_get("kind")?,
                    r.try_get("recipient")?,
                    r.try_get("body")?,
                    state.to_owned(),
                ))
            })
            .collect()
    }
}

/// Queues an agent's public reply on a channel ticket for the channel's sender, in the
/// reply's own transaction, and marks the reply `queued`. The recipient is the address
/// the customer last wrote from on this ticket (else their phone); outside the 24-hour
/// window since their last message the configured template goes instead of the text
/// (WhatsApp refuses free text then). Nothing is queued when the channel is off or the
/// customer has no address: the reply then shows `failed`.
pub(super) async fn enqueue_reply(
    w: &mut Writer,
    t: &Ticket,
    message_id: Uuid,
    body: &str,
    policy: &Settings,
) -> Result<(), StoreError> {
    if t.channel == Channel::Email {
        return super::email::enqueue_reply(w, t, message_id, body, policy).await;
    }
    if t.channel != Channel::Whatsapp {
        return Ok(());
    }
    let Some(settings) = &policy.channels.whatsapp else {
        return Ok(());
    };
    let last = sqlx::query(
        "SELECT sender, received_at FROM channel_inbound WHERE channel = $1 \
         AND customer_id = $2 AND state IN ('ticket', 'reply', 'linked') \
         ORDER BY received_at DESC LIMIT 1",
    )
    .bind(t.channel.as_str())
    .bind(t.requester_id.to_string())
    .fetch_optional(w.lookup().await?)
    .await?;
    let (recipient, last_at) = match last {
        Some(r) => (
            Some(r.try_get::<String, _>("sender")?),
            Some(r.try_get::<i64, _>("received_at")?),
        ),
        None => {
            let phone: Option<String> = sqlx::query("SELECT phone FROM users WHERE id = $1")
                .bind(t.requester_id.to_string())
                .fetch_optional(w.lookup().await?)
                .await?
                .map(|r| r.try_get("phone"))
                .transpose()?
                .flatten();
            let cc = settings.default_country_code.as_deref();
            (phone.and_then(|p| normalise_phone(&p, cc)), None)
        }
    };
    let Some(recipient) = recipient else {
        set_delivery_as(w, message_id, Delivery::Failed, false).await?;
        return Ok(());
    };
    let window_ms = i64::from(WHATSAPP_WINDOW_HOURS) * 3_600_000;
    let in_window = last_at.is_some_and(|at| w.now - at < window_ms);
    let kind = if in_window { "text" } else { "template" };
    if !in_window && settings.template_name.is_none() {
        set_delivery_as(w, message_id, Delivery::Failed, false).await?;
        return Ok(());
    }
    insert_whatsapp(w, Some(message_id), Some(t.id), &recipient, kind, body).await?;
    set_delivery_as(w, message_id, Delivery::Queued, false).await
}

/// A row to add to the channel outbox.
pub(super) struct OutboxRow<'a> {
    pub id: Uuid,
    pub channel: Channel,
    /// The reply it carries (`None`: an automatic answer).
    pub message_id: Option<Uuid>,
    pub ticket_id: Option<Uuid>,
    pub recipient: &'a str,
    /// `text` or `template` (WhatsApp), `email`.
    pub kind: &'a str,
    pub body: &'a str,
    /// An e-mail's [`super::email::MailEnvelope`] as JSON.
    pub envelope: Option<&'a str>,
}

pub(super) async fn insert_outbox(w: &mut Writer, row: &OutboxRow<'_>) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO channel_outbox (id, channel, message_id, ticket_id, recipient, kind, body, \
         envelope, attempts, next_attempt_at, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 0, $9, $9)",
    )
    .bind(row.id.to_string())
    .bind(row.channel.as_str())
    .bind(row.message_id.map(|m| m.to_string()))
    .bind(row.ticket_id.map(|t| t.to_string()))
    .bind(row.recipient)
    .bind(row.kind)
    .bind(row.body)
    .bind(row.envelope)
    .bind(w.now)
    .execute(w.lookup().await?)
    .await?;
    Ok(())
}

/// A WhatsApp row of the channel outbox.
pub(super) async fn insert_whatsapp(
    w: &mut Writer,
    message_id: Option<Uuid>,
    ticket_id: Option<Uuid>,
    recipient: &str,
    kind: &str,
    body: &str,
) -> Result<(), StoreError> {
    let row = OutboxRow {
        id: Uuid::now_v7(),
        channel: Channel::Whatsapp,
        message_id,
        ticket_id,
        recipient,
        kind,
        body,
        envelope: None,
    };
    insert_outbox(w, &row).await
}

/// Moves a message's delivery forward and puts it on the feed again (the timeline
/// shows the new state); a report that would move it back is ignored.
async fn set_delivery(
    w: &mut Writer,
    message_id: Uuid,
    delivery: Delivery,
) -> Result<(), StoreError> {
    set_delivery_as(w, message_id, delivery, true).await
}

/// [`set_delivery`]; `announce: false` while the message's own feed row is still to be
/// written in this transaction (a reply being queued).
pub(super) async fn set_delivery_as(
    w: &mut Writer,
    message_id: Uuid,
    delivery: Delivery,
    announce: bool,
) -> Result<(), StoreError> {
    let row = sqlx::query("SELECT ticket_id, delivery FROM messages WHERE id = $1")
        .bind(message_id.to_string())
        .fetch_optional(w.lookup().await?)
        .await?;
    let Some(row) = row else {
        return Ok(());
    };
    let current: Option<String> = row.try_get("delivery")?;
    let current = current.as_deref().map(Delivery::parse).transpose();
    let current = current.map_err(|e| StoreError::Corrupt(e.to_string()))?;
    if current.is_some_and(|c| !c.may_become(delivery)) {
        return Ok(());
    }
    sqlx::query("UPDATE messages SET delivery = $1 WHERE id = $2")
        .bind(delivery.as_str())
        .bind(message_id.to_string())
        .execute(w.conn().await?)
        .await?;
    let ticket_id = rows::uuid(&row, "ticket_id")?;
    if !announce {
        return Ok(());
    }
    if let Some((t, _)) = w.ticket(ticket_id).await? {
        // A reply with a delivery is public.
        w.append_change(&t, EntityKind::Message, message_id, false)
            .await?;
    }
    Ok(())
}
