//! One writing transaction on the change feed.
//!
//! A [`Writer`] begins a transaction and first touches the `seq` counter row. On
//! PostgreSQL that row lock is held until commit, so appenders to the feed run one at a
//! time and sequence numbers become visible in order: no reader's cursor can pass a
//! change that has not committed. On SQLite an in-process gate does the same (SQLite
//! allows one writer anyway, and taking the gate first avoids `SQLITE_BUSY` on lock
//! upgrades). Holding the lock, the writer hands out numbers from memory and writes the
//! counters back once, at commit.
//!
//! The apply path (`apply.rs`, which dispatches each mutation, and `edit.rs`, which
//! changes existing tickets) builds on the writer's steps — load a ticket the caller
//! may see, save a changed ticket, add an event — and never on each other's helpers, so
//! the dependency runs one way: apply → edit → writer.

use std::collections::{HashMap, HashSet};

use sqlx::{Any, Row, Transaction};
use tadhkira_proto::{Applied, ErrorCode, EventKind, Ticket, TicketField, User};
use uuid::Uuid;

use super::visibility::{self, Audience};
use super::{feed::Notice, rows, Backend, Caller, Store, StoreError};

/// The PostgreSQL channel that carries [`Notice`]s between server processes.
pub const NOTIFY_CHANNEL: &str = "tadhkira_changes";
/// NOTIFY payloads must stay under 8000 bytes.
const MAX_NOTIFY_PAYLOAD: usize = 7000;

/// Why a mutation was not applied: a stable code and a message for the user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    /// The stable error code.
    pub code: ErrorCode,
    /// A message for the user.
    pub message: String,
}

impl Rejection {
    /// A rejection with this code and message.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }
}

/// The outcome of one mutation before it is recorded: what it produced, or why not.
pub(super) type Step = Result<Applied, Rejection>;

/// What one change-feed row is about.
#[derive(Debug, Clone, Copy)]
pub(super) enum EntityKind {
    Ticket,
    Message,
    Event,
    Article,
    /// A published version of the support terms.
    Terms,
    /// A category's first-line checklist.
    Checklist,
    /// An organisation's acceptance of a version of the terms.
    Acceptance,
    /// The response policy in effect (one entity: its newest version).
    Policy,
}

/// The `org_id` of a feed row every organisation may see (a published article's, or the
/// withdrawal of one): no organisation has this id.
pub const EVERY_ORG: Uuid = Uuid::max();

impl EntityKind {
    pub(super) fn as_str(self) -> &'static str {
        match self {
            EntityKind::Ticket => "ticket",
            EntityKind::Message => "message",
            EntityKind::Event => "event",
            EntityKind::Article => "article",
            EntityKind::Terms => "terms",
            EntityKind::Checklist => "checklist",
            EntityKind::Acceptance => "acceptance",
            EntityKind::Policy => "policy",
        }
    }
}

/// An open writing transaction holding the feed lock.
pub(super) struct Writer {
    pub tx: Transaction<'static, Any>,
    _gate: Option<tokio::sync::OwnedMutexGuard<()>>,
    seq: i64,
    seq_at_start: i64,
    number: i64,
    number_at_start: i64,
    /// Newest public seq per organisation, for live notices.
    org_seqs: HashMap<Uuid, i64>,
    /// A row every organisation may see was written: the live notice goes to everyone.
    every_org: bool,
    /// Feed rows and applied-mutation records, written in a few multi-row INSERTs at
    /// commit rather than one round trip each (the batch is one transaction anyway).
    feed: Vec<FeedRow>,
    applied: HashMap<Uuid, AppliedRecord>,
    new_applied: Vec<Uuid>,
    /// What the apply path looked up once in this transaction and reuses.
    pub looked: Looked,
    pub now: i64,
}

