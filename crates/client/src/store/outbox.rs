//! The outbox: local changes in the order they were made, until the server answers them.
//!
//! Nothing leaves the outbox except by a server answer for that mutation id (applied or
//! duplicate), or by the user discarding it. A rejection keeps the entry with its code
//! and message; later entries on the same ticket are then held locally as
//! `depends_on_rejected` (they would fail or make no sense without it), while entries on
//! other tickets keep flowing.

use chrono::{DateTime, Utc};
use sqlx::{Row, SqliteConnection};
use tadhkira_proto::{ApiError, ErrorCode, Mutation, MutationEnvelope, MutationResult, Outcome};
use uuid::Uuid;

use super::tickets::{
    delete_local_message, delete_local_ticket, load_ticket, upsert_message, upsert_ticket,
};
use super::Store;
use crate::error::{EngineError, Result};
use crate::model::{OutboxItem, OutboxState};

/// Rows per multi-row statement over the outbox (two parameters at most each, bound in
/// order: the client's statements use anonymous `?`).
const ROWS_PER_STATEMENT: usize = 500;

/// `n` anonymous placeholders for an `IN (…)` list.
fn marks(n: usize) -> String {
    vec!["?"; n].join(", ")
}

/// Gives `rows` tickets filed here, still numbered 0, the numbers the server gave them;
/// binds (id, number) per row.
///
/// The `+` keeps the planner off the `tickets_number` index. After an ANALYZE of a store
/// of numbered tickets (every first sync runs one) it takes `number = 0` for a row or
/// two, and so loops over every unnumbered ticket and, for each, over every pair: 20 ms
/// a push batch beside 5,000 tickets filed offline, most of the client's time in the
/// push. By id, it is one look-up per pair.
pub(super) fn numbering_sql(rows: usize) -> String {
    format!(
        "UPDATE tickets SET number = v.column2, data = json_set(data, '$.number', v.column2)
         FROM (VALUES {}) AS v WHERE tickets.id = v.column1 AND +tickets.number = 0",
        vec!["(?, ?)"; rows].join(", ")
    )
}

