//! Channels in storage, the inbound side: the inbound path ([`Store::receive_inbound`])
//! and the unmatched queue ([`Store::unmatched`], [`Store::link_unmatched`]). The
//! channel outbox and delivery reports are `super::channel_outbox`. See
//! `crate::channels` for the shape.
//!
//! Every placement goes through the one apply path's own steps (`apply::create_ticket`,
//! `apply::add_message`), in a [`Writer`] transaction that also records the inbound
//! row: a message is placed exactly once or not at all.

use chrono::Utc;
use sqlx::Row;
use tadhkira_i18n::{Catalogue, Locale};
use tadhkira_proto::{
    normalise_phone, AttachmentRef, Channel, Contact, Description, ErrorCode, FileName,
    LinkUnmatched, LinkedUnmatched, MessageBody, NewMessage, NewTicket, Priority, Status,
    TicketTitle, UnmatchedMessage, User, Visibility,
};
use uuid::Uuid;

use super::apply::{add_message, create_ticket, Filed};
use super::channel_outbox::insert_whatsapp;
use super::writer::{Rejection, Writer};
use super::{rows, Caller, Store, StoreError};
use crate::channels::{Inbound, InboundFile, Placed};
use crate::config::Settings;

/// States of an inbound row (`channel_inbound.state`).
pub(super) const UNMATCHED: &str = "unmatched";

/// Records an inbound message's row (`channel_inbound`) in `state`, with the reason it
/// is kept unplaced if any: `false` when the channel delivered it before (the row is
/// keyed by the channel's own id, so a redelivery writes nothing).
pub(super) async fn insert_inbound(
    w: &mut Writer,
    msg: &Inbound,
    id: Uuid,
    state: &str,
    reason: Option<&str>,
) -> Result<bool, StoreError> {
    let files =
        serde_json::to_string(&msg.files).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let copied = match &msg.mail {
        Some(mail) if !mail.cc.is_empty() => {
            Some(serde_json::to_string(&mail.cc).map_err(|e| StoreError::Corrupt(e.to_string()))?)
        }
        _ => None,
    };
    let inserted = sqlx::query(
        "INSERT INTO channel_inbound (channel, external_id, id, sender, sender_name, body, \
         files, received_at, state, reason, subject, cc) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) \
         ON CONFLICT (channel, external_id) DO NOTHING",
    )
    .bind(msg.channel.as_str())
    .bind(&msg.external_id)
    .bind(id.to_string())
    .bind(&msg.sender)
    .bind(&msg.sender_name)
    .bind(&msg.body)
    .bind(files)
    .bind(w.now)
    .bind(state)
    .bind(reason)
    .bind(msg.mail.as_ref().map(|m| m.subject.as_str()))
    .bind(copied)
    .execute(w.conn().await?)
    .await?;
    Ok(inserted.rows_affected() > 0)
}

impl Store {
    /// Places an inbound message (see the module comment): once per `external_id`.
    pub async fn receive_inbound(
        &self,
        msg: &Inbound,
        policy: &Settings,
    ) -> Result<Placed, StoreError> {
        let mut w = Writer::begin(self).await?;
        let id = Uuid::now_v7();
        if !insert_inbound(&mut w, msg, id, UNMATCHED, None).await? {
            return Ok(Placed::Duplicate);
        }
        let cc = default_country(policy);
        let customers = match msg.channel {
            Channel::Email => customers_with_email(&mut w, &msg.sender).await?,
            _ => customers_with_address(&mut w, &msg.sender, cc).await?,
        };
        let placed = match customers.as_slice() {
            [] => Placed::Unmatched { id },
            [customer] => {
                let caller = caller_in(&mut w, *customer).await?;
                match caller {
                    Some(caller) => place(&mut w, &caller, None, msg, policy, id).await?,
                    None => Placed::Unmatched { id },
                }
            }
            _ => {
                set_reason(&mut w, id, "several customers have this address").await?;
                Placed::Unmatched { id }
            }
        };
        w.commit(self).await?;
        Ok(placed)
    }