/// Answers the apply path reads once per transaction instead of once per mutation: a
/// batch files many tickets for one organisation under one policy, and each look-up is
/// a statement (a batch of 100 new tickets asked the same four questions 100 times).
/// Each is read and kept by the function that asks it (`admin::may_file_in`,
/// `policy::current_clock_in`, `terms::check_accepted`). Nothing a mutation does changes
/// them, except an acceptance of the terms, which `terms::record_acceptance` adds here
/// as it writes it.
#[derive(Default)]
pub(super) struct Looked {
    /// The response policy in effect (the newest version).
    pub sla_policy: Option<crate::sla::Policy>,
    /// Whether a user may file for an organisation: (organisation, user) → answer.
    pub may_file: HashMap<(Uuid, Uuid), bool>,
    /// The newest published version of the support terms, once read (`Some(None)`:
    /// none is published).
    pub newest_terms: Option<Option<i64>>,
    /// (organisation, version) acceptances known to exist.
    pub accepted: HashSet<(Uuid, i64)>,
}

/// A feed row waiting to be written at commit.
struct FeedRow {
    seq: i64,
    ticket_id: Uuid,
    org_id: Uuid,
    kind: EntityKind,
    entity_id: Uuid,
    staff_only: bool,
}

/// An applied mutation's record: who sent it and what it produced.
pub(super) struct AppliedRecord {
    pub user_id: Uuid,
    pub kind: &'static str,
    pub result: Applied,
}

/// Rows per multi-row INSERT. Small on purpose: sqlx binds SQLite's `$N` parameters by
/// asking SQLite each one's name, a linear search, so a statement with P parameters
/// costs P²/2 steps to bind. At 500 rows (3,500 parameters) that was 14 % of the
/// server's time in a profile of the bench's push; 50 rows keep it small while still
/// writing many rows per statement.
const ROWS_PER_INSERT: usize = 50;

/// Ids per `IN (…)` look-up (one parameter each, so binding stays cheap).
const IDS_PER_LOOKUP: usize = 500;

impl Writer {
    /// Begins a transaction and takes the feed lock.
    pub async fn begin(store: &Store) -> Result<Self, StoreError> {
        let gate = match store.backend {
            Backend::Sqlite => Some(store.write_gate.clone().lock_owned().await),
            Backend::Postgres => None,
        };
        let mut tx = store.pool.begin().await?;
        let seq: i64 =
            sqlx::query("UPDATE counters SET value = value WHERE name = 'seq' RETURNING value")
                .fetch_one(&mut *tx)
                .await?
                .try_get("value")?;
        let number: i64 = sqlx::query("SELECT value FROM counters WHERE name = 'ticket_number'")
            .fetch_one(&mut *tx)
            .await?
            .try_get("value")?;
        Ok(Self {
            tx,
            _gate: gate,
            seq,
            seq_at_start: seq,
            number,
            number_at_start: number,
            org_seqs: HashMap::new(),
            every_org: false,
            feed: Vec::new(),
            applied: HashMap::new(),
            new_applied: Vec::new(),
            looked: Looked::default(),
            now: rows::now_ms(),
        })
    }

    /// The next human ticket number.
    pub fn next_number(&mut self) -> i64 {
        self.number += 1;
        self.number
    }

    /// Gives back the number just taken (the ticket was not created after all).
    pub fn return_number(&mut self) {
        self.number -= 1;
    }

    /// Loads the records of those of `ids` that were applied before.
    pub async fn preload_applied(&mut self, ids: &[Uuid]) -> Result<(), StoreError> {
        for chunk in ids.chunks(IDS_PER_LOOKUP) {
            let marks: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
            let sql = format!(
                "SELECT id, user_id, kind, ticket_id, ticket_number, seq FROM applied_mutations \
                 WHERE id IN ({})",
                marks.join(", ")
            );
            let mut q = sqlx::query(&sql);
            for id in chunk {
                q = q.bind(id.to_string());
            }
            for row in q.fetch_all(&mut *self.tx).await? {
                let kind: String = row.try_get("kind")?;
                let record = AppliedRecord {
                    user_id: rows::uuid(&row, "user_id")?,
                    kind: mutation_kind(&kind),
                    result: Applied {
                        ticket_id: rows::uuid(&row, "ticket_id")?,
                        ticket_number: row.try_get("ticket_number")?,
                        seq: row.try_get("seq")?,
                    },
                };
                self.applied.insert(rows::uuid(&row, "id")?, record);
            }
        }
        Ok(())
    }

