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
//! The writer holds back the rows a batch writes most: new tickets, their changes,
//! messages and timeline events are kept in memory and written in a few multi-row
//! statements (at commit, or just before any other statement runs in the transaction,
//! so every statement still sees them). Each statement is a round trip to the
//! database's thread, and a batch of new tickets with their replies made five per
//! ticket. Tickets the transaction read or wrote are kept too, so a later mutation of
//! the batch on the same ticket reads it from memory. Code outside this file reaches
//! the transaction only through [`Writer::conn`] (which writes what is held and drops
//! the copies: the statement may change tickets or messages) or [`Writer::lookup`]
//! (which keeps them: for statements that leave tickets and messages alone).
//!
//! The apply path (`apply.rs`, which dispatches each mutation, and `edit.rs`, which
//! changes existing tickets) builds on the writer's steps — load a ticket the caller
//! may see, save a changed ticket, add an event — and never on each other's helpers, so
//! the dependency runs one way: apply → edit → writer.

use std::collections::{HashMap, HashSet};

use sqlx::{Any, AnyConnection, Row, Transaction};
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
    /// Reached from outside through [`Writer::conn`] and [`Writer::lookup`], which write
    /// the held rows first.
    tx: Transaction<'static, Any>,
    backend: Backend,
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
    /// Rows written in this transaction but not yet sent to the database.
    held: Held,
    pub now: i64,
}

/// The rows a [`Writer`] holds back, and the tickets it knows.
#[derive(Default)]
struct Held {
    /// Tickets read or written in this transaction, by id: the copy is the row as it
    /// is (or will be, once written).
    tickets: HashMap<Uuid, HeldTicket>,
    /// New tickets, in the order they were created (their rows are inserted so).
    new_tickets: Vec<Uuid>,
    /// Tickets changed since they were last written, in the order of their first change.
    changed_tickets: Vec<Uuid>,
    /// Ids known to belong to no ticket.
    no_ticket: HashSet<Uuid>,
    messages: Vec<HeldMessage>,
    /// The ids of `messages`.
    message_ids: HashSet<Uuid>,
    /// Ids known to belong to no stored message.
    no_message: HashSet<Uuid>,
    events: Vec<HeldEvent>,
}

/// A ticket the writer holds a copy of.
struct HeldTicket {
    ticket: Ticket,
    paused_ms: i64,
    write: TicketWrite,
}

/// What the database is still owed for a held ticket.
#[derive(Clone, Copy, PartialEq, Eq)]
enum TicketWrite {
    /// Nothing: the copy is what is stored.
    None,
    /// Its row, created in this transaction under this response-policy version.
    Insert { sla_policy_version: i64 },
    /// Its changed row.
    Update,
}

/// A message waiting to be inserted.
struct HeldMessage {
    id: Uuid,
    ticket_id: Uuid,
    author_id: Uuid,
    body: String,
    visibility: &'static str,
}

