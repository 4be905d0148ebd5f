//! E-mail in storage: the threads (`email_threads`: every Message-ID of a ticket's
//! conversation, ours and the customer's), the people copied on a ticket (`email_cc`:
//! everyone else its customer's e-mails were written to, never our own addresses),
//! which ticket an e-mail answers, and the queueing of a reply as an e-mail in the
//! channel outbox with its envelope (To the customer, Cc the ticket's list).
//!
//! Our Message-IDs are made from the outbox row's id when the reply is queued and
//! recorded at once, in the reply's transaction: a retried send carries the same id
//! (a receiving server may drop the duplicate), and the customer's answer finds the
//! ticket even before the first send has finished.

use serde::{Deserialize, Serialize};
use sqlx::Row;
use tadhkira_proto::{Channel, Delivery, Ticket};
use uuid::Uuid;

use super::channel_outbox::{insert_outbox, set_delivery_as, OutboxRow};
use super::channels::insert_inbound;
use super::writer::Writer;
use super::{rows, Caller, Store, StoreError};
use crate::channels::{Inbound, MailAddress, MailThread};
use crate::config::Settings;

/// `email_threads.direction` of a message we received.
const IN: &str = "in";
/// `email_threads.direction` of a message we sent.
const OUT: &str = "out";
/// At most this many Message-IDs go into a reply's `References`.
const MAX_REFERENCES: i64 = 20;

/// What an e-mail in the channel outbox needs besides its text and recipient.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MailEnvelope {
    /// Our Message-ID for it (without angle brackets).
    pub message_id: String,
    /// Its subject.
    pub subject: String,
    /// The message it answers.
    pub in_reply_to: Option<String>,
    /// The thread, oldest first.
    pub references: Vec<String>,
    /// The recipient's name.
    pub to_name: Option<String>,
    /// The people copied: the ticket's Cc list when the reply was queued.
    #[serde(default)]
    pub cc: Vec<MailAddress>,
    /// An automatic answer (marked `Auto-Submitted: auto-replied`).
    pub automatic: bool,
}

/// A file of a reply, as the sender attaches it.
#[derive(Debug, Clone)]
pub struct ReplyFile {
    /// Its blob.
    pub sha256: tadhkira_proto::Sha256Hex,
    /// Its name.
    pub name: String,
    /// Its type.
    pub content_type: String,
}

/// Our Message-ID for the outbox row `id` (see `channels::email::parse::is_ours`).
pub fn our_message_id(id: Uuid, domain: &str) -> String {
    format!("tadhkira.{id}@{domain}")
}

/// A subject without its `Re:`/`Fwd:` prefixes (however many, in any case).
fn without_prefixes(subject: &str) -> &str {
    let mut core = subject.trim();
    while let Some(p) = ["re:", "aw:", "fwd:", "fw:", "رد:"].iter().find(|p| {
        core.get(..p.len())
            .is_some_and(|head| head.eq_ignore_ascii_case(p))
    }) {
        core = core[p.len()..].trim_start();
    }
    core
}

/// A reply's subject: the ticket's title with its number, once prefixed `Re:`.
pub fn reply_subject(title: &str, number: i64) -> String {
    let core = without_prefixes(title);
    let tag = format!("[#{number}]");
    if core.contains(&tag) {
        format!("Re: {core}")
    } else {
        format!("Re: {core} {tag}")
    }
}

/// An answer's subject to a message that named no ticket.
fn answer_subject(subject: &str) -> String {
    format!("Re: {}", without_prefixes(subject))
}

/// A new ticket's title from an e-mail's subject: without `Re:`/`Fwd:` and the
/// ticket tag, `None` when nothing is left.
pub fn title_from_subject(subject: &str) -> Option<String> {
    let mut s = without_prefixes(subject).to_owned();
    if let Some(n) = crate::channels::email::parse::ticket_number(&s) {
        s = s.replace(&format!("[#{n}]"), "");
    }
    let s: String = s.trim().chars().take(120).collect();
    (!s.is_empty()).then_some(s)
}

/// The ticket an e-mail answers: the first of its references we know, else the ticket
/// its subject names if it belongs to the sender's organisation.
pub(super) async fn thread_ticket(
    w: &mut Writer,
    customer: &Caller,
    mail: &MailThread,
) -> Result<Option<Uuid>, StoreError> {
    for id in &mail.refs {
        let row = sqlx::query("SELECT ticket_id FROM email_threads WHERE message_id = $1")
            .bind(id)
            .fetch_optional(w.lookup().await?)
            .await?;
        if let Some(row) = row {
            return Ok(Some(rows::uuid(&row, "ticket_id")?));
        }
    }
    let (Some(number), Some(org)) = (mail.ticket_number, customer.user.org_id) else {
        return Ok(None);
    };
    let row = sqlx::query("SELECT id FROM tickets WHERE number = $1 AND org_id = $2")
        .bind(number)
        .bind(org.to_string())
        .fetch_optional(w.lookup().await?)
        .await?;
    row.map(|r| rows::uuid(&r, "id")).transpose()
}

