//! Tickets, messages and timeline events in the local store, with their search index.

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, Utc};
use sqlx::SqliteConnection;
use tadhkira_proto::{FieldValue, Message, Mutation, Ticket, TicketEvent, User};
use uuid::Uuid;

use super::bulk::texts_for_ids;
use super::Store;
use crate::error::{EngineError, Result};
use crate::normalize::normalize;

/// `server_data` of a pulled ticket whose `data` IS the server's copy (no change of the
/// user's is laid over it, the usual case): the copy is not stored a second time, which
/// halves a ticket's row (one row per 4 KiB page became three) and so the first sync's
/// writes and index builds. `NULL` stays "filed here, the server has no copy yet".
/// Kept true by every writer of `data`: [`upsert_ticket`] (a change of the user's)
/// first writes the copy out in full from the `data` it replaces, and the pull paths
/// write the copy whenever they lay queued changes over a ticket.
pub(crate) const SERVER_COPY_IS_DATA: &str = "";

/// A pulled ticket as the user sees it, the queued changes `pending` laid over it, with
/// the `server_data` to store beside it: the server's copy (`entity`) when a change is
/// laid over, else [`SERVER_COPY_IS_DATA`].
pub(crate) fn shown_with_copy(
    t: &Ticket,
    entity: &tadhkira_proto::Entity,
    pending: &[Mutation],
    me: &User,
) -> Result<(Ticket, String)> {
    let server = if pending.is_empty() {
        SERVER_COPY_IS_DATA.to_owned()
    } else {
        serde_json::to_string(entity)?
    };
    let mut shown = t.clone();
    let at = t.updated_at;
    for m in pending {
        apply_local(&mut shown, m, me, at);
    }
    Ok((shown, server))
}

/// The stored form of a time: `%Y-%m-%dT%H:%M:%S%.6fZ`, fixed width, so text order is
/// time order. Written digit by digit: a first sync formats one or more per row, and
/// chrono's `format` parses its pattern again on every call.
pub(crate) fn ts(t: DateTime<Utc>) -> String {
    use chrono::{Datelike, Timelike};
    let year = t.year();
    if !(0..=9999).contains(&year) {
        return t.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string();
    }
    let nano = t.nanosecond();
    // A leap second is second 60 (its nanoseconds past 10⁹), as chrono writes it.
    let parts = [
        (year as u32, 4, b'-'),
        (t.month(), 2, b'-'),
        (t.day(), 2, b'T'),
        (t.hour(), 2, b':'),
        (t.minute(), 2, b':'),
        (t.second() + nano / 1_000_000_000, 2, b'.'),
        (nano % 1_000_000_000 / 1_000, 6, b'Z'),
    ];
    let mut out = Vec::with_capacity(27);
    for (value, width, then) in parts {
        let mut digits = [b'0'; 6];
        let mut v = value;
        for d in digits[..width].iter_mut().rev() {
            *d = b'0' + (v % 10) as u8;
            v /= 10;
        }
        out.extend_from_slice(&digits[..width]);
        out.push(then);
    }
    // Only ASCII digits and separators were written.
    String::from_utf8(out).unwrap_or_default()
}

/// When `t` breaches, in [`ts`] form: its earliest response target still unmet, or
/// `None` when it cannot breach (solved, closed or paused). `breach_at < ts(now)` is
/// exactly [`Ticket::is_breaching`] at `now`, so the breaching queue is an index range.
pub(crate) fn breach_at(t: &Ticket) -> Option<String> {
    if t.sla_paused_at.is_some() || !t.status.is_active() {
        return None;
    }
    let first_response = t
        .first_response_due_at
        .filter(|_| t.first_response_at.is_none());
    [first_response, t.resolution_due_at]
        .into_iter()
        .flatten()
        .min()
        .map(ts)
}

