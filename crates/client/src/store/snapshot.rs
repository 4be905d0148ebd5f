//! Bulk-loading a first-sync snapshot (`crate::snapshot`), and undoing a load that did
//! not finish.
//!
//! - [`Store::begin_snapshot`], one transaction: the server's copies of tickets,
//!   messages and events are discarded — all but those of tickets the outbox names
//!   (queued or rejected changes, a ticket filed offline), which stay exactly as they
//!   are — the secondary indexes of those three tables are dropped (their SQL kept in
//!   `meta`), and the `snapshot_loading` marker is set with cursor 0.
//! - [`Store::load_snapshot_changes`], one transaction per frame (thousands of rows):
//!   tickets, messages, their full-text entries, events and the `alerted` marks go
//!   through SQLite's C API with statements prepared once per frame and reused for
//!   every row. The changes of the few tickets the outbox names are kept aside and
//!   written at the end, through the ordinary pull path (`bulk.rs`), which lays the
//!   queued changes over them: until the load finishes they stay exactly as they were.
//!   Between frames the connection is free: the user can read and file tickets
//!   during a first sync.
//! - [`Store::finish_snapshot`], one transaction: the kept-aside tickets are written,
//!   the indexes are built again from
//!   their kept SQL (one sorted build each instead of a B-tree insert per row), the
//!   marker goes and the cursor becomes the snapshot's.
//! - [`Store::abandon_snapshot`] (after a failure, and at open when the marker is
//!   found: the app was killed mid-load): discards the partial load as `begin` does,
//!   builds the indexes again and clears the marker; the cursor stays 0, so the next
//!   round starts the first sync over. The outbox and every ticket it names are never
//!   touched, so what the user queued before or during the load is sent once.
//!
//! Articles, terms, checklists and the policy are few and written by the pull path's
//! own functions (replacing their stored copies), so a reload simply overwrites them.

use std::collections::{HashMap, HashSet};

use sqlx::SqliteConnection;
use tadhkira_proto::{Change, Entity, Message, Ticket, TicketEvent, User};
use uuid::Uuid;

use super::bulk::{
    mark_alerted, upsert_pulled_events, upsert_pulled_messages, upsert_pulled_tickets,
};
use super::capi::{Stmt, Val};
use super::outbox::pending_for;
use super::tickets::{breach_at, shown_with_copy, tier_column, ts, SERVER_COPY_IS_DATA};
use super::{get_meta, set_meta, Store};
use crate::error::Result;
use crate::normalize::normalize;

/// `meta` key: a snapshot load began and has not finished.
pub(crate) const LOADING_KEY: &str = "snapshot_loading";
/// `meta` key: the indexes dropped for the load, as JSON `[[name, sql], …]`.
const INDEXES_KEY: &str = "snapshot_indexes";
/// The tables whose secondary indexes are built after the load.
const LOADED_TABLES: [&str; 3] = ["tickets", "messages", "events"];

/// The connection's settings while a load runs:
/// - the file read through a memory map, not a `pread` copy per page: building the
///   indexes again reads every row once per index;
/// - a page cache that holds a frame's dirty pages (SQLite's default, 2 MiB, spilled
///   them to the WAL in the middle of the frame's transaction);
/// - a helper thread for the sorts of the index builds.
///
/// [`LOADED`] puts SQLite's defaults back and gives the cache's memory back.
const LOADING: [&str; 3] = [
    "PRAGMA mmap_size = 2147418112",
    "PRAGMA cache_size = -16384",
    "PRAGMA threads = 2",
];
/// The connection's settings once a load is over (SQLite's defaults).
const LOADED: [&str; 4] = [
    "PRAGMA mmap_size = 0",
    "PRAGMA cache_size = -2000",
    "PRAGMA threads = 0",
    "PRAGMA shrink_memory",
];

