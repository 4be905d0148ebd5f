//! Writing a pulled page with a few multi-row statements instead of several per change.
//!
//! An initial pull of a large helpdesk writes hundreds of thousands of rows, and every
//! statement through sqlx is a round trip to SQLite's worker thread; one statement per
//! row (plus look-ups) made the pull 45× slower than its target. Here each kind of row
//! of a page is written with one statement per [`ROWS`] rows, and every look-up is by
//! key (never a scan of the full-text index). The rows are the same ones
//! [`upsert_ticket`](super::tickets::upsert_ticket) and
//! [`upsert_message`](super::tickets::upsert_message) write; a test below pins that.

use std::collections::{HashMap, HashSet};

use sqlx::{QueryBuilder, Row, Sqlite, SqliteConnection};
use tadhkira_proto::{Message, Ticket, TicketEvent};
use uuid::Uuid;

use super::tickets::{breach_at, ts};
use crate::error::Result;
use crate::normalize::normalize;

/// Rows per multi-row statement: 15 parameters a ticket keeps it far below SQLite's
/// limit of 32,766 bound parameters.
pub(super) const ROWS: usize = 500;

/// `… WHERE column IN (?, ?, …)` over `ids`.
fn push_in_list<'a>(b: &mut QueryBuilder<'a, Sqlite>, ids: impl Iterator<Item = String>) {
    b.push(" IN (");
    let mut list = b.separated(", ");
    for id in ids {
        list.push_bind(id);
    }
    list.push_unseparated(")");
}

/// The one text column a statement selects for `ids`, one statement per [`ROWS`] ids:
/// `head` writes it up to the column the `IN (…)` list tests (`SELECT … WHERE id`).
pub(super) async fn texts_for_ids(
    conn: &mut SqliteConnection,
    ids: &[Uuid],
    head: impl Fn(&mut QueryBuilder<'_, Sqlite>),
) -> Result<Vec<String>> {
    let mut out = Vec::new();
    for chunk in ids.chunks(ROWS) {
        let mut q = QueryBuilder::<Sqlite>::new("");
        head(&mut q);
        push_in_list(&mut q, chunk.iter().map(Uuid::to_string));
        let found: Vec<String> = q
            .build_query_scalar()
            .persistent(false)
            .fetch_all(&mut *conn)
            .await?;
        out.extend(found);
    }
    Ok(out)
}

/// Writes pulled tickets (each with the server's copy as JSON, `server_data`) and
/// their search index. Tickets new to this store also link the index entries of
/// messages that arrived before them. Ids must be unique.
pub(crate) async fn upsert_pulled_tickets(
    conn: &mut SqliteConnection,
    tickets: &[(Ticket, String)],
) -> Result<()> {
    for chunk in tickets.chunks(ROWS) {
        let mut known = QueryBuilder::<Sqlite>::new("SELECT rid FROM tickets WHERE id");
        push_in_list(&mut known, chunk.iter().map(|(t, _)| t.id.to_string()));
        let known: Vec<i64> = known
            .build_query_scalar()
            .persistent(false)
            .fetch_all(&mut *conn)
            .await?;
        // An FTS5 row is replaced by delete + insert; by rowid equality, so by key.
        for rid in &known {
            sqlx::query("DELETE FROM ticket_fts WHERE rowid = ?")
                .bind(rid)
                .execute(&mut *conn)
                .await?;
        }
        let known: HashSet<i64> = known.into_iter().collect();

        let data = chunk
            .iter()
            .map(|(t, _)| serde_json::to_string(t))
            .collect::<serde_json::Result<Vec<_>>>()?;
        let mut upsert = QueryBuilder::<Sqlite>::new(
            "INSERT INTO tickets (id, number, title, status, priority_rank, channel, tier,
                 assignee_id, requester_id, created_by, updated_at, resolution_due_at, breach_at,
                 data, server_data) ",
        );
        upsert.push_values(chunk.iter().zip(data), |mut row, ((t, server), data)| {
            row.push_bind(t.id.to_string())
                .push_bind(t.number)
                .push_bind(t.title.clone())
                .push_bind(t.status.as_str())
                .push_bind(t.priority.rank() as i64)
                .push_bind(t.channel.as_str())
                .push_bind(super::tickets::tier_column(t))
                .push_bind(t.assignee_id.map(|u| u.to_string()))
                .push_bind(t.requester_id.to_string())
                .push_bind(t.created_by.to_string())
                .push_bind(ts(t.updated_at))
                .push_bind(t.resolution_due_at.map(ts))
                .push_bind(breach_at(t))
                .push_bind(data)
                .push_bind(server.clone());
        });
        upsert.push(
            " ON CONFLICT(id) DO UPDATE SET number = excluded.number, title = excluded.title,
                 status = excluded.status, priority_rank = excluded.priority_rank,
                 channel = excluded.channel, tier = excluded.tier,
                 assignee_id = excluded.assignee_id, requester_id = excluded.requester_id,
                 created_by = excluded.created_by, updated_at = excluded.updated_at,
                 resolution_due_at = excluded.resolution_due_at, breach_at = excluded.breach_at,
                 data = excluded.data, server_data = excluded.server_data
             RETURNING id, rid",
        );
        let mut rid_of = HashMap::with_capacity(chunk.len());
        for row in upsert
            .build()
            .persistent(false)
            .fetch_all(&mut *conn)
            .await?
        {
            rid_of.insert(row.try_get::<String, _>(0)?, row.try_get::<i64, _>(1)?);
        }
        let rids: Vec<i64> = chunk
            .iter()
            .map(|(t, _)| rid_of.get(&t.id.to_string()).copied())
            .collect::<Option<_>>()
            .ok_or_else(|| crate::EngineError::Storage("a pulled ticket was not written".into()))?;

        let mut index = QueryBuilder::<Sqlite>::new("INSERT INTO ticket_fts (rowid, body) ");
        index.push_values(chunk.iter().zip(&rids), |mut row, ((t, _), rid)| {
            row.push_bind(*rid)
                .push_bind(normalize(&format!("{}\n{}", t.title, t.description)));
        });
        index.build().persistent(false).execute(&mut *conn).await?;

        let new: Vec<String> = chunk
            .iter()
            .zip(&rids)
            .filter(|(_, rid)| !known.contains(rid))
            .map(|((t, _), _)| t.id.to_string())
            .collect();
        if !new.is_empty() {
            link_waiting_messages(conn, new).await?;
        }
    }
    Ok(())
}

