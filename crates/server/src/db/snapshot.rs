//! A first sync's snapshot on SQLite, read through SQLite's C API (issue 22).
//!
//! The snapshot (`routes/sync.rs`) is the feed from 0 to the head, each entity once at
//! its current state. Read page by page through sqlx's `Any` rows, a 100k-ticket
//! snapshot spent most of its time in the rows' machinery rather than in SQLite: every
//! value copied by the driver's worker thread, converted again to an `Any` value, sent
//! across threads row by row, each page's entities fetched by `IN` lists of 500. Here
//! one blocking thread opens its own read-only connection to the file and, in ONE read
//! transaction, reads the head, steps the feed's query (the same text as a page's,
//! `feed::feed_sql`) and looks each ticket, message and event up by its id with
//! statements prepared once, mapping them with the same `rows.rs` functions as every
//! other read ([`rows::Cols`]). Each change is serialised once, straight into its frame.
//!
//! One transaction makes the snapshot exactly the state at its head (a page by page
//! read could send an entity at a state newer than the head; that was harmless, and the
//! rarer kinds still may: articles, support terms, checklists, acceptances and the
//! policy are read through the ordinary page path, one feed row at a time, so their
//! audience rules stay in one place).
//!
//! PostgreSQL keeps the page path (`Store::changes_upto`).

use std::ffi::{c_int, CStr, CString};
use std::path::Path;
use std::ptr;

use libsqlite3_sys as ffi;
use tadhkira_proto::{Change, Entity};
use uuid::Uuid;

use super::attachments::{attachment, ATTACHMENT_COLUMNS};
use super::feed::feed_sql;
use super::rows::{self, ColValue, Cols, Native};
use super::visibility::{view_of, Audience};
use super::{Caller, Store, StoreError};

/// The frame's opening: a [`tadhkira_proto::SnapshotFrame::Changes`] as serde writes it.
const FRAME_OPEN: &[u8] = b"{\"changes\":[";
const FRAME_CLOSE: &[u8] = b"]}";

/// A read-only connection of its own, closed when dropped.
struct Conn(*mut ffi::sqlite3);

impl Conn {
    fn open(path: &Path) -> Result<Self, StoreError> {
        let c_path = CString::new(path.as_os_str().as_encoded_bytes())
            .map_err(|e| StoreError::Corrupt(format!("the database path: {e}")))?;
        let mut db = ptr::null_mut();
        // SAFETY: a NUL-terminated path; `db` receives a handle that `Drop` closes (SQLite
        // gives one even when the open fails).
        let rc = unsafe {
            ffi::sqlite3_open_v2(
                c_path.as_ptr(),
                &mut db,
                ffi::SQLITE_OPEN_READONLY | ffi::SQLITE_OPEN_NOMUTEX,
                ptr::null(),
            )
        };
        let conn = Self(db);
        if rc != ffi::SQLITE_OK {
            return Err(conn.error(rc, "opening the database for a snapshot"));
        }
        // The writers hold the file's lock only briefly; a page cache large enough for
        // the lookups' index pages.
        conn.exec("PRAGMA busy_timeout = 10000; PRAGMA cache_size = -65536")?;
        Ok(conn)
    }

    fn exec(&self, sql: &str) -> Result<(), StoreError> {
        let c = CString::new(sql).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        // SAFETY: an open connection and a NUL-terminated statement text; no callback.
        let rc = unsafe {
            ffi::sqlite3_exec(self.0, c.as_ptr(), None, ptr::null_mut(), ptr::null_mut())
        };
        if rc != ffi::SQLITE_OK {
            return Err(self.error(rc, sql));
        }
        Ok(())
    }

    fn error(&self, rc: c_int, what: &str) -> StoreError {
        // SAFETY: the message is a NUL-terminated string the connection owns, copied
        // before any other call on it.
        let msg = unsafe { CStr::from_ptr(ffi::sqlite3_errmsg(self.0)) }.to_string_lossy();
        StoreError::Corrupt(format!("{what}: SQLite error {rc}: {msg}"))
    }
}

impl Drop for Conn {
    fn drop(&mut self) {
        // SAFETY: every statement of this connection borrowed it and is finalized.
        unsafe { ffi::sqlite3_close(self.0) };
    }
}

/// A statement prepared once and stepped for many rows; finalized when dropped. Its
/// current row is read through [`Cols`], by column name.
struct Stmt<'c> {
    conn: &'c Conn,
    stmt: *mut ffi::sqlite3_stmt,
    names: Vec<String>,
}