/// A snapshot load in progress (what one frame needs from the frames before).
#[derive(Debug, Default)]
pub(crate) struct SnapshotLoad {
    /// The rowid of every ticket stored so far, for the search index of messages.
    rid_of: HashMap<Uuid, i64>,
    /// Messages indexed before their ticket arrived (by ticket), to link when it does.
    waiting: HashMap<Uuid, Vec<i64>>,
    /// Changes of the tickets the outbox names, written only by
    /// [`Store::finish_snapshot`]: a load that does not finish leaves them as they were.
    deferred: Vec<Change>,
    /// Changes loaded.
    pub changes: u64,
}

impl Store {
    /// Starts a snapshot load against `epoch` (see the module's documentation).
    pub async fn begin_snapshot(&self, epoch: Uuid) -> Result<SnapshotLoad> {
        let mut tx = self.pool.begin().await?;
        discard_server_copies(&mut tx).await?;
        drop_indexes(&mut tx).await?;
        set_meta(&mut *tx, LOADING_KEY, "1").await?;
        set_meta(&mut *tx, "epoch", &epoch.to_string()).await?;
        set_meta(&mut *tx, "cursor", "0").await?;
        sqlx::query("DELETE FROM meta WHERE key = 'first_sync_done'")
            .execute(&mut *tx)
            .await?;
        let kept: Vec<(String, i64)> = sqlx::query_as("SELECT id, rid FROM tickets")
            .fetch_all(&mut *tx)
            .await?;
        settings(&mut tx, &LOADING).await?;
        tx.commit().await?;
        let mut load = SnapshotLoad::default();
        for (id, rid) in kept {
            if let Ok(id) = Uuid::parse_str(&id) {
                load.rid_of.insert(id, rid);
            }
        }
        Ok(load)
    }

    /// Loads one frame of changes, in one transaction.
    pub async fn load_snapshot_changes(
        &self,
        load: &mut SnapshotLoad,
        changes: &[Change],
        me: &User,
    ) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        let named: HashSet<Uuid> =
            sqlx::query_scalar::<_, String>("SELECT DISTINCT ticket_id FROM outbox")
                .fetch_all(&mut *tx)
                .await?
                .iter()
                .filter_map(|s| Uuid::parse_str(s).ok())
                .collect();
        let mut tickets = Vec::new();
        let (mut messages, mut events) = (Vec::new(), Vec::new());
        let (mut articles, mut withdrawn) = (Vec::new(), Vec::new());
        let (mut terms, mut acceptances, mut checklists) = (Vec::new(), Vec::new(), Vec::new());
        let mut policy = None;
        for c in changes {
            match &c.entity {
                Entity::Ticket(t) if named.contains(&t.id) => load.deferred.push(c.clone()),
                Entity::Message(m) if named.contains(&m.ticket_id) => load.deferred.push(c.clone()),
                Entity::Event(e) if named.contains(&e.ticket_id) => load.deferred.push(c.clone()),
                Entity::Ticket(t) => tickets.push(t),
                Entity::Message(m) => messages.push(m),
                Entity::Event(e) => events.push(e),
                Entity::Article(a) => articles.push(a),
                Entity::ArticleWithdrawn(w) => withdrawn.push(w.id),
                Entity::SupportTerms(t) => terms.push(t),
                Entity::Checklist(c) => checklists.push(c),
                Entity::TermsAccepted(a) => acceptances.push(a),
                // One entity, once in a snapshot (`apply_terms` keeps the newest).
                Entity::ResponsePolicy(p) => policy = Some(p),
            }
        }

        // Everything else: prepared statements through the C API.
        {
            let mut handle = tx.lock_handle().await?;
            let db = handle.as_raw_handle().as_ptr();
            write_rows(db, load, &tickets, &messages, &events, me)?;
        }

