//! The floors the initial pull is measured against, both taken in the same run:
//!
//! - **SQLite**: the very rows a pull wrote (tickets with their JSON and the server's
//!   copy, messages, events, both full-text indexes) written again into a fresh file
//!   with the same schema — the client's own migrations, so the same indexes and FTS5
//!   tables — through SQLite's C API: each statement prepared once and reused, one
//!   transaction, the store's pragmas. No server, no network, no JSON encoding, no
//!   async hops. What SQLite itself needs on this machine for what the pull stores.
//! - **Network**: the bytes the pull's answers carried, sent over a plain loopback
//!   HTTP/1.1 connection in pages of the same size.
//!
//! The C API is reached through sqlx's own connection (`lock_handle`), so the one
//! libsqlite3 in the build serves both; this is a yardstick, not product code.

use std::ffi::{c_int, CString};
use std::path::{Path, PathBuf};
use std::ptr::{self, NonNull};
use std::str::FromStr;
use std::time::Instant;

use anyhow::{bail, Context, Result};
use libsqlite3_sys as ffi;
use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection, SqliteJournalMode, SqliteSynchronous};
use sqlx::{Connection, Row};

/// A value to bind.
enum Val {
    Int(i64),
    Text(String),
    Null,
}

impl Val {
    fn text(s: Option<String>) -> Val {
        s.map_or(Val::Null, Val::Text)
    }
}

/// One table's rows, read back from the pulled store.
struct Rows {
    insert: &'static str,
    rows: Vec<Vec<Val>>,
}

/// The store the engine wrote under `data_dir` (`…/<account>/local.db`).
pub fn find_store(data_dir: &Path) -> Result<PathBuf> {
    let mut stack = vec![data_dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir)? {
            let path = entry?.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.file_name().is_some_and(|n| n == "local.db") {
                return Ok(path);
            }
        }
    }
    bail!("no local.db under {}", data_dir.display())
}

/// Reads what the pull stored; the statements write it back with the same rowids, so
/// the index rows keep pointing at their tickets and messages.
async fn read_pulled(store: &Path) -> Result<Vec<Rows>> {
    let opts = SqliteConnectOptions::from_str("sqlite://")?
        .filename(store)
        .read_only(true);
    let mut conn = SqliteConnection::connect_with(&opts).await?;
    let s = |row: &sqlx::sqlite::SqliteRow, i: usize| -> Result<Val> {
        Ok(Val::text(row.try_get::<Option<String>, _>(i)?))
    };
    let n = |row: &sqlx::sqlite::SqliteRow, i: usize| -> Result<Val> {
        Ok(match row.try_get::<Option<i64>, _>(i)? {
            Some(v) => Val::Int(v),
            None => Val::Null,
        })
    };
    let mut tables = Vec::new();

    let mut rows = Vec::new();
    for row in sqlx::query(
        "SELECT rid, id, number, title, status, priority_rank, channel, tier, assignee_id,
             requester_id, created_by, updated_at, resolution_due_at, breach_at, data,
             server_data FROM tickets ORDER BY rid",
    )
    .fetch_all(&mut conn)
    .await?
    {
        let mut r = Vec::with_capacity(16);
        for i in 0..16 {
            r.push(match i {
                0 | 2 | 5 | 7 => n(&row, i)?,
                _ => s(&row, i)?,
            });
        }
        rows.push(r);
    }
    tables.push(Rows {
        insert: "INSERT INTO tickets (rid, id, number, title, status, priority_rank, channel,
             tier, assignee_id, requester_id, created_by, updated_at, resolution_due_at,
             breach_at, data, server_data) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        rows,
    });

    let mut rows = Vec::new();
    for row in sqlx::query("SELECT rowid, body FROM ticket_fts ORDER BY rowid")
        .fetch_all(&mut conn)
        .await?
    {
        rows.push(vec![n(&row, 0)?, s(&row, 1)?]);
    }
    tables.push(Rows {
        insert: "INSERT INTO ticket_fts (rowid, body) VALUES (?, ?)",
        rows,
    });

    let mut rows = Vec::new();
    for row in sqlx::query(
        "SELECT rid, id, ticket_id, author_id, created_at, data FROM messages ORDER BY rid",
    )
    .fetch_all(&mut conn)
    .await?
    {
        rows.push(vec![
            n(&row, 0)?,
            s(&row, 1)?,
            s(&row, 2)?,
            s(&row, 3)?,
            s(&row, 4)?,
            s(&row, 5)?,
        ]);
    }
    tables.push(Rows {
        insert: "INSERT INTO messages (rid, id, ticket_id, author_id, created_at, data)
             VALUES (?, ?, ?, ?, ?, ?)",
        rows,
    });

    let mut rows = Vec::new();
    for row in sqlx::query("SELECT rowid, ticket_rid, body FROM message_fts ORDER BY rowid")
        .fetch_all(&mut conn)
        .await?
    {
        rows.push(vec![n(&row, 0)?, n(&row, 1)?, s(&row, 2)?]);
    }
    tables.push(Rows {
        insert: "INSERT INTO message_fts (rowid, ticket_rid, body) VALUES (?, ?, ?)",
        rows,
    });

    let mut rows = Vec::new();
    for row in sqlx::query("SELECT rid, id, ticket_id, created_at, data FROM events ORDER BY rid")
        .fetch_all(&mut conn)
        .await?
    {
        rows.push(vec![
            n(&row, 0)?,
            s(&row, 1)?,
            s(&row, 2)?,
            s(&row, 3)?,
            s(&row, 4)?,
        ]);
    }
    tables.push(Rows {
        insert: "INSERT INTO events (rid, id, ticket_id, created_at, data) VALUES (?, ?, ?, ?, ?)",
        rows,
    });
    conn.close().await?;
    Ok(tables)
}