    /// The record of a mutation applied earlier (or earlier in this batch).
    pub fn applied(&self, id: Uuid) -> Option<&AppliedRecord> {
        self.applied.get(&id)
    }

    /// Records an applied mutation; written at commit with its effect.
    pub fn record_applied(&mut self, id: Uuid, record: AppliedRecord) {
        self.applied.insert(id, record);
        self.new_applied.push(id);
    }

    /// Writes the buffered feed rows and applied-mutation records.
    async fn flush(&mut self) -> Result<(), StoreError> {
        for chunk in self.feed.chunks(ROWS_PER_INSERT) {
            let sql = format!(
                "INSERT INTO changes (seq, ticket_id, org_id, entity_kind, entity_id, staff_only) VALUES {}",
                value_rows(chunk.len(), 6)
            );
            let mut q = sqlx::query(&sql);
            for r in chunk {
                q = q
                    .bind(r.seq)
                    .bind(r.ticket_id.to_string())
                    .bind(r.org_id.to_string())
                    .bind(r.kind.as_str())
                    .bind(r.entity_id.to_string())
                    .bind(r.staff_only as i64);
            }
            q.execute(&mut *self.tx).await?;
        }
        for chunk in self.new_applied.chunks(ROWS_PER_INSERT) {
            let sql = format!(
                "INSERT INTO applied_mutations (id, user_id, kind, ticket_id, ticket_number, seq, applied_at) VALUES {}",
                value_rows(chunk.len(), 7)
            );
            let mut q = sqlx::query(&sql);
            for id in chunk {
                let Some(r) = self.applied.get(id) else {
                    continue;
                };
                q = q
                    .bind(id.to_string())
                    .bind(r.user_id.to_string())
                    .bind(r.kind)
                    .bind(r.result.ticket_id.to_string())
                    .bind(r.result.ticket_number)
                    .bind(r.result.seq)
                    .bind(self.now);
            }
            q.execute(&mut *self.tx).await?;
        }
        Ok(())
    }

    /// The seq the next [`Writer::append_change`] will get.
    pub fn peek_seq(&self) -> i64 {
        self.seq + 1
    }

    /// Appends one row to the change feed and answers its sequence number.
    pub async fn append_change(
        &mut self,
        ticket: &Ticket,
        kind: EntityKind,
        entity_id: Uuid,
        staff_only: bool,
    ) -> Result<i64, StoreError> {
        self.seq += 1;
        self.feed.push(FeedRow {
            seq: self.seq,
            ticket_id: ticket.id,
            org_id: ticket.org_id,
            kind,
            entity_id,
            staff_only,
        });
        if !staff_only {
            self.org_seqs.insert(ticket.org_id, self.seq);
        }
        Ok(self.seq)
    }

    /// Appends an article's row to the change feed and answers its seq. `public`: the
    /// row concerns customers (the article is published, or just stopped being so and
    /// must be withdrawn from their stores); otherwise only staff pull it.
    pub fn append_article_change(&mut self, article_id: Uuid, public: bool) -> i64 {
        self.seq += 1;
        self.feed.push(FeedRow {
            seq: self.seq,
            ticket_id: article_id,
            org_id: EVERY_ORG,
            kind: EntityKind::Article,
            entity_id: article_id,
            staff_only: !public,
        });
        self.every_org |= public;
        self.seq
    }

    /// Appends a row every organisation pulls (a published version of the terms, a
    /// checklist) and answers its seq.
    pub fn append_public_change(&mut self, kind: EntityKind, entity_id: Uuid) -> i64 {
        self.seq += 1;
        self.feed.push(FeedRow {
            seq: self.seq,
            ticket_id: entity_id,
            org_id: EVERY_ORG,
            kind,
            entity_id,
            staff_only: false,
        });
        self.every_org = true;
        self.seq
    }