/// A timeline event waiting to be inserted.
struct HeldEvent {
    id: Uuid,
    ticket_id: Uuid,
    actor_id: Uuid,
    kind: String,
    staff_only: bool,
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

/// Rows per multi-row INSERT. sqlx binds SQLite's `$N` parameters by asking SQLite each
/// one's name, a linear search, so a statement with P of them costs P²/2 steps to bind
/// (at 500 rows, 14 % of the server's time in a profile of the bench's push). The
/// writer's own multi-row statements therefore use anonymous `?` parameters on SQLite
/// (see [`value_rows`]), which bind in order with no search; PostgreSQL needs `$N`.
const ROWS_PER_INSERT: usize = 50;

/// Rows per multi-row INSERT of tickets (34 columns each).
const TICKETS_PER_INSERT: usize = 16;

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
            backend: store.backend,
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
            held: Held::default(),
            now: rows::now_ms(),
        })
    }

    /// The next human ticket number.
    pub fn next_number(&mut self) -> i64 {
        self.number += 1;
        self.number
    }

    /// Loads the records of those of `ids` that were applied before.
    pub async fn preload_applied(&mut self, ids: &[Uuid]) -> Result<(), StoreError> {
        for chunk in ids.chunks(IDS_PER_LOOKUP) {
            let sql = format!(
                "SELECT id, user_id, kind, ticket_id, ticket_number, seq FROM applied_mutations \
                 WHERE id IN ({})",
                marks(self.backend, chunk.len())
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

    /// The transaction, for a statement that may change tickets or messages: the held
    /// rows are written first, and the writer forgets its copies of tickets (and what
    /// it knew to be missing), since the statement may change them.
    pub async fn conn(&mut self) -> Result<&mut AnyConnection, StoreError> {
        self.write_held().await?;
        self.held.tickets.clear();
        self.held.no_ticket.clear();
        self.held.no_message.clear();
        Ok(&mut *self.tx)
    }

    /// The transaction, for a statement that leaves the `tickets` and `messages` rows
    /// alone (a look-up, or a row of another table): the held rows are written first,
    /// so it sees them, and the writer keeps its copies.
    pub async fn lookup(&mut self) -> Result<&mut AnyConnection, StoreError> {
        self.write_held().await?;
        Ok(&mut *self.tx)
    }

    /// Appends an audit row in this transaction, stamped with its time.
    pub async fn audit(&mut self, record: &super::AuditRecord) -> Result<(), StoreError> {
        super::admin::append_audit(&mut self.tx, record, self.now).await
    }

    /// Writes the held tickets, messages and events (in that order: the later ones
    /// refer to the tickets).
    async fn write_held(&mut self) -> Result<(), StoreError> {
        let held = &mut self.held;
        let new: Vec<Uuid> = std::mem::take(&mut held.new_tickets);
        for chunk in new.chunks(TICKETS_PER_INSERT) {
            let sql = format!(
                "INSERT INTO tickets (id, number, org_id, requester_id, created_by, description, \
                 channel, contact_name, contact_email, contact_phone, checks, system_info, \
                 created_at, sla_policy_version, {}) VALUES {}",
                TICKET_STATE.join(", "),
                value_rows(self.backend, chunk.len(), 14 + TICKET_STATE.len())
            );
            let mut q = sqlx::query(&sql);
            for id in chunk {
                let Some(h) = held.tickets.get_mut(id) else {
                    return Err(StoreError::Corrupt(format!(
                        "held ticket {id} went missing"
                    )));
                };
                let TicketWrite::Insert { sla_policy_version } = h.write else {
                    return Err(StoreError::Corrupt(format!("ticket {id} is not new")));
                };
                h.write = TicketWrite::None;
                let t = &h.ticket;
                q = q
                    .bind(t.id.to_string())
                    .bind(t.number)
                    .bind(t.org_id.to_string())
                    .bind(t.requester_id.to_string())
                    .bind(t.created_by.to_string())
                    .bind(t.description.clone())
                    .bind(t.channel.as_str())
                    .bind(t.contact.name.clone())
                    .bind(t.contact.email.clone())
                    .bind(t.contact.phone.clone())
                    .bind(checks_json(t)?)
                    .bind(t.system_info.clone())
                    .bind(t.created_at.timestamp_millis())
                    .bind(sla_policy_version);
                q = bind_state(q, t, h.paused_ms);
            }
            q.execute(&mut *self.tx).await?;
        }
        for id in std::mem::take(&mut held.changed_tickets) {
            let Some(h) = held.tickets.get_mut(&id) else {
                return Err(StoreError::Corrupt(format!(
                    "held ticket {id} went missing"
                )));
            };
            h.write = TicketWrite::None;
            let t = &h.ticket;
            bind_state(sqlx::query(&UPDATE_TICKET), t, h.paused_ms)
                .bind(t.id.to_string())
                .execute(&mut *self.tx)
                .await?;
        }
        let messages = std::mem::take(&mut held.messages);
        held.message_ids.clear();
        let events = std::mem::take(&mut held.events);
        let (backend, now, conn) = (self.backend, self.now, &mut *self.tx);
        insert_rows(
            conn,
            backend,
            "messages (id, ticket_id, author_id, body, visibility, created_at)",
            &messages,
            |q, m| {
                q.bind(m.id.to_string())
                    .bind(m.ticket_id.to_string())
                    .bind(m.author_id.to_string())
                    .bind(m.body.clone())
                    .bind(m.visibility)
                    .bind(now)
            },
        )
        .await?;
        insert_rows(
            conn,
            backend,
            "ticket_events (id, ticket_id, actor_id, kind, staff_only, created_at)",
            &events,
            |q, e| {
                q.bind(e.id.to_string())
                    .bind(e.ticket_id.to_string())
                    .bind(e.actor_id.to_string())
                    .bind(e.kind.clone())
                    .bind(e.staff_only as i64)
                    .bind(now)
            },
        )
        .await
    }

    /// Writes the held rows, then the buffered feed rows and applied-mutation records.
    async fn flush(&mut self) -> Result<(), StoreError> {
        self.write_held().await?;
        let (backend, now, conn) = (self.backend, self.now, &mut *self.tx);
        insert_rows(
            conn,
            backend,
            "changes (seq, ticket_id, org_id, entity_kind, entity_id, staff_only)",
            &self.feed,
            |q, r| {
                q.bind(r.seq)
                    .bind(r.ticket_id.to_string())
                    .bind(r.org_id.to_string())
                    .bind(r.kind.as_str())
                    .bind(r.entity_id.to_string())
                    .bind(r.staff_only as i64)
            },
        )
        .await?;
        let records: Vec<(&Uuid, &AppliedRecord)> = self
            .new_applied
            .iter()
            .filter_map(|id| self.applied.get(id).map(|r| (id, r)))
            .collect();
        insert_rows(
            conn,
            backend,
            "applied_mutations (id, user_id, kind, ticket_id, ticket_number, seq, applied_at)",
            &records,
            |q, (id, r)| {
                q.bind(id.to_string())
                    .bind(r.user_id.to_string())
                    .bind(r.kind)
                    .bind(r.result.ticket_id.to_string())
                    .bind(r.result.ticket_number)
                    .bind(r.result.seq)
                    .bind(now)
            },
        )
        .await
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
        self.held.events.push(HeldEvent {
            id,
            ticket_id: ticket.id,
            actor_id,
            kind: json,
            staff_only,
        });
        self.append_change(ticket, EntityKind::Event, id, staff_only)
            .await
    }

    /// Loads a ticket inside the transaction (the held copy, once read or written).
    pub async fn ticket(&mut self, id: Uuid) -> Result<Option<(Ticket, i64)>, StoreError> {
        if let Some(h) = self.held.tickets.get(&id) {
            return Ok(Some((h.ticket.clone(), h.paused_ms)));
        }
        if self.held.no_ticket.contains(&id) {
            return Ok(None);
        }
        let sql = format!(
            "SELECT {} FROM {} WHERE t.id = $1",
            rows::TICKET_COLUMNS,
            rows::TICKET_FROM
        );
        let row = sqlx::query(&sql)
            .bind(id.to_string())
            .fetch_optional(&mut *self.tx)
            .await?;
        match row.as_ref().map(rows::ticket).transpose()? {
            Some((t, paused)) => {
                self.hold_stored(t.clone(), paused);
                Ok(Some((t, paused)))
            }
            None => {
                self.held.no_ticket.insert(id);
                Ok(None)
            }
        }
    }

    /// Reads the tickets of `ids` that exist in a few statements, and notes the rest as
    /// missing: a batch's mutations then find their tickets in memory.
    pub async fn preload_tickets(&mut self, ids: &[Uuid]) -> Result<(), StoreError> {
        let wanted: Vec<Uuid> = ids
            .iter()
            .filter(|id| !self.held.tickets.contains_key(id) && !self.held.no_ticket.contains(id))
            .copied()
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        for chunk in wanted.chunks(IDS_PER_LOOKUP) {
            let sql = format!(
                "SELECT {} FROM {} WHERE t.id IN ({})",
                rows::TICKET_COLUMNS,
                rows::TICKET_FROM,
                marks(self.backend, chunk.len())
            );
            let mut q = sqlx::query(&sql);
            for id in chunk {
                q = q.bind(id.to_string());
            }
            let mut found = HashSet::new();
            for row in q.fetch_all(&mut *self.tx).await? {
                let (t, paused) = rows::ticket(&row)?;
                found.insert(t.id);
                self.hold_stored(t, paused);
            }
            self.held
                .no_ticket
                .extend(chunk.iter().filter(|id| !found.contains(id)));
        }
        Ok(())
    }

    fn hold_stored(&mut self, ticket: Ticket, paused_ms: i64) {
        self.held.tickets.insert(
            ticket.id,
            HeldTicket {
                ticket,
                paused_ms,
                write: TicketWrite::None,
            },
        );
    }

    /// Holds a new ticket, inserted with the next held rows. The caller checked that no
    /// ticket has its id ([`Writer::ticket`]).
    pub fn insert_ticket(&mut self, ticket: Ticket, sla_policy_version: i64) {
        let id = ticket.id;
        self.held.no_ticket.remove(&id);
        self.held.new_tickets.push(id);
        self.held.tickets.insert(
            id,
            HeldTicket {
                ticket,
                paused_ms: 0,
                write: TicketWrite::Insert { sla_policy_version },
            },
        );
    }

    /// Whether a message has this id (stored, or held in this transaction).
    pub async fn message_exists(&mut self, id: Uuid) -> Result<bool, StoreError> {
        if self.held.message_ids.contains(&id) {
            return Ok(true);
        }
        if self.held.no_message.contains(&id) {
            return Ok(false);
        }
        let found = sqlx::query("SELECT id FROM messages WHERE id = $1")
            .bind(id.to_string())
            .fetch_optional(&mut *self.tx)
            .await?
            .is_some();
        if !found {
            self.held.no_message.insert(id);
        }
        Ok(found)
    }

    /// Notes which of `ids` no stored message has, in a few statements.
    pub async fn preload_messages(&mut self, ids: &[Uuid]) -> Result<(), StoreError> {
        for chunk in ids.chunks(IDS_PER_LOOKUP) {
            let sql = format!(
                "SELECT id FROM messages WHERE id IN ({})",
                marks(self.backend, chunk.len())
            );
            let mut q = sqlx::query(&sql);
            for id in chunk {
                q = q.bind(id.to_string());
            }
            let mut found = HashSet::new();
            for row in q.fetch_all(&mut *self.tx).await? {
                found.insert(rows::uuid(&row, "id")?);
            }
            self.held
                .no_message
                .extend(chunk.iter().filter(|id| !found.contains(id)));
        }
        Ok(())
    }

    /// Holds a new message, inserted with the next held rows. The caller checked that no
    /// message has its id ([`Writer::message_exists`]).
    pub fn insert_message(
        &mut self,
        id: Uuid,
        ticket_id: Uuid,
        author_id: Uuid,
        body: &str,
        visibility: &'static str,
    ) {
        self.held.no_message.remove(&id);
        self.held.message_ids.insert(id);
        self.held.messages.push(HeldMessage {
            id,
            ticket_id,
            author_id,
            body: body.to_owned(),
            visibility,
        });
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
        // Written with the next held rows: a new ticket's insert carries the change.
        let write = match self.held.tickets.get(&t.id).map(|h| h.write) {
            Some(w @ (TicketWrite::Insert { .. } | TicketWrite::Update)) => w,
            _ => {
                self.held.changed_tickets.push(t.id);
                TicketWrite::Update
            }
        };
        self.held.tickets.insert(
            t.id,
            HeldTicket {
                ticket: t.clone(),
                paused_ms,
                write,
            },
        );
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

/// `rows` parenthesised groups of `cols` placeholders, for a multi-row
/// `INSERT … VALUES`: `(?, ?), (?, ?)` on SQLite (bound in order, with no search by
/// name: see [`ROWS_PER_INSERT`]), `($1, $2), ($3, $4)` on PostgreSQL.
fn value_rows(backend: Backend, rows: usize, cols: usize) -> String {
    (0..rows)
        .map(|r| format!("({})", numbered(backend, r * cols, cols)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `n` placeholders for an `IN (…)` list.
fn marks(backend: Backend, n: usize) -> String {
    numbered(backend, 0, n)
}

/// `n` comma-separated placeholders after the first `before`.
fn numbered(backend: Backend, before: usize, n: usize) -> String {
    let mark = |i: usize| match backend {
        Backend::Sqlite => "?".to_owned(),
        Backend::Postgres => format!("${}", before + i),
    };
    (1..=n).map(mark).collect::<Vec<_>>().join(", ")
}

/// The columns of a ticket that change after it is filed, in the order [`bind_state`]
/// binds them.
const TICKET_STATE: [&str; 20] = [
    "title",
    "status",
    "priority",
    "assignee_id",
    "category",
    "tier",
    "first_response_due_at",
    "first_response_at",
    "resolution_due_at",
    "solved_at",
    "sla_paused_at",
    "sla_paused_ms",
    "updated_at",
    "v_title",
    "v_status",
    "v_priority",
    "v_assignee",
    "v_category",
    "v_tier",
    "reopen_until",
];

/// Writes a changed ticket's [`TICKET_STATE`] back (`$N` parameters: one row's 21 bind
/// cheaply).
static UPDATE_TICKET: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    let set: Vec<String> = TICKET_STATE
        .iter()
        .enumerate()
        .map(|(i, column)| format!("{column} = ${}", i + 1))
        .collect();
    format!(
        "UPDATE tickets SET {} WHERE id = ${}",
        set.join(", "),
        TICKET_STATE.len() + 1
    )
});

/// A query over the `Any` driver, as the binding helpers take and give it back.
type AnyQuery<'q> = sqlx::query::Query<'q, Any, sqlx::any::AnyArguments<'q>>;

/// Inserts `items` into `into` (a table and its column list) in multi-row statements of
/// [`ROWS_PER_INSERT`] rows, `bind` binding one item's columns in order.
async fn insert_rows<T>(
    conn: &mut AnyConnection,
    backend: Backend,
    into: &str,
    items: &[T],
    bind: impl for<'q> Fn(AnyQuery<'q>, &T) -> AnyQuery<'q>,
) -> Result<(), StoreError> {
    let cols = into.matches(',').count() + 1;
    for chunk in items.chunks(ROWS_PER_INSERT) {
        let sql = format!(
            "INSERT INTO {into} VALUES {}",
            value_rows(backend, chunk.len(), cols)
        );
        let mut q = sqlx::query(&sql);
        for item in chunk {
            q = bind(q, item);
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

/// Binds a ticket's [`TICKET_STATE`] columns, in order.
fn bind_state<'q>(q: AnyQuery<'q>, t: &Ticket, paused_ms: i64) -> AnyQuery<'q> {
    q.bind(t.title.clone())
        .bind(t.status.as_str())
        .bind(t.priority.as_str())
        .bind(t.assignee_id.map(|a| a.to_string()))
        .bind(t.category.clone())
        // The writer's own copy is whole (never a customer view): always a tier.
        .bind(t.tier.map(i64::from))
        .bind(ms(t.first_response_due_at))
        .bind(ms(t.first_response_at))
        .bind(ms(t.resolution_due_at))
        .bind(ms(t.solved_at))
        .bind(ms(t.sla_paused_at))
        .bind(paused_ms)
        .bind(t.updated_at.timestamp_millis())
        .bind(t.versions.title)
        .bind(t.versions.status)
        .bind(t.versions.priority)
        .bind(t.versions.assignee)
        .bind(t.versions.category)
        .bind(t.versions.tier)
        .bind(ms(t.reopen_until))
}

/// Milliseconds of an optional time, as stored.
fn ms(d: Option<chrono::DateTime<chrono::Utc>>) -> Option<i64> {
    d.map(|d| d.timestamp_millis())
}

/// A ticket's first-line checks, as stored (JSON).
fn checks_json(t: &Ticket) -> Result<String, StoreError> {
    serde_json::to_string(&t.checks).map_err(|e| StoreError::Corrupt(e.to_string()))
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
        assert_eq!(value_rows(Backend::Postgres, 1, 3), "($1, $2, $3)");
        assert_eq!(value_rows(Backend::Postgres, 2, 2), "($1, $2), ($3, $4)");
        assert_eq!(value_rows(Backend::Sqlite, 2, 2), "(?, ?), (?, ?)");
        assert_eq!(marks(Backend::Postgres, 3), "$1, $2, $3");
    }
}