impl<'c> Stmt<'c> {
    fn prepare(conn: &'c Conn, sql: &str) -> Result<Self, StoreError> {
        let c = CString::new(sql).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let mut stmt = ptr::null_mut();
        // SAFETY: an open connection; `stmt` receives a statement that `Drop` finalizes.
        let rc =
            unsafe { ffi::sqlite3_prepare_v2(conn.0, c.as_ptr(), -1, &mut stmt, ptr::null_mut()) };
        if rc != ffi::SQLITE_OK {
            return Err(conn.error(rc, sql));
        }
        // SAFETY: a prepared statement; each name is copied while it is valid.
        let names = unsafe {
            (0..ffi::sqlite3_column_count(stmt))
                .map(|i| {
                    CStr::from_ptr(ffi::sqlite3_column_name(stmt, i))
                        .to_string_lossy()
                        .into_owned()
                })
                .collect()
        };
        Ok(Self { conn, stmt, names })
    }

    /// Binds `value` to the parameter named `name` (`$1`, `?1`).
    fn bind(&mut self, name: &str, value: Bind<'_>) -> Result<(), StoreError> {
        let c = CString::new(name).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        // SAFETY: a prepared statement; the text is copied by SQLite (SQLITE_TRANSIENT).
        let rc = unsafe {
            let i = ffi::sqlite3_bind_parameter_index(self.stmt, c.as_ptr());
            if i == 0 {
                return Err(StoreError::Corrupt(format!("no parameter {name}")));
            }
            match value {
                Bind::Int(n) => ffi::sqlite3_bind_int64(self.stmt, i, n),
                Bind::Text(s) => ffi::sqlite3_bind_text(
                    self.stmt,
                    i,
                    s.as_ptr().cast(),
                    c_int::try_from(s.len()).map_err(|e| StoreError::Corrupt(e.to_string()))?,
                    ffi::SQLITE_TRANSIENT(),
                ),
            }
        };
        if rc != ffi::SQLITE_OK {
            return Err(self.conn.error(rc, "binding a snapshot query"));
        }
        Ok(())
    }

    /// Runs again from the start, with new bindings to come.
    fn reset(&mut self) {
        // SAFETY: a prepared statement (its last step's error was reported by `step`).
        unsafe { ffi::sqlite3_reset(self.stmt) };
    }

    /// The next row: `false` when there is none.
    fn step(&mut self) -> Result<bool, StoreError> {
        // SAFETY: a prepared statement with every parameter bound.
        match unsafe { ffi::sqlite3_step(self.stmt) } {
            ffi::SQLITE_ROW => Ok(true),
            ffi::SQLITE_DONE => Ok(false),
            rc => Err(self.conn.error(rc, "reading the snapshot")),
        }
    }

    /// Looks `id` up (the statement's one parameter, `?1`): `true` when a row came.
    fn find(&mut self, id: &Uuid) -> Result<bool, StoreError> {
        self.reset();
        let mut buf = Uuid::encode_buffer();
        self.bind("?1", Bind::Text(id.hyphenated().encode_lower(&mut buf)))?;
        self.step()
    }
}

impl Drop for Stmt<'_> {
    fn drop(&mut self) {
        // SAFETY: the statement is not used after this.
        unsafe { ffi::sqlite3_finalize(self.stmt) };
    }
}

impl Cols for Stmt<'_> {
    fn col<T: ColValue>(&self, col: &str) -> Result<T, StoreError> {
        let i = self
            .names
            .iter()
            .position(|n| n == col)
            .ok_or_else(|| StoreError::Corrupt(format!("{col}: no such column")))?;
        let i = i as c_int;
        // SAFETY: the statement is on a row (the caller stepped it and got one) and `i`
        // is one of its columns; the text is read before the next step.
        let value = unsafe {
            match ffi::sqlite3_column_type(self.stmt, i) {
                ffi::SQLITE_NULL => Native::Null,
                ffi::SQLITE_INTEGER => Native::Int(ffi::sqlite3_column_int64(self.stmt, i)),
                ffi::SQLITE_TEXT => {
                    let p = ffi::sqlite3_column_text(self.stmt, i);
                    let n = ffi::sqlite3_column_bytes(self.stmt, i) as usize;
                    let bytes = if p.is_null() {
                        &[][..]
                    } else {
                        std::slice::from_raw_parts(p, n)
                    };
                    Native::Text(
                        std::str::from_utf8(bytes)
                            .map_err(|e| StoreError::Corrupt(format!("{col}: {e}")))?,
                    )
                }
                other => {
                    return Err(StoreError::Corrupt(format!(
                        "{col}: an SQLite value of type {other}"
                    )))
                }
            }
        };
        T::from_native(value)
            .ok_or_else(|| StoreError::Corrupt(format!("{col}: not of the expected type")))
    }
}