/// An SQLite result code as an error with the connection's message.
fn check(db: *mut ffi::sqlite3, rc: c_int, what: &str) -> Result<()> {
    if rc == ffi::SQLITE_OK || rc == ffi::SQLITE_DONE || rc == ffi::SQLITE_ROW {
        return Ok(());
    }
    // SAFETY: `db` is an open connection; the message is a NUL-terminated string it owns.
    let msg = unsafe { std::ffi::CStr::from_ptr(ffi::sqlite3_errmsg(db)) };
    bail!("{what}: SQLite error {rc}: {}", msg.to_string_lossy())
}

/// Runs `sql` (no parameters, no rows) on `db`.
fn exec(db: *mut ffi::sqlite3, sql: &str) -> Result<()> {
    let sql = CString::new(sql)?;
    // SAFETY: `db` is open and `sql` NUL-terminated; no callback.
    let rc = unsafe { ffi::sqlite3_exec(db, sql.as_ptr(), None, ptr::null_mut(), ptr::null_mut()) };
    check(db, rc, "exec")
}

/// Writes `tables` into `db` in one transaction, each insert prepared once; answers the
/// seconds it took.
fn write_all(db: NonNull<ffi::sqlite3>, tables: &[Rows]) -> Result<f64> {
    let db = db.as_ptr();
    let start = Instant::now();
    exec(db, "BEGIN")?;
    for table in tables {
        let sql = CString::new(table.insert)?;
        let mut stmt: *mut ffi::sqlite3_stmt = ptr::null_mut();
        // SAFETY: `db` is open; `stmt` receives a statement finalized below.
        let rc =
            unsafe { ffi::sqlite3_prepare_v2(db, sql.as_ptr(), -1, &mut stmt, ptr::null_mut()) };
        check(db, rc, table.insert)?;
        let result = (|| -> Result<()> {
            for row in &table.rows {
                for (i, v) in row.iter().enumerate() {
                    let at = i as c_int + 1;
                    // SAFETY: `stmt` is a live statement with `row.len()` parameters;
                    // SQLITE_TRANSIENT makes SQLite copy the text before we drop it.
                    let rc = unsafe {
                        match v {
                            Val::Int(n) => ffi::sqlite3_bind_int64(stmt, at, *n),
                            Val::Null => ffi::sqlite3_bind_null(stmt, at),
                            Val::Text(s) => ffi::sqlite3_bind_text(
                                stmt,
                                at,
                                s.as_ptr().cast(),
                                s.len() as c_int,
                                ffi::SQLITE_TRANSIENT(),
                            ),
                        }
                    };
                    check(db, rc, "bind")?;
                }
                // SAFETY: as above; reset readies the statement for the next row.
                let rc = unsafe { ffi::sqlite3_step(stmt) };
                check(db, rc, table.insert)?;
                // SAFETY: as above.
                unsafe { ffi::sqlite3_reset(stmt) };
            }
            Ok(())
        })();
        // SAFETY: `stmt` came from prepare and is not used after this.
        unsafe { ffi::sqlite3_finalize(stmt) };
        result?;
    }
    exec(db, "COMMIT")?;
    Ok(start.elapsed().as_secs_f64())
}