/// Writes a ticket's current state (insert or replace) and re-indexes its text.
/// The `tier` column of a ticket: its tier, or 0 in a customer's copy, which has none
/// (the column only orders and filters staff queues; the ticket itself is kept whole).
pub(crate) fn tier_column(t: &Ticket) -> i64 {
    t.tier.map(i64::from).unwrap_or(0)
}

pub(crate) async fn upsert_ticket(conn: &mut SqliteConnection, t: &Ticket) -> Result<()> {
    let data = serde_json::to_string(t)?;
    let rid: i64 = sqlx::query_scalar(
        "INSERT INTO tickets (id, number, title, status, priority_rank, channel, tier, assignee_id,
             requester_id, created_by, updated_at, resolution_due_at, breach_at, data)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT(id) DO UPDATE SET number = excluded.number, title = excluded.title,
             status = excluded.status, priority_rank = excluded.priority_rank,
             channel = excluded.channel, tier = excluded.tier, assignee_id = excluded.assignee_id,
             requester_id = excluded.requester_id, created_by = excluded.created_by,
             updated_at = excluded.updated_at, resolution_due_at = excluded.resolution_due_at,
             breach_at = excluded.breach_at, data = excluded.data,
             server_data = CASE tickets.server_data
                 WHEN ? THEN json_object('kind', 'ticket', 'data', json(tickets.data))
                 ELSE tickets.server_data END
         RETURNING rid",
    )
    .bind(t.id.to_string())
    .bind(t.number)
    .bind(&t.title)
    .bind(t.status.as_str())
    .bind(t.priority.rank() as i64)
    .bind(t.channel.as_str())
    .bind(tier_column(t))
    .bind(t.assignee_id.map(|u| u.to_string()))
    .bind(t.requester_id.to_string())
    .bind(t.created_by.to_string())
    .bind(ts(t.updated_at))
    .bind(t.resolution_due_at.map(ts))
    .bind(breach_at(t))
    .bind(data)
    // The copy written out in full when it was `data` itself (`entity`'s serde form;
    // pull_tests reads it back as an `Entity`).
    .bind(SERVER_COPY_IS_DATA)
    .fetch_one(&mut *conn)
    .await?;
    sqlx::query("DELETE FROM ticket_fts WHERE rowid = ?")
        .bind(rid)
        .execute(&mut *conn)
        .await?;
    sqlx::query("INSERT INTO ticket_fts (rowid, body) VALUES (?, ?)")
        .bind(rid)
        .bind(normalize(&format!("{}\n{}", t.title, t.description)))
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// The stored state of a ticket.
pub(crate) async fn load_ticket(conn: &mut SqliteConnection, id: Uuid) -> Result<Option<Ticket>> {
    let data: Option<String> = sqlx::query_scalar("SELECT data FROM tickets WHERE id = ?")
        .bind(id.to_string())
        .fetch_optional(&mut *conn)
        .await?;
    Ok(match data {
        Some(d) => Some(serde_json::from_str(&d)?),
        None => None,
    })
}

/// The stored tickets among `ids` (repeats allowed), by id: one statement per
/// [`ROWS`](super::bulk::ROWS), where [`load_ticket`] per alert was a round trip to the
/// database's thread each.
pub(crate) async fn load_tickets(
    conn: &mut SqliteConnection,
    ids: impl IntoIterator<Item = Uuid>,
) -> Result<HashMap<Uuid, Ticket>> {
    let ids: Vec<Uuid> = ids
        .into_iter()
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let mut out = HashMap::with_capacity(ids.len());
    for data in texts_for_ids(conn, &ids, |q| {
        q.push("SELECT data FROM tickets WHERE id");
    })
    .await?
    {
        let t: Ticket = serde_json::from_str(&data)?;
        out.insert(t.id, t);
    }
    Ok(out)
}