        Store::apply_articles(&mut tx, &articles, &withdrawn).await?;
        Store::apply_terms(&mut tx, &terms, &acceptances, &checklists, policy).await?;
        tx.commit().await?;
        load.changes += changes.len() as u64;
        Ok(())
    }

    /// Ends a load: the indexes are built again, the marker goes, the cursor is the
    /// snapshot's (the next pull continues from it).
    pub async fn finish_snapshot(&self, load: &SnapshotLoad, cursor: i64, me: &User) -> Result<()> {
        if !load.waiting.is_empty() {
            tracing::debug!(
                tickets = load.waiting.len(),
                "snapshot messages whose ticket did not come (indexed without it)"
            );
        }
        let mut tx = self.pool.begin().await?;
        write_deferred(&mut tx, &load.deferred, me).await?;
        restore_indexes(&mut tx).await?;
        sqlx::query("DELETE FROM meta WHERE key = ?")
            .bind(LOADING_KEY)
            .execute(&mut *tx)
            .await?;
        set_meta(&mut *tx, "cursor", &cursor.to_string()).await?;
        settings(&mut tx, &LOADED).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Undoes an unfinished load (see the module's documentation). Does nothing
    /// without the marker.
    pub async fn abandon_snapshot(&self) -> Result<()> {
        let mut conn = self.pool.acquire().await?;
        let undone = abandon(&mut conn).await;
        settings(&mut conn, &LOADED).await?;
        undone
    }

    /// Whether a snapshot load is unfinished.
    #[cfg(test)]
    pub async fn snapshot_loading(&self) -> Result<bool> {
        Ok(self.meta(LOADING_KEY).await?.is_some())
    }
}

/// Runs `pragmas` on the connection ([`LOADING`] or [`LOADED`]).
async fn settings(conn: &mut SqliteConnection, pragmas: &[&str]) -> Result<()> {
    for p in pragmas {
        sqlx::query(p).execute(&mut *conn).await?;
    }
    Ok(())
}

/// Writes the changes of the tickets the outbox names through the pull path, which
/// lays the queued changes over each ticket (in the caller's transaction).
async fn write_deferred(conn: &mut SqliteConnection, changes: &[Change], me: &User) -> Result<()> {
    let (mut tickets, mut messages, mut events) = (Vec::new(), Vec::new(), Vec::new());
    for c in changes {
        match &c.entity {
            Entity::Ticket(t) => tickets.push((t, &c.entity)),
            Entity::Message(m) => messages.push(m),
            Entity::Event(e) => events.push(e),
            _ => {}
        }
    }
    let mut shown = Vec::with_capacity(tickets.len());
    for (t, entity) in tickets {
        let pending = pending_for(&mut *conn, t.id).await?;
        shown.push(shown_with_copy(t, entity, &pending, me)?);
    }
    upsert_pulled_tickets(&mut *conn, &shown).await?;
    let new = upsert_pulled_messages(&mut *conn, &messages).await?;
    let others = messages
        .iter()
        .filter(|m| new.contains(&m.id) && m.author_id != me.id)
        .map(|m| m.id);
    mark_alerted(&mut *conn, others).await?;
    upsert_pulled_events(&mut *conn, &events).await?;
    let others = events.iter().filter(|e| e.actor_id != me.id);
    mark_alerted(&mut *conn, others.map(|e| e.id)).await?;
    Ok(())
}

/// [`Store::abandon_snapshot`] on one connection (also run at open).
pub(crate) async fn abandon(conn: &mut SqliteConnection) -> Result<()> {
    let mut tx = sqlx::Connection::begin(&mut *conn).await?;
    if get_meta(&mut *tx, LOADING_KEY).await?.is_none() {
        // Indexes dropped without the marker cannot happen (both in one transaction);
        // put them back anyway if their SQL is kept.
        restore_indexes(&mut tx).await?;
        tx.commit().await?;
        return Ok(());
    }
    tracing::warn!("a snapshot load did not finish; discarding it (the outbox stays)");
    discard_server_copies(&mut tx).await?;
    restore_indexes(&mut tx).await?;
    for key in [LOADING_KEY, "first_sync_done"] {
        sqlx::query("DELETE FROM meta WHERE key = ?")
            .bind(key)
            .execute(&mut *tx)
            .await?;
    }
    set_meta(&mut *tx, "cursor", "0").await?;
    tx.commit().await?;
    Ok(())
}

/// Deletes the server's copies of tickets, messages and events, with their search
/// entries — all but those of the tickets the outbox names.
async fn discard_server_copies(conn: &mut SqliteConnection) -> Result<()> {
    const NAMED: &str = "(SELECT ticket_id FROM outbox)";
    for sql in [
        format!(
            "DELETE FROM alerted WHERE message_id IN \
             (SELECT id FROM messages WHERE ticket_id NOT IN {NAMED})"
        ),
        format!(
            "DELETE FROM alerted WHERE message_id IN \
             (SELECT id FROM events WHERE ticket_id NOT IN {NAMED})"
        ),
        format!(
            "DELETE FROM message_fts WHERE rowid IN \
             (SELECT rid FROM messages WHERE ticket_id NOT IN {NAMED})"
        ),
        format!(
            "DELETE FROM ticket_fts WHERE rowid IN (SELECT rid FROM tickets WHERE id NOT IN {NAMED})"
        ),
        format!("DELETE FROM messages WHERE ticket_id NOT IN {NAMED}"),
        format!("DELETE FROM events WHERE ticket_id NOT IN {NAMED}"),
        format!("DELETE FROM tickets WHERE id NOT IN {NAMED}"),
    ] {
        sqlx::query(&sql).execute(&mut *conn).await?;
    }
    Ok(())
}

/// Drops the secondary indexes of the loaded tables, keeping their SQL in `meta` (in
/// the caller's transaction). Already dropped (a load started over): nothing to do.
async fn drop_indexes(conn: &mut SqliteConnection) -> Result<()> {
    if get_meta(&mut *conn, INDEXES_KEY).await?.is_some() {
        return Ok(());
    }
    let marks = LOADED_TABLES.map(|t| format!("'{t}'")).join(", ");
    // Indexes with SQL: not the automatic ones of UNIQUE columns, which the load needs.
    let indexes: Vec<(String, String)> = sqlx::query_as(&format!(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL \
         AND tbl_name IN ({marks}) ORDER BY name"
    ))
    .fetch_all(&mut *conn)
    .await?;
    set_meta(&mut *conn, INDEXES_KEY, &serde_json::to_string(&indexes)?).await?;
    for (name, _) in &indexes {
        sqlx::query(&format!("DROP INDEX \"{}\"", name.replace('"', "\"\"")))
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// Builds the indexes [`drop_indexes`] dropped (those not there), from their kept SQL.
pub(crate) async fn restore_indexes(conn: &mut SqliteConnection) -> Result<()> {
    let Some(kept) = get_meta(&mut *conn, INDEXES_KEY).await? else {
        return Ok(());
    };
    let indexes: Vec<(String, String)> = serde_json::from_str(&kept)?;
    for (name, sql) in &indexes {
        let there: Option<i64> =
            sqlx::query_scalar("SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = ?")
                .bind(name)
                .fetch_optional(&mut *conn)
                .await?;
        if there.is_none() {
            sqlx::query(sql).execute(&mut *conn).await?;
        }
    }
    sqlx::query("DELETE FROM meta WHERE key = ?")
        .bind(INDEXES_KEY)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Writes tickets (none of them stored yet), messages, events and the `alerted` marks
/// of one frame through `db`, inside the caller's transaction. The rows are the ones
/// the pull path writes (`bulk.rs`); the equivalence test pins that.
fn write_rows(
    db: *mut libsqlite3_sys::sqlite3,
    load: &mut SnapshotLoad,
    tickets: &[&Ticket],
    messages: &[&Message],
    events: &[&TicketEvent],
    me: &User,
) -> Result<()> {
    if !tickets.is_empty() {
        let mut insert = Stmt::prepare(
            db,
            "INSERT INTO tickets (id, number, title, status, priority_rank, channel, tier,
                 assignee_id, requester_id, created_by, updated_at, resolution_due_at,
                 breach_at, data, server_data)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )?;
        let mut index = Stmt::prepare(db, "INSERT INTO ticket_fts (rowid, body) VALUES (?, ?)")?;
        let mut link = Stmt::prepare(db, "UPDATE message_fts SET ticket_rid = ? WHERE rowid = ?")?;
        for t in tickets {
            let data = serde_json::to_string(t)?;
            let (id, assignee) = (t.id.to_string(), t.assignee_id.map(|u| u.to_string()));
            let (requester, creator) = (t.requester_id.to_string(), t.created_by.to_string());
            let (updated, due, breach) =
                (ts(t.updated_at), t.resolution_due_at.map(ts), breach_at(t));
            insert.run(&[
                Val::Text(&id),
                Val::Int(t.number),
                Val::Text(&t.title),
                Val::Text(t.status.as_str()),
                Val::Int(t.priority.rank() as i64),
                Val::Text(t.channel.as_str()),
                Val::Int(tier_column(t)),
                assignee.as_deref().into(),
                Val::Text(&requester),
                Val::Text(&creator),
                Val::Text(&updated),
                due.as_deref().into(),
                breach.as_deref().into(),
                Val::Text(&data),
                // No change of the user's is laid over these tickets.
                Val::Text(SERVER_COPY_IS_DATA),
            ])?;
            let rid = insert.last_rowid();
            let body = normalize(&format!("{}\n{}", t.title, t.description));
            index.run(&[Val::Int(rid), Val::Text(&body)])?;
            load.rid_of.insert(t.id, rid);
            for message_rid in load.waiting.remove(&t.id).unwrap_or_default() {
                link.run(&[Val::Int(rid), Val::Int(message_rid)])?;
            }
        }
    }
    if !messages.is_empty() {
        let mut insert = Stmt::prepare(
            db,
            "INSERT INTO messages (id, ticket_id, author_id, created_at, data) VALUES (?, ?, ?, ?, ?)",
        )?;
        let mut index = Stmt::prepare(
            db,
            "INSERT INTO message_fts (rowid, ticket_rid, body) VALUES (?, ?, ?)",
        )?;
        let mut alerted =
            Stmt::prepare(db, "INSERT OR IGNORE INTO alerted (message_id) VALUES (?)")?;
        for m in messages {
            let (id, ticket) = (m.id.to_string(), m.ticket_id.to_string());
            let (author, at) = (m.author_id.to_string(), ts(m.created_at));
            let data = serde_json::to_string(m)?;
            insert.run(&[
                Val::Text(&id),
                Val::Text(&ticket),
                Val::Text(&author),
                Val::Text(&at),
                Val::Text(&data),
            ])?;
            let rid = insert.last_rowid();
            let ticket_rid = load.rid_of.get(&m.ticket_id).copied();
            if ticket_rid.is_none() {
                load.waiting.entry(m.ticket_id).or_default().push(rid);
            }
            let body = normalize(&m.body);
            index.run(&[
                Val::Int(rid),
                ticket_rid.map_or(Val::Null, Val::Int),
                Val::Text(&body),
            ])?;
            // A first sync alerts about nothing, and what it brings never alerts later.
            if m.author_id != me.id {
                alerted.run(&[Val::Text(&id)])?;
            }
        }
    }
    if !events.is_empty() {
        let mut upsert = Stmt::prepare(
            db,
            "INSERT INTO events (id, ticket_id, created_at, data) VALUES (?, ?, ?, ?)
             ON CONFLICT(id) DO UPDATE SET data = excluded.data, created_at = excluded.created_at",
        )?;
        let mut alerted =
            Stmt::prepare(db, "INSERT OR IGNORE INTO alerted (message_id) VALUES (?)")?;
        for e in events {
            let (id, ticket, at) = (e.id.to_string(), e.ticket_id.to_string(), ts(e.created_at));
            let data = serde_json::to_string(e)?;
            upsert.run(&[
                Val::Text(&id),
                Val::Text(&ticket),
                Val::Text(&at),
                Val::Text(&data),
            ])?;
            // As for messages: events a first sync brings are marked, none alerts.
            if e.actor_id != me.id {
                alerted.run(&[Val::Text(&id)])?;
            }
        }
    }
    Ok(())
}