/// Records an e-mail's Message-ID on its ticket (once).
pub(super) async fn remember_id(
    w: &mut Writer,
    message_id: &str,
    ticket_id: Uuid,
    direction: &str,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO email_threads (message_id, ticket_id, direction, created_at) \
         VALUES ($1, $2, $3, $4) ON CONFLICT (message_id) DO NOTHING",
    )
    .bind(message_id)
    .bind(ticket_id.to_string())
    .bind(direction)
    .bind(w.now)
    .execute(w.conn().await?)
    .await?;
    Ok(())
}

/// Records what an e-mail placed on `ticket_id` adds to its thread: its Message-ID,
/// and its other recipients on the ticket's Cc list.
pub(super) async fn remember_inbound(
    w: &mut Writer,
    msg: &Inbound,
    ticket_id: Uuid,
    policy: &Settings,
) -> Result<(), StoreError> {
    let Some(mail) = &msg.mail else {
        return Ok(());
    };
    if let Some(id) = &mail.message_id {
        remember_id(w, id, ticket_id, IN).await?;
    }
    let ours = our_addresses(policy);
    for cc in &mail.cc {
        let address = cc.address.to_lowercase();
        if ours.contains(&address) || address == msg.sender.to_lowercase() {
            continue;
        }
        sqlx::query(
            "INSERT INTO email_cc (ticket_id, address, name, added_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (ticket_id, address) DO NOTHING",
        )
        .bind(ticket_id.to_string())
        .bind(&address)
        .bind(&cc.name)
        .bind(w.now)
        .execute(w.conn().await?)
        .await?;
    }
    Ok(())
}

/// Our own addresses, in lower case: the address replies come from and every mailbox
/// login that is an address. A reply never copies them (it would come back to us).
fn our_addresses(policy: &Settings) -> Vec<String> {
    let Some(email) = &policy.channels.email else {
        return Vec::new();
    };
    let mut ours = vec![email.smtp.from_address.to_lowercase()];
    ours.extend(
        email
            .mailboxes
            .iter()
            .filter(|m| m.user.contains('@'))
            .map(|m| m.user.to_lowercase()),
    );
    ours
}

/// A ticket's Cc list for a reply to `recipient`: everyone else its customer's e-mails
/// were written to, in the order they first appeared, without the recipient and
/// without our own addresses.
async fn ticket_cc(
    w: &mut Writer,
    ticket_id: Uuid,
    recipient: &str,
    policy: &Settings,
) -> Result<Vec<MailAddress>, StoreError> {
    let ours = our_addresses(policy);
    let recipient = recipient.to_lowercase();
    let rows = sqlx::query(
        "SELECT address, name FROM email_cc WHERE ticket_id = $1 ORDER BY added_at, address",
    )
    .bind(ticket_id.to_string())
    .fetch_all(w.lookup().await?)
    .await?;
    let mut cc = Vec::with_capacity(rows.len());
    for r in &rows {
        let address: String = r.try_get("address")?;
        if address == recipient || ours.contains(&address) {
            continue;
        }
        cc.push(MailAddress {
            address,
            name: r.try_get("name")?,
        });
    }
    Ok(cc)
}

/// Queues an agent's public reply on an e-mail ticket (see the module comment). The
/// recipient is the address the customer last wrote from on this ticket, else their
/// account's address. Nothing is queued when the channel is off.
pub(super) async fn enqueue_reply(
    w: &mut Writer,
    t: &Ticket,
    message_id: Uuid,
    body: &str,
    policy: &Settings,
) -> Result<(), StoreError> {
    let Some(settings) = &policy.channels.email else {
        return Ok(());
    };
    let last = sqlx::query(
        "SELECT sender FROM channel_inbound WHERE channel = $1 AND ticket_id = $2 \
         ORDER BY received_at DESC LIMIT 1",
    )
    .bind(Channel::Email.as_str())
    .bind(t.id.to_string())
    .fetch_optional(w.lookup().await?)
    .await?
    .map(|r| r.try_get::<String, _>("sender"))
    .transpose()?;
    let recipient = match last {
        Some(sender) => sender,
        None => sqlx::query("SELECT email FROM users WHERE id = $1")
            .bind(t.requester_id.to_string())
            .fetch_one(w.lookup().await?)
            .await?
            .try_get("email")?,
    };
    let in_reply_to = sqlx::query(
        "SELECT message_id FROM email_threads WHERE ticket_id = $1 AND direction = $2 \
         ORDER BY created_at DESC LIMIT 1",
    )
    .bind(t.id.to_string())
    .bind(IN)
    .fetch_optional(w.lookup().await?)
    .await?
    .map(|r| r.try_get::<String, _>("message_id"))
    .transpose()?;
    let mut references: Vec<String> = sqlx::query(
        "SELECT message_id FROM email_threads WHERE ticket_id = $1 \
         ORDER BY created_at DESC, message_id LIMIT $2",
    )
    .bind(t.id.to_string())
    .bind(MAX_REFERENCES)
    .fetch_all(w.lookup().await?)
    .await?
    .iter()
    .map(|r| r.try_get::<String, _>("message_id"))
    .collect::<Result<_, _>>()?;
    references.reverse();
    let cc = ticket_cc(w, t.id, &recipient, policy).await?;
    let row_id = Uuid::now_v7();
    let envelope = MailEnvelope {
        message_id: our_message_id(row_id, settings.smtp.domain()),
        subject: reply_subject(&t.title, t.number),
        in_reply_to,
        references,
        to_name: Some(t.requester_name.clone()),
        cc,
        automatic: false,
    };
    let json = serde_json::to_string(&envelope).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let row = OutboxRow {
        id: row_id,
        channel: Channel::Email,
        message_id: Some(message_id),
        ticket_id: Some(t.id),
        recipient: &recipient,
        kind: "email",
        body,
        envelope: Some(&json),
    };
    insert_outbox(w, &row).await?;
    remember_id(w, &envelope.message_id, t.id, OUT).await?;
    set_delivery_as(w, message_id, Delivery::Queued, false).await
}