/// Stores a message; returns whether it was new to this store (then it is indexed).
pub(crate) async fn upsert_message(conn: &mut SqliteConnection, m: &Message) -> Result<bool> {
    let existed: Option<i64> = sqlx::query_scalar("SELECT rid FROM messages WHERE id = ?")
        .bind(m.id.to_string())
        .fetch_optional(&mut *conn)
        .await?;
    let data = serde_json::to_string(m)?;
    if existed.is_some() {
        sqlx::query("UPDATE messages SET data = ?, created_at = ? WHERE id = ?")
            .bind(data)
            .bind(ts(m.created_at))
            .bind(m.id.to_string())
            .execute(&mut *conn)
            .await?;
        return Ok(false);
    }
    let rid: i64 = sqlx::query_scalar(
        "INSERT INTO messages (id, ticket_id, author_id, created_at, data) VALUES (?, ?, ?, ?, ?)
         RETURNING rid",
    )
    .bind(m.id.to_string())
    .bind(m.ticket_id.to_string())
    .bind(m.author_id.to_string())
    .bind(ts(m.created_at))
    .bind(data)
    .fetch_one(&mut *conn)
    .await?;
    let ticket_rid: Option<i64> = sqlx::query_scalar("SELECT rid FROM tickets WHERE id = ?")
        .bind(m.ticket_id.to_string())
        .fetch_optional(&mut *conn)
        .await?;
    sqlx::query("INSERT INTO message_fts (rowid, ticket_rid, body) VALUES (?, ?, ?)")
        .bind(rid)
        .bind(ticket_rid)
        .bind(normalize(&m.body))
        .execute(&mut *conn)
        .await?;
    Ok(true)
}

/// Removes a ticket that never reached the server, with its messages and index entries.
pub(crate) async fn delete_local_ticket(conn: &mut SqliteConnection, id: Uuid) -> Result<()> {
    let id = id.to_string();
    sqlx::query(
        "DELETE FROM message_fts WHERE rowid IN (SELECT rid FROM messages WHERE ticket_id = ?)",
    )
    .bind(&id)
    .execute(&mut *conn)
    .await?;
    sqlx::query("DELETE FROM ticket_fts WHERE rowid IN (SELECT rid FROM tickets WHERE id = ?)")
        .bind(&id)
        .execute(&mut *conn)
        .await?;
    for sql in [
        "DELETE FROM messages WHERE ticket_id = ?",
        "DELETE FROM events WHERE ticket_id = ?",
        "DELETE FROM read_marks WHERE ticket_id = ?",
        "DELETE FROM tickets WHERE id = ?",
    ] {
        sqlx::query(sql).bind(&id).execute(&mut *conn).await?;
    }
    Ok(())
}