/// The SQLite floor: the rows of the pulled store at `pulled`, written through the C
/// API into a fresh store with the client's schema; answers tickets per second.
pub async fn sqlite_floor(pulled: &Path) -> Result<f64> {
    let tables = read_pulled(pulled).await?;
    let tickets = tables[0].rows.len();
    anyhow::ensure!(tickets > 0, "the pulled store has no tickets");
    let dir = tempfile::tempdir()?;
    // The store's own options (see the client's `Store::open`).
    let opts = SqliteConnectOptions::from_str("sqlite://")?
        .filename(dir.path().join("floor.db"))
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .foreign_keys(true);
    let mut conn = SqliteConnection::connect_with(&opts).await?;
    sqlx::migrate!("../client/migrations")
        .run_direct(&mut conn)
        .await
        .context("the client's migrations")?;
    let secs = {
        let mut handle = conn.lock_handle().await?;
        write_all(handle.as_raw_handle(), &tables)?
    };
    let written: i64 = sqlx::query_scalar("SELECT count(*) FROM tickets")
        .fetch_one(&mut conn)
        .await?;
    anyhow::ensure!(
        written as usize == tickets,
        "the floor wrote {written} of {tickets} tickets"
    );
    conn.close().await?;
    Ok(tickets as f64 / secs)
}

/// The pull's answers as the server sends them to `token`, page by page as the engine
/// asks for them, not applied; answers the bodies and the seconds the server took.
pub async fn fetch_pages(url: &str, token: &str, page: i64) -> Result<(Vec<Vec<u8>>, f64)> {
    let http = reqwest::Client::new();
    let mut pages = Vec::new();
    let mut cursor = 0i64;
    let start = Instant::now();
    loop {
        let body = http
            .get(format!("{url}/api/v1/sync/pull"))
            .query(&[("cursor", cursor), ("limit", page)])
            .bearer_auth(token)
            .send()
            .await?
            .error_for_status()?
            .bytes()
            .await?;
        #[derive(serde::Deserialize)]
        struct Head {
            cursor: i64,
            has_more: bool,
        }
        let head: Head = serde_json::from_slice(&body)?;
        pages.push(body.to_vec());
        cursor = head.cursor;
        if !head.has_more {
            break;
        }
    }
    Ok((pages, start.elapsed().as_secs_f64()))
}

/// The first sync's snapshot (`GET /api/v1/sync/snapshot`) read whole and not applied:
/// what the server alone takes to build and send it; seconds.
pub async fn fetch_snapshot(url: &str, token: &str) -> Result<f64> {
    let start = Instant::now();
    let body = reqwest::Client::new()
        .get(format!("{url}/api/v1/sync/snapshot"))
        .bearer_auth(token)
        .send()
        .await?
        .error_for_status()?
        .bytes()
        .await?;
    anyhow::ensure!(!body.is_empty(), "an empty snapshot");
    Ok(start.elapsed().as_secs_f64())
}

/// The network floor: `pages` served by a bare HTTP/1.1 server on loopback (no
/// framework, no database, the bytes ready in memory) and read by reqwest one page
/// after the other, as the engine reads them; seconds.
pub async fn loopback_transfer(pages: Vec<Vec<u8>>) -> Result<f64> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let count = pages.len();
    let pages = std::sync::Arc::new(pages);
    let server = tokio::spawn(async move {
        loop {
            let Ok((sock, _)) = listener.accept().await else {
                break;
            };
            tokio::spawn(serve_pages(sock, pages.clone()));
        }
    });
    let http = reqwest::Client::new();
    let start = Instant::now();
    for i in 0..count {
        let body = http
            .get(format!("http://{addr}/page/{i}"))
            .send()
            .await?
            .error_for_status()?
            .bytes()
            .await?;
        anyhow::ensure!(!body.is_empty(), "page {i} came back empty");
    }
    let secs = start.elapsed().as_secs_f64();
    server.abort();
    Ok(secs)
}

/// Answers `GET /page/N` with page N on one connection until the client closes it.
async fn serve_pages(
    mut sock: tokio::net::TcpStream,
    pages: std::sync::Arc<Vec<Vec<u8>>>,
) -> Result<()> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    sock.set_nodelay(true)?;
    let mut buf = vec![0u8; 64 * 1024];
    let mut pending: Vec<u8> = Vec::new();
    loop {
        // One request: up to the blank line that ends its head.
        let head = loop {
            if let Some(end) = pending.windows(4).position(|w| w == b"\r\n\r\n") {
                let head = String::from_utf8_lossy(&pending[..end]).into_owned();
                pending.drain(..end + 4);
                break head;
            }
            let n = sock.read(&mut buf).await?;
            if n == 0 {
                return Ok(());
            }
            pending.extend_from_slice(&buf[..n]);
        };
        let page = head
            .split_whitespace()
            .nth(1)
            .and_then(|path| path.strip_prefix("/page/"))
            .and_then(|i| i.parse::<usize>().ok())
            .and_then(|i| pages.get(i));
        match page {
            Some(page) => {
                let head = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
                    page.len()
                );
                sock.write_all(head.as_bytes()).await?;
                sock.write_all(page).await?;
            }
            None => {
                sock.write_all(b"HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n")
                    .await?;
            }
        }
    }
}