    /// The unmatched queue, oldest first (at most 500).
    pub async fn unmatched(&self) -> Result<Vec<UnmatchedMessage>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, channel, sender, sender_name, body, files, received_at, reason \
             FROM channel_inbound WHERE state = $1 ORDER BY received_at, id LIMIT 500",
        )
        .bind(UNMATCHED)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let files: Vec<InboundFile> =
                    serde_json::from_str(&r.try_get::<String, _>("files")?)
                        .map_err(|e| StoreError::Corrupt(format!("files: {e}")))?;
                let channel: String = r.try_get("channel")?;
                Ok(UnmatchedMessage {
                    id: rows::uuid(r, "id")?,
                    channel: Channel::parse(&channel)
                        .map_err(|e| StoreError::Corrupt(e.to_string()))?,
                    sender: r.try_get("sender")?,
                    sender_name: r.try_get("sender_name")?,
                    body: r.try_get("body")?,
                    files: files
                        .into_iter()
                        .map(|f| tadhkira_proto::ChannelFile {
                            name: f.name,
                            size: f.size,
                            content_type: f.content_type,
                            sha256: f.sha256.as_str().to_owned(),
                        })
                        .collect(),
                    received_at: rows::time(r, "received_at")?,
                    reason: r.try_get("reason")?,
                })
            })
            .collect()
    }

    /// An agent places an unmatched message as `link.customer_id`'s: a reply on their
    /// open ticket of that channel, else a new ticket filed on their behalf (the
    /// subscription gate applies). With `save_address`, the sender's address becomes
    /// the customer's phone (audited), so their next message is placed by itself.
    pub async fn link_unmatched(
        &self,
        staff: &Caller,
        id: Uuid,
        link: &LinkUnmatched,
        policy: &Settings,
    ) -> Result<Result<LinkedUnmatched, Rejection>, StoreError> {
        let mut w = Writer::begin(self).await?;
        let Some(row) = queued_row(&mut w, id).await? else {
            return Err(StoreError::NotFound);
        };
        if row.state != UNMATCHED {
            return Ok(Err(Rejection::new(
                ErrorCode::Conflict,
                "this message was already placed on a ticket",
            )));
        }
        let channel = row.msg.channel.as_str();
        let msg = row.msg;
        let Some(customer) = caller_in(&mut w, link.customer_id).await? else {
            return Ok(Err(Rejection::new(
                ErrorCode::Invalid,
                "the person to link is not a customer",
            )));
        };
        if customer.user.role != tadhkira_proto::Role::Customer {
            return Ok(Err(Rejection::new(
                ErrorCode::Invalid,
                "the person to link is not a customer",
            )));
        }
        if link.save_address && msg.channel != Channel::Email {
            // An e-mail address is the customer's sign-in: it is never overwritten here.
            sqlx::query("UPDATE users SET phone = $1 WHERE id = $2")
                .bind(&msg.sender)
                .bind(customer.user.id.to_string())
                .execute(w.conn().await?)
                .await?;
            let record = super::AuditRecord {
                actor: staff.user.id,
                action: "user.phone_from_channel",
                target_kind: "user",
                target_id: customer.user.id,
                before: Some(serde_json::json!({ "phone": customer.user.phone })),
                after: Some(serde_json::json!({ "phone": msg.sender, "channel": channel })),
            };
            w.audit(&record).await?;
        }
        let outcome = place_strict(&mut w, &customer, Some(staff), &msg, policy).await?;
        let linked = match outcome {
            Ok(placed) => placed,
            // Nothing is written: the message stays in the queue.
            Err(r) => return Ok(Err(r)),
        };
        let (ticket_id, message_id, created) = linked;
        let placed = Placement {
            customer: customer.user.id,
            ticket_id,
            message_id,
            staff: staff.user.id,
        };
        let number = record_placement(&mut w, id, &msg, &placed, policy).await?;
        w.commit(self).await?;
        Ok(Ok(LinkedUnmatched {
            ticket_id,
            ticket_number: number,
            created,
        }))
    }
}

/// An inbound row as the message it was, and where it stands.
pub(super) struct QueuedRow {
    /// The message, as the inbound path would place it.
    pub msg: Inbound,
    /// `unmatched`, `linked`, `ticket`…
    pub state: String,
    /// The customer it was placed as, once placed.
    pub customer_id: Option<Uuid>,
    /// The ticket it went on, once placed.
    pub ticket_id: Option<Uuid>,
}