/// Appends a mutation (inside the caller's transaction, beside its local effect).
pub(crate) async fn append(conn: &mut SqliteConnection, env: &MutationEnvelope) -> Result<()> {
    sqlx::query(
        "INSERT INTO outbox (id, ticket_id, kind, mutation, created_at) VALUES (?, ?, ?, ?, ?)",
    )
    .bind(env.id.to_string())
    .bind(env.mutation.ticket_id().to_string())
    .bind(env.mutation.kind())
    .bind(serde_json::to_string(&env.mutation)?)
    .bind(Utc::now().to_rfc3339())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Whether applying `m` can change how the server answers a mutation of *another*
/// ticket, so that no later entry may overtake it (nor it an earlier one): a ticket
/// filed with the support terms' acceptance records that acceptance for the whole
/// organisation, and the organisation's next ticket filed without it is accepted only
/// after it. Every other mutation touches its own ticket (or counts a deflection, which
/// nothing reads back in the apply path). A new kind of mutation that reaches across
/// tickets must be named here: the pipelined push relies on it.
pub(crate) fn orders_other_tickets(m: &Mutation) -> bool {
    match m {
        Mutation::CreateTicket(t) => t.terms_version.is_some(),
        Mutation::AddMessage(_)
        | Mutation::UpdateTicket(_)
        | Mutation::Escalate(_)
        | Mutation::Deflect(_)
        | Mutation::ResolveOutOfScope(_)
        | Mutation::LogContact(_) => false,
    }
}

/// The pending (queued or rejected) mutations of one ticket, in order.
pub(crate) async fn pending_for(
    conn: &mut SqliteConnection,
    ticket_id: Uuid,
) -> Result<Vec<Mutation>> {
    let rows: Vec<String> =
        sqlx::query_scalar("SELECT mutation FROM outbox WHERE ticket_id = ? ORDER BY seq")
            .bind(ticket_id.to_string())
            .fetch_all(&mut *conn)
            .await?;
    rows.iter()
        .map(|m| serde_json::from_str(m).map_err(Into::into))
        .collect()
}

/// Shows an edited creation or message in the local store at once.
async fn show_edit(conn: &mut SqliteConnection, m: &Mutation) -> Result<()> {
    match m {
        Mutation::CreateTicket(new) => {
            if let Some(mut t) = load_ticket(&mut *conn, new.id).await? {
                t.title = new.title.as_str().to_owned();
                t.description = new.description.as_str().to_owned();
                t.priority = new.priority;
                t.category = new.category.as_ref().map(|c| c.as_str().to_owned());
                t.contact = new.contact.clone();
                upsert_ticket(&mut *conn, &t).await?;
            }
        }
        Mutation::AddMessage(new) => {
            let stored: Option<String> =
                sqlx::query_scalar("SELECT data FROM messages WHERE id = ?")
                    .bind(new.id.to_string())
                    .fetch_optional(&mut *conn)
                    .await?;
            if let Some(stored) = stored {
                let mut msg: tadhkira_proto::Message = serde_json::from_str(&stored)?;
                msg.body = new.body.as_str().to_owned();
                msg.visibility = new.visibility;
                delete_local_message(&mut *conn, msg.id).await?;
                upsert_message(&mut *conn, &msg).await?;
            }
        }
        Mutation::UpdateTicket(_)
        | Mutation::Escalate(_)
        | Mutation::Deflect(_)
        | Mutation::ResolveOutOfScope(_) => {}
        Mutation::LogContact(_) => {}
    }
    Ok(())
}

fn item_from_row(row: &sqlx::sqlite::SqliteRow) -> Result<OutboxItem> {
    let parse = |s: String| Uuid::parse_str(&s).map_err(|e| EngineError::Storage(e.to_string()));
    let code: Option<String> = row.try_get("error_code")?;
    let error = match code {
        Some(c) => Some(ApiError {
            code: serde_json::from_value(serde_json::Value::String(c))
                .unwrap_or(ErrorCode::Internal),
            message: row
                .try_get::<Option<String>, _>("error_message")?
                .unwrap_or_default(),
        }),
        None => None,
    };
    let created: String = row.try_get("created_at")?;
    Ok(OutboxItem {
        id: parse(row.try_get("id")?)?,
        seq: row.try_get("seq")?,
        ticket_id: parse(row.try_get("ticket_id")?)?,
        kind: row.try_get("kind")?,
        state: if row.try_get::<String, _>("state")? == "rejected" {
            OutboxState::Rejected
        } else {
            OutboxState::Queued
        },
        error,
        depends_on: row
            .try_get::<Option<String>, _>("depends_on")?
            .map(parse)
            .transpose()?,
        created_at: DateTime::parse_from_rfc3339(&created)
            .map(|d| d.with_timezone(&Utc))
            .unwrap_or_default(),
        mutation: serde_json::from_str(row.try_get::<&str, _>("mutation")?)?,
    })
}

impl Store {
    /// Every outbox entry, oldest first; only one ticket's with `ticket_id`.
    pub async fn outbox(&self, ticket_id: Option<Uuid>) -> Result<Vec<OutboxItem>> {
        let rows = match ticket_id {
            Some(t) => {
                sqlx::query("SELECT * FROM outbox WHERE ticket_id = ? ORDER BY seq")
                    .bind(t.to_string())
                    .fetch_all(&self.pool)
                    .await?
            }
            None => {
                sqlx::query("SELECT * FROM outbox ORDER BY seq")
                    .fetch_all(&self.pool)
                    .await?
            }
        };
        rows.iter().map(item_from_row).collect()
    }

    /// (queued, rejected) counts.
    pub async fn outbox_counts(&self) -> Result<(u32, u32)> {
        let row = sqlx::query(
            // Kept by triggers (migration 0014): asked after every local change, so a
            // count of the outbox here made filling it quadratic.
            "SELECT (SELECT n FROM outbox_counts WHERE state = 'queued') AS q,
                    (SELECT n FROM outbox_counts WHERE state = 'rejected') AS r",
        )
        .fetch_one(&self.pool)
        .await?;
        Ok((
            row.try_get::<i64, _>("q")? as u32,
            row.try_get::<i64, _>("r")? as u32,
        ))
    }

    /// Holds queued entries behind an earlier rejected one on the same ticket, then returns
    /// the next `limit` queued entries in order.
    pub async fn next_batch(&self, limit: usize) -> Result<(u32, Vec<MutationEnvelope>)> {
        // Holding needs a rejected entry; without one (the usual case) skip the scan of
        // every queued entry, which would make pushing a large queue quadratic.
        let any_rejected: Option<i64> =
            sqlx::query_scalar("SELECT 1 FROM outbox WHERE state = 'rejected' LIMIT 1")
                .fetch_optional(&self.pool)
                .await?;
        let held = if any_rejected.is_none() {
            0
        } else {
            self.hold_behind_rejected().await?
        };
        let rows = sqlx::query(
            "SELECT id, mutation FROM outbox WHERE state = 'queued' ORDER BY seq LIMIT ?",
        )
        .bind(limit as i64)
        .fetch_all(&self.pool)
        .await?;
        let mut batch = Vec::with_capacity(rows.len());
        for r in rows {
            let id: String = r.try_get("id")?;
            batch.push(MutationEnvelope {
                id: Uuid::parse_str(&id).map_err(|e| EngineError::Storage(e.to_string()))?,
                mutation: serde_json::from_str(r.try_get::<&str, _>("mutation")?)?,
            });
        }
        Ok((held, batch))
    }

    /// The next batch to send while the batches whose tickets are `busy` are still in
    /// flight (the pipelined push in `sync.rs`): queued entries in order, after the same
    /// holding as [`Store::next_batch`], leaving out every entry of a busy ticket, and
    /// ending before the first entry that [orders other tickets](orders_other_tickets)
    /// (wherever it is, busy ticket or not). Such a batch may be applied by the server
    /// before the busy ones — they share no ticket and nothing in it depends on them.
    /// With no busy ticket it is [`Store::next_batch`].
    pub async fn next_batch_beside(
        &self,
        limit: usize,
        busy: &std::collections::HashSet<Uuid>,
    ) -> Result<(u32, Vec<MutationEnvelope>)> {
        if busy.is_empty() {
            return self.next_batch(limit).await;
        }
        let any_rejected: Option<i64> =
            sqlx::query_scalar("SELECT 1 FROM outbox WHERE state = 'rejected' LIMIT 1")
                .fetch_optional(&self.pool)
                .await?;
        let held = if any_rejected.is_none() {
            0
        } else {
            self.hold_behind_rejected().await?
        };
        let parse = |s: &str| Uuid::parse_str(s).map_err(|e| EngineError::Storage(e.to_string()));
        let mut batch = Vec::with_capacity(limit);
        // Streamed and left at the batch's end: the entries of busy tickets before it are
        // read (without parsing), the rest of the queue is not.
        // `maybe_terms`: a creation whose JSON names the terms' version (it is left out
        // when there is none), the only kind that can order other tickets; an entry of a
        // busy ticket is parsed only then.
        let mut rows = sqlx::query(
            "SELECT id, ticket_id, mutation,
                    kind = 'create_ticket' AND instr(mutation, '\"terms_version\"') > 0
                        AS maybe_terms
             FROM outbox WHERE state = 'queued' ORDER BY seq",
        )
        .fetch(&self.pool);
        while batch.len() < limit {
            let Some(r) = futures::TryStreamExt::try_next(&mut rows).await? else {
                break;
            };
            let ticket = parse(r.try_get::<&str, _>("ticket_id")?)?;
            let busy_ticket = busy.contains(&ticket);
            if busy_ticket && !r.try_get::<bool, _>("maybe_terms")? {
                continue;
            }
            let mutation: Mutation = serde_json::from_str(r.try_get::<&str, _>("mutation")?)?;
            if orders_other_tickets(&mutation) {
                break;
            }
            if busy_ticket {
                continue;
            }
            batch.push(MutationEnvelope {
                id: parse(r.try_get::<&str, _>("id")?)?,
                mutation,
            });
        }
        Ok((held, batch))
    }

    /// Marks queued entries that follow a rejected one on the same ticket as rejected
    /// `depends_on_rejected`; returns how many.
    async fn hold_behind_rejected(&self) -> Result<u32> {
        Ok(sqlx::query(
            "UPDATE outbox SET state = 'rejected', error_code = 'depends_on_rejected',
                 error_message = 'an earlier change to this ticket was rejected',
                 depends_on = (SELECT r.id FROM outbox r WHERE r.ticket_id = outbox.ticket_id
                               AND r.state = 'rejected' AND r.seq < outbox.seq ORDER BY r.seq LIMIT 1)
             WHERE state = 'queued' AND EXISTS (SELECT 1 FROM outbox r WHERE r.ticket_id = outbox.ticket_id
                               AND r.state = 'rejected' AND r.seq < outbox.seq)",
        )
        .execute(&self.pool)
        .await?
        .rows_affected() as u32)
    }

    /// Applies a push's answers in one transaction. Returns (accepted, rejected, transient):
    /// transient rejections (server trouble) stay queued for a later retry.
    ///
    /// The accepted entries leave the outbox, and new tickets take their numbers, in a
    /// few multi-row statements: one statement each was two round trips to the
    /// database's thread per change.
    pub async fn apply_push_results(&self, results: &[MutationResult]) -> Result<(u32, u32, u32)> {
        let mut tx = self.pool.begin().await?;
        let (mut ok, mut rejected, mut transient) = (0, 0, 0);
        let mut done: Vec<String> = Vec::new();
        // Each ticket once, with the number the server gave it.
        let mut numbers = std::collections::HashMap::<Uuid, i64>::new();
        let mut first_rejected = std::collections::HashMap::<String, String>::new();
        for r in results {
            let id = r.id.to_string();
            match &r.outcome {
                Outcome::Applied { result } | Outcome::Duplicate { result } => {
                    ok += 1;
                    done.push(id);
                    let number = numbers.entry(result.ticket_id).or_default();
                    *number = (*number).max(result.ticket_number);
                }
                Outcome::Rejected { code, .. } if code.is_transient() => transient += 1,
                Outcome::Rejected { code, message } => {
                    rejected += 1;
                    let ticket: Option<String> =
                        sqlx::query_scalar("SELECT ticket_id FROM outbox WHERE id = ?")
                            .bind(&id)
                            .fetch_optional(&mut *tx)
                            .await?;
                    // A later change on a ticket whose earlier change in this batch was
                    // rejected failed because of it: hold it behind that one, so that
                    // resending the first brings it back too.
                    let earlier = ticket.as_ref().and_then(|t| first_rejected.get(t).cloned());
                    let (code, message, depends_on) = match earlier {
                        Some(first) => (
                            ErrorCode::DependsOnRejected,
                            "an earlier change to this ticket was rejected".to_owned(),
                            Some(first),
                        ),
                        None => (*code, message.clone(), None),
                    };
                    if let Some(t) = ticket {
                        first_rejected.entry(t).or_insert_with(|| id.clone());
                    }
                    sqlx::query(
                        "UPDATE outbox SET state = 'rejected', error_code = ?, error_message = ?,
                             depends_on = ? WHERE id = ?",
                    )
                    .bind(code.as_str())
                    .bind(message)
                    .bind(depends_on)
                    .bind(&id)
                    .execute(&mut *tx)
                    .await?;
                }
            }
        }
        for chunk in done.chunks(ROWS_PER_STATEMENT) {
            let sql = format!("DELETE FROM outbox WHERE id IN ({})", marks(chunk.len()));
            let mut q = sqlx::query(&sql);
            for id in chunk {
                q = q.bind(id);
            }
            q.execute(&mut *tx).await?;
        }
        let numbers: Vec<(Uuid, i64)> = numbers.into_iter().filter(|(_, n)| *n > 0).collect();
        for chunk in numbers.chunks(ROWS_PER_STATEMENT) {
            let sql = numbering_sql(chunk.len());
            let mut q = sqlx::query(&sql);
            for (ticket, number) in chunk {
                q = q.bind(ticket.to_string()).bind(*number);
            }
            q.execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok((ok, rejected, transient))
    }

    /// Puts a rejected entry (and the entries held behind it) back in the queue, with an
    /// edited mutation if given (same kind and ticket).
    pub async fn resend(&self, id: Uuid, edited: Option<Mutation>) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        let row = sqlx::query("SELECT ticket_id, kind FROM outbox WHERE id = ?")
            .bind(id.to_string())
            .fetch_optional(&mut *tx)
            .await?
            .ok_or_else(|| EngineError::NotFound(format!("outbox entry {id}")))?;
        if let Some(m) = &edited {
            let ticket: String = row.try_get("ticket_id")?;
            let kind: String = row.try_get("kind")?;
            if m.ticket_id().to_string() != ticket || m.kind() != kind {
                return Err(EngineError::Invalid(
                    "an edited change must keep its kind and ticket".into(),
                ));
            }
            sqlx::query("UPDATE outbox SET mutation = ? WHERE id = ?")
                .bind(serde_json::to_string(m)?)
                .bind(id.to_string())
                .execute(&mut *tx)
                .await?;
            show_edit(&mut tx, m).await?;
        }
        sqlx::query(
            "UPDATE outbox SET state = 'queued', error_code = NULL, error_message = NULL, depends_on = NULL
             WHERE id = ?1 OR depends_on = ?1",
        )
        .bind(id.to_string())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Drops an entry the user gave up on. Discarding a ticket's creation removes the
    /// local ticket and every entry of it; discarding a message removes the local
    /// message. Entries held behind it go back in the queue.
    pub async fn discard(&self, id: Uuid, me: &tadhkira_proto::User) -> Result<Uuid> {
        let mut tx = self.pool.begin().await?;
        let row = sqlx::query("SELECT ticket_id, mutation FROM outbox WHERE id = ?")
            .bind(id.to_string())
            .fetch_optional(&mut *tx)
            .await?
            .ok_or_else(|| EngineError::NotFound(format!("outbox entry {id}")))?;
        let ticket: String = row.try_get("ticket_id")?;
        let ticket_id =
            Uuid::parse_str(&ticket).map_err(|e| EngineError::Storage(e.to_string()))?;
        let m: Mutation = serde_json::from_str(row.try_get::<&str, _>("mutation")?)?;
        match &m {
            Mutation::CreateTicket(_) => {
                sqlx::query("DELETE FROM outbox WHERE ticket_id = ?")
                    .bind(&ticket)
                    .execute(&mut *tx)
                    .await?;
                delete_local_ticket(&mut tx, ticket_id).await?;
            }
            other => {
                if let Mutation::AddMessage(msg) = other {
                    delete_local_message(&mut tx, msg.id).await?;
                }
                sqlx::query("DELETE FROM outbox WHERE id = ?")
                    .bind(id.to_string())
                    .execute(&mut *tx)
                    .await?;
                sqlx::query(
                    "UPDATE outbox SET state = 'queued', error_code = NULL, error_message = NULL,
                         depends_on = NULL WHERE depends_on = ?",
                )
                .bind(id.to_string())
                .execute(&mut *tx)
                .await?;
                if matches!(other, Mutation::UpdateTicket(_) | Mutation::Escalate(_)) {
                    Store::rebuild_ticket(&mut tx, ticket_id, me).await?;
                }
            }
        }
        tx.commit().await?;
        Ok(ticket_id)
    }
}