/// Points the index entries of messages that arrived before their (now stored) ticket
/// at it, by rowid equality: FTS5 serves `rowid = ?` by key, but would scan the whole
/// index for `rowid IN (SELECT …)`.
async fn link_waiting_messages(conn: &mut SqliteConnection, ticket_ids: Vec<String>) -> Result<()> {
    let mut waiting = QueryBuilder::<Sqlite>::new(
        "SELECT m.rid, t.rid FROM messages m JOIN tickets t ON t.id = m.ticket_id
         WHERE m.ticket_id",
    );
    push_in_list(&mut waiting, ticket_ids.into_iter());
    let pairs: Vec<(i64, i64)> = waiting
        .build_query_as()
        .persistent(false)
        .fetch_all(&mut *conn)
        .await?;
    for (message_rid, ticket_rid) in pairs {
        sqlx::query("UPDATE message_fts SET ticket_rid = ? WHERE rowid = ?")
            .bind(ticket_rid)
            .bind(message_rid)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// Writes pulled messages; the ones new to this store are indexed (linked to their
/// ticket when it is already stored). Returns the ids of the new ones. Ids must be
/// unique.
pub(crate) async fn upsert_pulled_messages(
    conn: &mut SqliteConnection,
    messages: &[&Message],
) -> Result<HashSet<Uuid>> {
    let mut new_ids = HashSet::new();
    for chunk in messages.chunks(ROWS) {
        let data = chunk
            .iter()
            .map(serde_json::to_string)
            .collect::<serde_json::Result<Vec<_>>>()?;
        let mut insert = QueryBuilder::<Sqlite>::new(
            "INSERT INTO messages (id, ticket_id, author_id, created_at, data) ",
        );
        insert.push_values(chunk.iter().zip(data), |mut row, (m, data)| {
            row.push_bind(m.id.to_string())
                .push_bind(m.ticket_id.to_string())
                .push_bind(m.author_id.to_string())
                .push_bind(ts(m.created_at))
                .push_bind(data);
        });
        // DO NOTHING rows are not returned: what comes back is exactly the new rows.
        insert.push(" ON CONFLICT(id) DO NOTHING RETURNING id, rid");
        let mut rid_of = HashMap::with_capacity(chunk.len());
        for row in insert
            .build()
            .persistent(false)
            .fetch_all(&mut *conn)
            .await?
        {
            rid_of.insert(row.try_get::<String, _>(0)?, row.try_get::<i64, _>(1)?);
        }
        let mut fresh = Vec::with_capacity(rid_of.len());
        for m in chunk {
            match rid_of.get(&m.id.to_string()) {
                Some(rid) => fresh.push((*rid, *m)),
                None => {
                    sqlx::query("UPDATE messages SET data = ?, created_at = ? WHERE id = ?")
                        .bind(serde_json::to_string(m)?)
                        .bind(ts(m.created_at))
                        .bind(m.id.to_string())
                        .execute(&mut *conn)
                        .await?;
                }
            }
        }
        if fresh.is_empty() {
            continue;
        }
        let mut index =
            QueryBuilder::<Sqlite>::new("INSERT INTO message_fts (rowid, ticket_rid, body) ");
        index.push_values(&fresh, |mut row, (rid, m)| {
            row.push_bind(*rid)
                .push("(SELECT rid FROM tickets WHERE id = ")
                .push_bind_unseparated(m.ticket_id.to_string())
                .push_unseparated(")")
                .push_bind(normalize(&m.body));
        });
        index.build().persistent(false).execute(&mut *conn).await?;
        new_ids.extend(fresh.iter().map(|(_, m)| m.id));
    }
    Ok(new_ids)
}

/// Writes pulled timeline events (insert or replace). Ids must be unique.
pub(crate) async fn upsert_pulled_events(
    conn: &mut SqliteConnection,
    events: &[&TicketEvent],
) -> Result<()> {
    for chunk in events.chunks(ROWS) {
        let data = chunk
            .iter()
            .map(serde_json::to_string)
            .collect::<serde_json::Result<Vec<_>>>()?;
        let mut upsert =
            QueryBuilder::<Sqlite>::new("INSERT INTO events (id, ticket_id, created_at, data) ");
        upsert.push_values(chunk.iter().zip(data), |mut row, (e, data)| {
            row.push_bind(e.id.to_string())
                .push_bind(e.ticket_id.to_string())
                .push_bind(ts(e.created_at))
                .push_bind(data);
        });
        upsert.push(
            " ON CONFLICT(id) DO UPDATE SET data = excluded.data, created_at = excluded.created_at",
        );
        upsert.build().persistent(false).execute(&mut *conn).await?;
    }
    Ok(())
}

/// Marks messages as alerted; returns those that were not marked before.
pub(crate) async fn mark_alerted(
    conn: &mut SqliteConnection,
    ids: impl Iterator<Item = Uuid>,
) -> Result<HashSet<Uuid>> {
    let ids: Vec<Uuid> = ids.collect();
    let mut first_time = HashSet::new();
    for chunk in ids.chunks(ROWS) {
        let mut insert = QueryBuilder::<Sqlite>::new("INSERT OR IGNORE INTO alerted (message_id) ");
        insert.push_values(chunk, |mut row, id| {
            row.push_bind(id.to_string());
        });
        insert.push(" RETURNING message_id");
        let marked: Vec<String> = insert
            .build_query_scalar()
            .persistent(false)
            .fetch_all(&mut *conn)
            .await?;
        first_time.extend(marked.iter().filter_map(|s| Uuid::parse_str(s).ok()));
    }
    Ok(first_time)
}