/// The inbound row `id` (`None`: no such row), read inside the transaction.
pub(super) async fn queued_row(w: &mut Writer, id: Uuid) -> Result<Option<QueuedRow>, StoreError> {
    let row = sqlx::query(
        "SELECT channel, external_id, sender, sender_name, body, files, state, subject, cc, \
         customer_id, ticket_id FROM channel_inbound WHERE id = $1",
    )
    .bind(id.to_string())
    .fetch_optional(w.lookup().await?)
    .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    let channel: String = row.try_get("channel")?;
    let files: Vec<InboundFile> = serde_json::from_str(&row.try_get::<String, _>("files")?)
        .map_err(|e| StoreError::Corrupt(format!("files: {e}")))?;
    let channel = Channel::parse(&channel).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    // An e-mail placed from the queue: its subject may still name its ticket, and the
    // people it was copied to stay copied.
    let mail = match channel {
        Channel::Email => {
            let subject: String = row
                .try_get::<Option<String>, _>("subject")?
                .unwrap_or_default();
            let cc = match row.try_get::<Option<String>, _>("cc")? {
                Some(json) => serde_json::from_str(&json)
                    .map_err(|e| StoreError::Corrupt(format!("cc: {e}")))?,
                None => Vec::new(),
            };
            Some(crate::channels::MailThread {
                message_id: None,
                refs: Vec::new(),
                ticket_number: crate::channels::email::parse::ticket_number(&subject),
                subject,
                cc,
            })
        }
        _ => None,
    };
    Ok(Some(QueuedRow {
        msg: Inbound {
            channel,
            external_id: row.try_get("external_id")?,
            sender: row.try_get("sender")?,
            sender_name: row.try_get("sender_name")?,
            body: row.try_get("body")?,
            files,
            mail,
        },
        state: row.try_get("state")?,
        customer_id: rows::opt_uuid(&row, "customer_id")?,
        ticket_id: rows::opt_uuid(&row, "ticket_id")?,
    }))
}

pub(super) fn default_country(policy: &Settings) -> Option<&str> {
    policy
        .channels
        .whatsapp
        .as_ref()
        .and_then(|w| w.default_country_code.as_deref())
}

/// The customers (not disabled) whose phone normalises to `address`.
pub(super) async fn customers_with_address(
    w: &mut Writer,
    address: &str,
    default_country: Option<&str>,
) -> Result<Vec<Uuid>, StoreError> {
    // Phones are stored as people typed them; comparing normalised numbers needs
    // every customer's phone. A customer base of tens of thousands is milliseconds;
    // beyond that a normalised column with an index is the next step.
    let rows = sqlx::query(
        "SELECT id, phone FROM users WHERE role = 'customer' AND phone IS NOT NULL \
         AND disabled_at IS NULL",
    )
    .fetch_all(w.lookup().await?)
    .await?;
    let mut found = Vec::new();
    for r in &rows {
        let phone: String = r.try_get("phone")?;
        if normalise_phone(&phone, default_country).as_deref() == Some(address) {
            found.push(rows::uuid(r, "id")?);
        }
    }
    Ok(found)
}

/// The customers (not disabled) whose sign-in address is `address` (any case).
pub(super) async fn customers_with_email(
    w: &mut Writer,
    address: &str,
) -> Result<Vec<Uuid>, StoreError> {
    let rows = sqlx::query(
        "SELECT id FROM users WHERE role = 'customer' AND lower(email) = lower($1) \
         AND disabled_at IS NULL",
    )
    .bind(address)
    .fetch_all(w.lookup().await?)
    .await?;
    rows.iter().map(|r| rows::uuid(r, "id")).collect()
}

/// A user as a [`Caller`] (with their organisation), inside the transaction; `None`
/// for a missing or disabled user.
pub(super) async fn caller_in(w: &mut Writer, id: Uuid) -> Result<Option<Caller>, StoreError> {
    let row = sqlx::query(
        "SELECT id, email, name, role, org_id, tier, locale, phone FROM users \
         WHERE id = $1 AND disabled_at IS NULL AND role <> 'system'",
    )
    .bind(id.to_string())
    .fetch_optional(w.lookup().await?)
    .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    let user = rows::user(&row)?;
    let organisation = match user.org_id {
        Some(org) => sqlx::query("SELECT id, name, paid_until FROM organisations WHERE id = $1")
            .bind(org.to_string())
            .fetch_optional(w.lookup().await?)
            .await?
            .map(|r| rows::organisation(&r))
            .transpose()?,
        None => None,
    };
    Ok(Some(Caller { user, organisation }))
}

async fn set_reason(w: &mut Writer, id: Uuid, reason: &str) -> Result<(), StoreError> {
    sqlx::query("UPDATE channel_inbound SET reason = $1 WHERE id = $2")
        .bind(reason)
        .bind(id.to_string())
        .execute(w.conn().await?)
        .await?;
    Ok(())
}