    /// Appends a row that one organisation (and staff) pull, about something that is
    /// not a ticket (an acceptance of the terms); answers its seq.
    pub fn append_org_change(&mut self, org_id: Uuid, kind: EntityKind, entity_id: Uuid) -> i64 {
        self.seq += 1;
        self.feed.push(FeedRow {
            seq: self.seq,
            ticket_id: entity_id,
            org_id,
            kind,
            entity_id,
            staff_only: false,
        });
        self.org_seqs.insert(org_id, self.seq);
        self.seq
    }

    /// The seq of the last row written so far (in this transaction or before it).
    pub fn last_seq(&self) -> i64 {
        self.seq
    }

    /// Adds an event to a ticket's timeline (and the feed); answers its seq.
    pub async fn insert_event(
        &mut self,
        ticket: &Ticket,
        actor: &User,
        kind: EventKind,
    ) -> Result<i64, StoreError> {
        self.insert_event_by(ticket, actor.id, kind).await
    }

    /// Adds an event the server's own jobs wrote (its actor is the system user).
    pub async fn insert_system_event(
        &mut self,
        ticket: &Ticket,
        kind: EventKind,
    ) -> Result<i64, StoreError> {
        self.insert_event_by(ticket, tadhkira_proto::SYSTEM_USER_ID, kind)
            .await
    }