enum Bind<'a> {
    Int(i64),
    Text(&'a str),
}

/// The files on an entity (`stmt` selects them by owner, `?1`), in their order.
fn files(stmt: &mut Stmt<'_>, owner: &Uuid) -> Result<Vec<tadhkira_proto::Attachment>, StoreError> {
    let mut out = Vec::new();
    let mut more = stmt.find(owner)?;
    while more {
        out.push(attachment(stmt)?);
        more = stmt.step()?;
    }
    Ok(out)
}

impl Store {
    /// The SQLite file the store is on (`None` on PostgreSQL, or for a database that is
    /// not a file).
    pub fn sqlite_file(&self) -> Option<&Path> {
        self.sqlite_file.as_deref()
    }

    /// Reads the snapshot of what `caller` may see from the SQLite file at `path`, on
    /// the calling thread, which must be allowed to block (the rarer kinds are read
    /// through `runtime`): `head` gets the feed's head first, then `frame` each frame's
    /// JSON (a [`tadhkira_proto::SnapshotFrame::Changes`] of about `frame_bytes`) and
    /// the number of changes in it. Answers how many changes were sent; an error of a
    /// callback stops the read and is answered.
    pub fn read_snapshot(
        &self,
        path: &Path,
        caller: &Caller,
        frame_bytes: usize,
        runtime: &tokio::runtime::Handle,
        head: &mut dyn FnMut(i64) -> std::io::Result<()>,
        frame: &mut dyn FnMut(&[u8], u64) -> std::io::Result<()>,
    ) -> std::io::Result<u64> {
        let audience = Audience::of(caller);
        let conn = Conn::open(path).map_err(io)?;
        // One read transaction: the head and every row read below are one state.
        conn.exec("BEGIN").map_err(io)?;
        let top = {
            let mut s = Stmt::prepare(&conn, "SELECT value FROM counters WHERE name = 'seq'")
                .map_err(io)?;
            if !s.step().map_err(io)? {
                return Err(io(StoreError::Corrupt("no seq counter".into())));
            }
            s.col::<i64>("value").map_err(io)?
        };
        head(top)?;
        let mut q = Queries::prepare(&conn, audience, top).map_err(io)?;
        let mut frames = Frames::new(frame_bytes);
        while q.feed.step().map_err(io)? {
            let seq: i64 = q.feed.col("seq").map_err(io)?;
            let kind: String = q.feed.col("entity_kind").map_err(io)?;
            let id = rows::uuid(&q.feed, "entity_id").map_err(io)?;
            let entity = match kind.as_str() {
                "ticket" | "message" | "event" => q.entity(audience, &kind, &id).map_err(io)?,
                // The rarer kinds, through the page path: that one feed row.
                _ => runtime
                    .block_on(self.changes_upto(caller, seq - 1, seq, 1, usize::MAX))
                    .map_err(io)?
                    .changes
                    .into_iter()
                    .next()
                    .map(|c| c.entity),
            };
            if let Some(entity) = entity {
                frames.add(&Change { seq, entity }, frame)?;
            }
        }
        frames.finish(frame)
    }
}

fn io(e: StoreError) -> std::io::Error {
    std::io::Error::other(e)
}

/// The snapshot's statements, prepared once.
struct Queries<'c> {
    /// The feed from 0 to the head, stepped once.
    feed: Stmt<'c>,
    ticket: Stmt<'c>,
    message: Stmt<'c>,
    event: Stmt<'c>,
    ticket_files: Stmt<'c>,
    message_files: Stmt<'c>,
}

impl<'c> Queries<'c> {
    fn prepare(conn: &'c Conn, audience: Audience, head: i64) -> Result<Self, StoreError> {
        let (sql, binds) = feed_sql(audience);
        let mut feed = Stmt::prepare(conn, &sql)?;
        feed.bind("$1", Bind::Int(0))?;
        feed.bind("$2", Bind::Int(head))?;
        feed.bind("$3", Bind::Int(i64::MAX))?;
        for (i, b) in binds.iter().enumerate() {
            feed.bind(&format!("${}", i + 4), Bind::Text(b))?;
        }
        let files_of = |owner: &str, only: &str| {
            format!(
                "SELECT {ATTACHMENT_COLUMNS} FROM attachments a \
                 WHERE a.{owner} = ?1{only} ORDER BY a.position"
            )
        };
        Ok(Self {
            feed,
            ticket: Stmt::prepare(
                conn,
                &format!(
                    "SELECT {} FROM {} WHERE t.id = ?1",
                    rows::TICKET_COLUMNS,
                    rows::TICKET_FROM
                ),
            )?,
            message: Stmt::prepare(conn, &format!("{} WHERE m.id = ?1", rows::MESSAGE_SELECT))?,
            event: Stmt::prepare(conn, &format!("{} WHERE e.id = ?1", rows::EVENT_SELECT))?,
            ticket_files: Stmt::prepare(conn, &files_of("ticket_id", " AND a.message_id IS NULL"))?,
            message_files: Stmt::prepare(conn, &files_of("message_id", ""))?,
        })
    }