/// Where a queued message was placed by staff: on which customer's ticket (and as
/// which message, when it answered one), by whom.
pub(super) struct Placement {
    pub customer: Uuid,
    pub ticket_id: Uuid,
    pub message_id: Option<Uuid>,
    pub staff: Uuid,
}

/// Records in the placing transaction that the queued message `id` is placed: its
/// e-mail thread and Cc list are remembered for the ticket, and its row leaves the
/// queue as `linked`. Answers the ticket's number.
pub(super) async fn record_placement(
    w: &mut Writer,
    id: Uuid,
    msg: &Inbound,
    placed: &Placement,
    policy: &Settings,
) -> Result<i64, StoreError> {
    super::email::remember_inbound(w, msg, placed.ticket_id, policy).await?;
    let number = ticket_number(w, placed.ticket_id).await?;
    sqlx::query(
        "UPDATE channel_inbound SET state = 'linked', customer_id = $1, ticket_id = $2, \
         message_id = $3, placed_by = $4, placed_at = $5 WHERE id = $6",
    )
    .bind(placed.customer.to_string())
    .bind(placed.ticket_id.to_string())
    .bind(placed.message_id.map(|m| m.to_string()))
    .bind(placed.staff.to_string())
    .bind(w.now)
    .bind(id.to_string())
    .execute(w.conn().await?)
    .await?;
    Ok(number)
}

pub(super) async fn ticket_number(w: &mut Writer, ticket_id: Uuid) -> Result<i64, StoreError> {
    Ok(sqlx::query("SELECT number FROM tickets WHERE id = $1")
        .bind(ticket_id.to_string())
        .fetch_one(w.lookup().await?)
        .await?
        .try_get("number")?)
}

/// Places a known customer's message on arrival: a lapsed organisation gets the
/// automatic answer; anything the apply path refuses goes to the queue with its reason.
async fn place(
    w: &mut Writer,
    customer: &Caller,
    staff: Option<&Caller>,
    msg: &Inbound,
    policy: &Settings,
    inbound_id: Uuid,
) -> Result<Placed, StoreError> {
    let open = target_ticket(w, customer, msg).await?;
    let lapsed = customer
        .organisation
        .as_ref()
        .is_some_and(|o| !o.subscription_active(Utc::now()));
    if open.is_none() && lapsed {
        let org = customer.organisation.as_ref().map(|o| o.name.clone());
        let text = auto_answer(&customer.user, org.unwrap_or_default(), msg.channel);
        if msg.channel == Channel::Email {
            super::email::enqueue_auto_answer(w, msg, &text, policy).await?;
        } else {
            insert_whatsapp(w, None, None, &msg.sender, "text", &text).await?;
        }
        mark(w, inbound_id, "refused", customer.user.id, None, None).await?;
        return Ok(Placed::Refused);
    }
    match place_strict(w, customer, staff, msg, policy).await? {
        Ok((ticket_id, message_id, created)) => {
            let state = if created { "ticket" } else { "reply" };
            super::email::remember_inbound(w, msg, ticket_id, policy).await?;
            mark(
                w,
                inbound_id,
                state,
                customer.user.id,
                Some(ticket_id),
                message_id,
            )
            .await?;
            if created {
                let number = ticket_number(w, ticket_id).await?;
                Ok(Placed::Ticket { ticket_id, number })
            } else {
                Ok(Placed::Reply {
                    ticket_id,
                    message_id: message_id.unwrap_or_default(),
                })
            }
        }
        Err(r) => {
            set_reason(w, inbound_id, &r.message).await?;
            Ok(Placed::Unmatched { id: inbound_id })
        }
    }
}

async fn mark(
    w: &mut Writer,
    inbound_id: Uuid,
    state: &str,
    customer: Uuid,
    ticket_id: Option<Uuid>,
    message_id: Option<Uuid>,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE channel_inbound SET state = $1, customer_id = $2, ticket_id = $3, \
         message_id = $4, placed_at = $5 WHERE id = $6",
    )
    .bind(state)
    .bind(customer.to_string())
    .bind(ticket_id.map(|t| t.to_string()))
    .bind(message_id.map(|m| m.to_string()))
    .bind(w.now)
    .bind(inbound_id.to_string())
    .execute(w.conn().await?)
    .await?;
    Ok(())
}