/// Removes one message that never reached the server.
pub(crate) async fn delete_local_message(conn: &mut SqliteConnection, id: Uuid) -> Result<()> {
    let id = id.to_string();
    sqlx::query("DELETE FROM message_fts WHERE rowid IN (SELECT rid FROM messages WHERE id = ?)")
        .bind(&id)
        .execute(&mut *conn)
        .await?;
    sqlx::query("DELETE FROM messages WHERE id = ?")
        .bind(&id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Applies a local field change or escalation to a ticket's state, as the author sees it
/// until the server answers. `me` names the assignee when it is the user.
pub(crate) fn apply_local(t: &mut Ticket, m: &Mutation, me: &User, now: DateTime<Utc>) {
    match m {
        Mutation::UpdateTicket(u) => {
            for c in &u.changes {
                match &c.value {
                    FieldValue::Title(v) => t.title = v.as_str().to_owned(),
                    FieldValue::Status(s) => t.status = *s,
                    FieldValue::Priority(p) => t.priority = *p,
                    FieldValue::Assignee(a) => {
                        if t.assignee_id != *a {
                            t.assignee_name = (*a == Some(me.id)).then(|| me.name.clone());
                        }
                        t.assignee_id = *a;
                    }
                    FieldValue::Category(c) => {
                        t.category = c.as_ref().map(|c| c.as_str().to_owned())
                    }
                }
            }
        }
        Mutation::Escalate(e) => t.tier = Some(e.to_tier),
        Mutation::ResolveOutOfScope(_) => t.status = tadhkira_proto::Status::Solved,
        Mutation::CreateTicket(_)
        | Mutation::AddMessage(_)
        | Mutation::Deflect(_)
        | Mutation::LogContact(_) => {}
    }
    t.updated_at = t.updated_at.max(now);
}

impl Store {
    /// A ticket's messages and events, oldest first; those of one millisecond by id, as
    /// the server orders them. Not by arrival (`rid`): a store that pulled two
    /// messages in one page and a store that pulled them one at a time hold them in
    /// different orders, and the server stamps every write of one transaction (a group
    /// of several people's writes: `db/group.rs` on the server) with one time.
    pub async fn ticket_parts(&self, id: Uuid) -> Result<(Ticket, Vec<Message>, Vec<TicketEvent>)> {
        let mut conn = self.pool.acquire().await?;
        let t = load_ticket(&mut conn, id)
            .await?
            .ok_or_else(|| EngineError::NotFound(format!("ticket {id}")))?;
        let mut messages = Vec::new();
        for d in sqlx::query_scalar::<_, String>(
            "SELECT data FROM messages WHERE ticket_id = ? ORDER BY created_at, id",
        )
        .bind(id.to_string())
        .fetch_all(&mut *conn)
        .await?
        {
            messages.push(serde_json::from_str(&d)?);
        }
        let mut events = Vec::new();
        for d in sqlx::query_scalar::<_, String>(
            "SELECT data FROM events WHERE ticket_id = ? ORDER BY created_at, id",
        )
        .bind(id.to_string())
        .fetch_all(&mut *conn)
        .await?
        {
            events.push(serde_json::from_str(&d)?);
        }
        Ok((t, messages, events))
    }

    /// Resolves a ticket reference typed by a person: `#1042`, `1042`, or a UUID.
    pub async fn resolve_ticket(&self, reference: &str) -> Result<Uuid> {
        let r = reference.trim().trim_start_matches('#');
        if let Ok(id) = Uuid::parse_str(r) {
            return Ok(id);
        }
        let n = crate::normalize::ticket_number(reference).ok_or_else(|| {
            EngineError::Invalid(format!("{reference:?} is not a ticket number or id"))
        })?;
        let id: Option<String> = sqlx::query_scalar("SELECT id FROM tickets WHERE number = ?")
            .bind(n)
            .fetch_optional(&self.pool)
            .await?;
        id.and_then(|s| Uuid::parse_str(&s).ok())
            .ok_or_else(|| EngineError::NotFound(format!("ticket #{n}")))
    }

    /// Marks a ticket read now.
    pub async fn mark_read(&self, id: Uuid) -> Result<()> {
        sqlx::query(
            "INSERT INTO read_marks (ticket_id, read_at) VALUES (?, ?)
             ON CONFLICT(ticket_id) DO UPDATE SET read_at = excluded.read_at",
        )
        .bind(id.to_string())
        .bind(ts(Utc::now()))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// How many tickets hold a message from someone other than `me` that came after
    /// the user last opened the ticket (tickets never opened count when someone else
    /// wrote on them).
    pub async fn unread_count(&self, me: Uuid) -> Result<u32> {
        // One probe of messages(ticket_id, created_at) per ticket; timestamps in the
        // store share one sortable text format.
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM tickets t LEFT JOIN read_marks r ON r.ticket_id = t.id
             WHERE EXISTS (SELECT 1 FROM messages m WHERE m.ticket_id = t.id
                AND m.author_id <> ? AND (r.read_at IS NULL OR m.created_at > r.read_at))",
        )
        .bind(me.to_string())
        .fetch_one(&self.pool)
        .await?;
        Ok(u32::try_from(n).unwrap_or(u32::MAX))
    }
}