/// Queues the automatic answer to an e-mail from a customer of a lapsed organisation
/// (in the customer's language; marked as automatic so that no responder answers it).
pub(super) async fn enqueue_auto_answer(
    w: &mut Writer,
    msg: &Inbound,
    text: &str,
    policy: &Settings,
) -> Result<(), StoreError> {
    let Some(settings) = &policy.channels.email else {
        return Ok(());
    };
    let mail = msg.mail.clone().unwrap_or_default();
    let row_id = Uuid::now_v7();
    let subject = answer_subject(&mail.subject);
    let envelope = MailEnvelope {
        message_id: our_message_id(row_id, settings.smtp.domain()),
        subject,
        in_reply_to: mail.message_id.clone(),
        references: mail.message_id.into_iter().collect(),
        to_name: msg.sender_name.clone(),
        // An automatic answer goes to the sender alone.
        cc: Vec::new(),
        automatic: true,
    };
    let json = serde_json::to_string(&envelope).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let row = OutboxRow {
        id: row_id,
        channel: Channel::Email,
        message_id: None,
        ticket_id: None,
        recipient: &msg.sender,
        kind: "email",
        body: text,
        envelope: Some(&json),
    };
    insert_outbox(w, &row).await
}

impl Store {
    /// Keeps an inbound message that is placed nowhere: `unmatched` with the reason
    /// (a message that could not be read: staff see it in the queue, with the raw
    /// message as its file) or `ignored` (an automatic message). Answers `false` when
    /// it was kept before.
    pub async fn keep_inbound(
        &self,
        msg: &Inbound,
        state: &str,
        reason: &str,
    ) -> Result<bool, StoreError> {
        let mut w = Writer::begin(self).await?;
        let kept = insert_inbound(&mut w, msg, Uuid::now_v7(), state, Some(reason)).await?;
        w.commit(self).await?;
        Ok(kept)
    }

    /// Whether a channel delivered this message before (it has its inbound row).
    pub async fn inbound_known(
        &self,
        channel: Channel,
        external_id: &str,
    ) -> Result<bool, StoreError> {
        Ok(sqlx::query(
            "SELECT 1 AS one FROM channel_inbound WHERE channel = $1 AND external_id = $2",
        )
        .bind(channel.as_str())
        .bind(external_id)
        .fetch_optional(&self.pool)
        .await?
        .is_some())
    }

    /// The files of a message, in the order they were attached.
    pub async fn message_files(&self, message_id: Uuid) -> Result<Vec<ReplyFile>, StoreError> {
        let rows = sqlx::query(
            "SELECT sha256, name, content_type FROM attachments WHERE message_id = $1 \
             ORDER BY position",
        )
        .bind(message_id.to_string())
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let sha: String = r.try_get("sha256")?;
                Ok(ReplyFile {
                    sha256: tadhkira_proto::Sha256Hex::parse(&sha)
                        .map_err(|e| StoreError::Corrupt(e.to_string()))?,
                    name: r.try_get("name")?,
                    content_type: r.try_get("content_type")?,
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reply_subject_carries_the_number_once() {
        assert_eq!(reply_subject("Printer", 12), "Re: Printer [#12]");
        assert_eq!(
            reply_subject("Re: RE: Printer [#12]", 12),
            "Re: Printer [#12]"
        );
        assert_eq!(reply_subject("رد: الطابعة", 7), "Re: الطابعة [#7]");
    }

    #[test]
    fn a_title_leaves_out_prefixes_and_tags() {
        assert_eq!(
            title_from_subject("Re: Printer [#12]").as_deref(),
            Some("Printer")
        );
        assert_eq!(
            title_from_subject("Fwd: الطابعة").as_deref(),
            Some("الطابعة")
        );
        assert_eq!(title_from_subject("  Re: "), None);
    }
}