/// The automatic answer to a customer of a lapsed organisation, in their language and
/// in the channel's manner: a chat line for WhatsApp, a letter for e-mail.
fn auto_answer(user: &User, org: String, channel: Channel) -> String {
    let locale = Locale::from_tag(&user.locale).unwrap_or_default();
    let id = match channel {
        Channel::Email => "email-subscription-inactive",
        _ => "whatsapp-subscription-inactive",
    };
    Catalogue::get(locale).text(
        id,
        &[("name", user.name.as_str().into()), ("org", org.into())],
    )
}

/// The ticket a message goes on: an e-mail's thread, else the customer's newest
/// active ticket of the channel.
async fn target_ticket(
    w: &mut Writer,
    customer: &Caller,
    msg: &Inbound,
) -> Result<Option<Uuid>, StoreError> {
    match &msg.mail {
        Some(mail) => super::email::thread_ticket(w, customer, mail).await,
        None => open_ticket(w, customer.user.id, msg.channel).await,
    }
}

/// The customer's newest active ticket of this channel.
async fn open_ticket(
    w: &mut Writer,
    customer: Uuid,
    channel: Channel,
) -> Result<Option<Uuid>, StoreError> {
    let active: Vec<&str> = [Status::New, Status::Open, Status::Pending, Status::OnHold]
        .iter()
        .map(|s| s.as_str())
        .collect();
    let row = sqlx::query(
        "SELECT id FROM tickets WHERE requester_id = $1 AND channel = $2 \
         AND status IN ($3, $4, $5, $6) ORDER BY updated_at DESC, id LIMIT 1",
    )
    .bind(customer.to_string())
    .bind(channel.as_str())
    .bind(active[0])
    .bind(active[1])
    .bind(active[2])
    .bind(active[3])
    .fetch_optional(w.lookup().await?)
    .await?;
    row.map(|r| rows::uuid(&r, "id")).transpose()
}

/// Files the message as `customer`'s through the apply path: a reply on their open
/// ticket of the channel (written by them), else a new ticket (filed by `staff` on
/// their behalf when an agent places it, else by them). Answers (ticket, message,
/// created) or the apply path's rejection.
#[allow(clippy::type_complexity)]
pub(super) async fn place_strict(
    w: &mut Writer,
    customer: &Caller,
    staff: Option<&Caller>,
    msg: &Inbound,
    policy: &Settings,
) -> Result<Result<(Uuid, Option<Uuid>, bool), Rejection>, StoreError> {
    let refs = grant_files(w, customer.user.id, &msg.files).await?;
    if let Some(staff) = staff {
        // The agent files the ticket: the apply path asks that they hold the files.
        grant_files(w, staff.user.id, &msg.files).await?;
    }
    let text = clean(&msg.body, &msg.files);
    if let Some(ticket_id) = target_ticket(w, customer, msg).await? {
        let body = MessageBody::parse(&text)
            .map_err(|e| StoreError::Invalid(format!("inbound message: {e}")))?;
        let new = NewMessage {
            id: Uuid::now_v7(),
            ticket_id,
            body,
            visibility: Visibility::Public,
            attachments: refs,
        };
        return Ok(add_message(w, customer, &new, policy)
            .await?
            .map(|_| (ticket_id, Some(new.id), false)));
    }
    let title = title_of(&text, msg);
    let description = Description::parse(&text)
        .map_err(|e| StoreError::Invalid(format!("inbound message: {e}")))?;
    let new = NewTicket {
        id: Uuid::now_v7(),
        title,
        description,
        priority: Priority::Normal,
        channel: msg.channel,
        category: None,
        contact: match msg.channel {
            Channel::Email => Contact {
                name: Some(customer.user.name.clone()),
                email: Some(msg.sender.clone()),
                phone: None,
            },
            _ => Contact {
                name: Some(customer.user.name.clone()),
                email: None,
                phone: Some(msg.sender.clone()),
            },
        },
        checks: Vec::new(),
        system_info: None,
        requester_id: staff.map(|_| customer.user.id),
        lapsed_override: None,
        // A message from outside names no terms version: the channel is not a form.
        terms_version: None,
        attachments: refs,
    };
    let filer = staff.unwrap_or(customer);
    Ok(create_ticket(w, filer, &new, policy, Filed::FromChannel)
        .await?
        .map(|a| (a.ticket_id, None, true)))
}