    /// A ticket, message or event at its current state, with its files, as `audience`
    /// sees it; `None` when it is not there (as a page skips it).
    fn entity(
        &mut self,
        audience: Audience,
        kind: &str,
        id: &Uuid,
    ) -> Result<Option<Entity>, StoreError> {
        Ok(match kind {
            "ticket" if self.ticket.find(id)? => {
                let (mut t, _) = rows::ticket(&self.ticket)?;
                t.attachments = files(&mut self.ticket_files, id)?;
                Some(Entity::Ticket(view_of(audience, t)))
            }
            "message" if self.message.find(id)? => {
                let mut m = rows::message(&self.message)?;
                m.attachments = files(&mut self.message_files, id)?;
                Some(Entity::Message(m))
            }
            "event" if self.event.find(id)? => Some(Entity::Event(rows::event(&self.event)?)),
            _ => None,
        })
    }
}

/// Changes serialised once each, straight into the frame they go in.
struct Frames {
    buf: Vec<u8>,
    bytes: usize,
    in_frame: u64,
    sent: u64,
}

impl Frames {
    fn new(bytes: usize) -> Self {
        let mut buf = Vec::with_capacity(bytes + (64 << 10));
        buf.extend_from_slice(FRAME_OPEN);
        Self {
            buf,
            bytes,
            in_frame: 0,
            sent: 0,
        }
    }

    fn add(
        &mut self,
        change: &Change,
        frame: &mut dyn FnMut(&[u8], u64) -> std::io::Result<()>,
    ) -> std::io::Result<()> {
        if self.in_frame > 0 {
            self.buf.push(b',');
        }
        serde_json::to_writer(&mut self.buf, change)?;
        self.in_frame += 1;
        self.sent += 1;
        if self.buf.len() >= self.bytes {
            self.flush(frame)?;
        }
        Ok(())
    }

    fn flush(
        &mut self,
        frame: &mut dyn FnMut(&[u8], u64) -> std::io::Result<()>,
    ) -> std::io::Result<()> {
        self.buf.extend_from_slice(FRAME_CLOSE);
        frame(&self.buf, self.in_frame)?;
        self.buf.clear();
        self.buf.extend_from_slice(FRAME_OPEN);
        self.in_frame = 0;
        Ok(())
    }

    /// Sends the last frame; answers how many changes all frames carried.
    fn finish(
        mut self,
        frame: &mut dyn FnMut(&[u8], u64) -> std::io::Result<()>,
    ) -> std::io::Result<u64> {
        if self.in_frame > 0 {
            self.flush(frame)?;
        }
        Ok(self.sent)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tadhkira_proto::SnapshotFrame;

    #[test]
    fn frames_are_the_changes_frame_serde_writes() {
        let change = |seq| Change {
            seq,
            entity: Entity::ArticleWithdrawn(tadhkira_proto::ArticleWithdrawn { id: Uuid::nil() }),
        };
        let mut got = Vec::new();
        let mut frames = Frames::new(150);
        for seq in 1..=5 {
            frames
                .add(&change(seq), &mut |f, n| {
                    got.push((f.to_vec(), n));
                    Ok(())
                })
                .unwrap();
        }
        let sent = frames
            .finish(&mut |f, n| {
                got.push((f.to_vec(), n));
                Ok(())
            })
            .unwrap();
        assert_eq!(sent, 5);
        assert!(got.len() > 1, "the byte bound splits them: {}", got.len());
        let mut seq = 1;
        for (json, n) in got {
            let want: Vec<Change> = (seq..seq + n as i64).map(change).collect();
            seq += n as i64;
            assert_eq!(
                json,
                serde_json::to_vec(&SnapshotFrame::Changes(want)).unwrap()
            );
        }
        assert_eq!(seq, 6);
    }
}