    async fn insert_event_by(
        &mut self,
        ticket: &Ticket,
        actor_id: Uuid,
        kind: EventKind,
    ) -> Result<i64, StoreError> {
        let staff_only = visibility::event_is_staff_only(&kind);
        let id = Uuid::now_v7();
        let json = serde_json::to_string(&kind).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        sqlx::query(
            "INSERT INTO ticket_events (id, ticket_id, actor_id, kind, staff_only, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(id.to_string())
        .bind(ticket.id.to_string())
        .bind(actor_id.to_string())
        .bind(json)
        .bind(staff_only as i64)
        .bind(self.now)
        .execute(&mut *self.tx)
        .await?;
        self.append_change(ticket, EntityKind::Event, id, staff_only)
            .await
    }

    /// Loads a ticket inside the transaction.
    pub async fn ticket(&mut self, id: Uuid) -> Result<Option<(Ticket, i64)>, StoreError> {
        let sql = format!(
            "SELECT {} FROM {} WHERE t.id = $1",
            rows::TICKET_COLUMNS,
            rows::TICKET_FROM
        );
        let row = sqlx::query(&sql)
            .bind(id.to_string())
            .fetch_optional(&mut *self.tx)
            .await?;
        row.as_ref().map(rows::ticket).transpose()
    }

    /// Loads a ticket the caller may see (with its total paused milliseconds), or the
    /// rejection to answer: a ticket of another organisation is as good as missing.
    pub async fn visible_ticket(
        &mut self,
        caller: &Caller,
        id: Uuid,
    ) -> Result<Result<(Ticket, i64), Rejection>, StoreError> {
        Ok(match self.ticket(id).await? {
            Some((t, paused)) if Audience::of(caller).may_see_ticket(t.org_id) => Ok((t, paused)),
            _ => Err(Rejection::new(
                ErrorCode::NotFound,
                format!("no ticket {id}"),
            )),
        })
    }

    /// Writes a changed ticket back, with a feed row whose seq becomes the version of
    /// each field in `changed`; answers that seq.
    pub async fn save_ticket(
        &mut self,
        t: &mut Ticket,
        paused_ms: i64,
        changed: &[TicketField],
    ) -> Result<i64, StoreError> {
        let seq = self
            .append_change(t, EntityKind::Ticket, t.id, false)
            .await?;
        t.updated_at = rows::to_time(self.now);
        for f in changed {
            t.versions.set(*f, seq);
        }
        let ms = |d: Option<chrono::DateTime<chrono::Utc>>| d.map(|d| d.timestamp_millis());
        sqlx::query(
            "UPDATE tickets SET title = $1, status = $2, priority = $3, assignee_id = $4, \
             category = $5, tier = $6, first_response_due_at = $7, first_response_at = $8, \
             resolution_due_at = $9, solved_at = $10, sla_paused_at = $11, sla_paused_ms = $12, \
             updated_at = $13, v_title = $14, v_status = $15, v_priority = $16, v_assignee = $17, \
             v_category = $18, v_tier = $19, reopen_until = $20 WHERE id = $21",
        )
        .bind(&t.title)
        .bind(t.status.as_str())
        .bind(t.priority.as_str())
        .bind(t.assignee_id.map(|a| a.to_string()))
        .bind(&t.category)
        // The writer's own copy is whole (never a customer view): always a tier.
        .bind(t.tier.map(i64::from))
        .bind(ms(t.first_response_due_at))
        .bind(ms(t.first_response_at))
        .bind(ms(t.resolution_due_at))
        .bind(ms(t.solved_at))
        .bind(ms(t.sla_paused_at))
        .bind(paused_ms)
        .bind(self.now)
        .bind(t.versions.title)
        .bind(t.versions.status)
        .bind(t.versions.priority)
        .bind(t.versions.assignee)
        .bind(t.versions.category)
        .bind(t.versions.tier)
        .bind(ms(t.reopen_until))
        .bind(t.id.to_string())
        .execute(&mut *self.tx)
        .await?;
        Ok(seq)
    }

    /// Writes the counters back, commits, and tells live subscribers.
    pub async fn commit(mut self, store: &Store) -> Result<(), StoreError> {
        self.flush().await?;
        if self.seq != self.seq_at_start {
            sqlx::query("UPDATE counters SET value = $1 WHERE name = 'seq'")
                .bind(self.seq)
                .execute(&mut *self.tx)
                .await?;
        }
        if self.number != self.number_at_start {
            sqlx::query("UPDATE counters SET value = $1 WHERE name = 'ticket_number'")
                .bind(self.number)
                .execute(&mut *self.tx)
                .await?;
        }
        let notice = (self.seq != self.seq_at_start).then(|| Notice {
            seq: self.seq,
            orgs: self.org_seqs.into_iter().collect(),
            all: self.every_org,
        });
        match (store.backend, notice) {
            (Backend::Postgres, Some(mut notice)) => {
                // Delivered at commit to every listening server process, this one too.
                let mut payload = serde_json::to_string(&notice).unwrap_or_default();
                if payload.len() > MAX_NOTIFY_PAYLOAD {
                    notice.orgs.clear();
                    notice.all = true;
                    payload = serde_json::to_string(&notice).unwrap_or_default();
                }
                sqlx::query("SELECT pg_notify($1, $2)")
                    .bind(NOTIFY_CHANNEL)
                    .bind(payload)
                    .execute(&mut *self.tx)
                    .await?;
                self.tx.commit().await?;
            }
            (_, notice) => {
                self.tx.commit().await?;
                if let Some(notice) = notice {
                    store.notices.send(notice);
                }
            }
        }
        Ok(())
    }
}

/// `rows` parenthesised groups of `cols` numbered placeholders, for a multi-row
/// `INSERT … VALUES`: `($1, $2), ($3, $4)`.
fn value_rows(rows: usize, cols: usize) -> String {
    (0..rows)
        .map(|r| {
            let marks: Vec<String> = (1..=cols).map(|c| format!("${}", r * cols + c)).collect();
            format!("({})", marks.join(", "))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The static name of a stored mutation kind.
fn mutation_kind(s: &str) -> &'static str {
    match s {
        "create_ticket" => "create_ticket",
        "add_message" => "add_message",
        "update_ticket" => "update_ticket",
        "escalate" => "escalate",
        "deflect" => "deflect",
        "resolve_out_of_scope" => "resolve_out_of_scope",
        "log_contact" => "log_contact",
        _ => "unknown",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn value_rows_number_every_placeholder_once_in_order() {
        assert_eq!(value_rows(1, 3), "($1, $2, $3)");
        assert_eq!(value_rows(2, 2), "($1, $2), ($3, $4)");
    }
}