/// Records the customer as holding the message's files (a completed upload each, as
/// if they had uploaded them), so the apply path lets them attach them.
async fn grant_files(
    w: &mut Writer,
    user: Uuid,
    files: &[InboundFile],
) -> Result<Vec<AttachmentRef>, StoreError> {
    let mut refs = Vec::with_capacity(files.len());
    for f in files.iter().take(tadhkira_proto::MAX_ATTACHMENTS) {
        sqlx::query(
            "INSERT INTO uploads (id, user_id, sha256, size, name, received, content_type, \
             created_at, completed_at) VALUES ($1, $2, $3, $4, $5, $4, $6, $7, $7)",
        )
        .bind(Uuid::now_v7().to_string())
        .bind(user.to_string())
        .bind(f.sha256.as_str())
        .bind(f.size)
        .bind(&f.name)
        .bind(&f.content_type)
        .bind(w.now)
        .execute(w.conn().await?)
        .await?;
        let name = FileName::parse(&f.name)
            .or_else(|_| FileName::parse("file"))
            .map_err(|e| StoreError::Invalid(e.to_string()))?;
        if refs.iter().any(|r: &AttachmentRef| r.sha256 == f.sha256) {
            continue;
        }
        refs.push(AttachmentRef {
            sha256: f.sha256.clone(),
            name,
        });
    }
    Ok(refs)
}

/// The text as a message body: forbidden characters dropped, bounded, never empty (a
/// file-only message names its files).
fn clean(body: &str, files: &[InboundFile]) -> String {
    let mut text: String = body
        .chars()
        .filter(|c| matches!(c, '\n' | '\t') || !tadhkira_proto::is_forbidden_char(*c))
        .take(MessageBody::MAX_CHARS)
        .collect();
    if text.trim().is_empty() {
        let names: Vec<&str> = files.iter().map(|f| f.name.as_str()).collect();
        text = if names.is_empty() {
            "…".into()
        } else {
            format!("📎 {}", names.join(", "))
        };
    }
    text
}

/// A ticket's title from its first message: the first line, at most 80 characters.
fn title_of(text: &str, msg: &Inbound) -> TicketTitle {
    let subject = msg
        .mail
        .as_ref()
        .and_then(|m| super::email::title_from_subject(&m.subject));
    if let Some(title) = subject.and_then(|s| TicketTitle::parse(&s).ok()) {
        return title;
    }
    let line: String = text
        .lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("")
        .chars()
        .take(80)
        .collect();
    TicketTitle::parse(&line)
        .or_else(|_| TicketTitle::parse(format!("{} — {}", msg.channel, msg.sender)))
        .unwrap_or_else(|_| TicketTitle::parse("WhatsApp message").expect("a valid title"))
}

impl Store {
    /// Records a blob whose bytes the blob store now holds (once, whoever stored it
    /// first), as an upload's completion does.
    pub async fn record_blob(
        &self,
        sha256: &tadhkira_proto::Sha256Hex,
        size: i64,
        content_type: &str,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO blobs (sha256, size, content_type, stored_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (sha256) DO NOTHING",
        )
        .bind(sha256.as_str())
        .bind(size)
        .bind(content_type)
        .bind(rows::now_ms())
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn person(locale: &str) -> User {
        User {
            id: Uuid::nil(),
            email: "faris@dunes.example".into(),
            name: "Faris".into(),
            role: tadhkira_proto::Role::Customer,
            org_id: None,
            tier: None,
            locale: locale.into(),
            phone: None,
        }
    }

    #[test]
    fn the_lapsed_answer_is_a_letter_by_email_and_a_line_on_whatsapp() {
        let org = || "Dunes Trading".to_owned();
        let letter = auto_answer(&person("en"), org(), Channel::Email);
        assert!(letter.starts_with("Dear Faris,\n\n"), "{letter}");
        assert!(letter.contains("Thank you for your e-mail"), "{letter}");
        assert!(letter.contains("Dunes Trading"), "{letter}");
        assert!(
            letter.trim_end().ends_with("This is an automatic answer."),
            "{letter}"
        );
        let chat = auto_answer(&person("en"), org(), Channel::Whatsapp);
        assert!(!chat.contains('\n') && chat != letter, "{chat}");
        let arabic = auto_answer(&person("ar"), org(), Channel::Email);
        assert!(arabic.starts_with("مرحبًا Faris،\n\n"), "{arabic}");
        assert!(arabic.contains("رسالتك الإلكترونية"), "{arabic}");
        assert!(arabic.contains("Dunes Trading"), "{arabic}");
    }
}
