//! A damaged local database at start (issue 21). The store is only a copy of the
//! server's data plus the outbox, so a file SQLite cannot read is not the end: it is
//! kept aside (`local.db.damaged-<time>`, with its `-wal`), a fresh database takes its
//! place (the next sync downloads everything again), and a salvage pass reads every
//! outbox entry it still can from the kept copy and queues it again under its own
//! mutation id — so a change the server already applied is answered `duplicate`, never
//! applied twice. What could not be read is listed in the [`StoreRecovery`] report,
//! which stays in the new store until the user dismisses it.
//!
//! What counts as damage: SQLite answering "corrupt" or "not a database" while opening
//! or migrating, a header that promises more pages than the file holds (a truncated
//! copy), and a failed `PRAGMA quick_check` (run at start for files up to
//! [`QUICK_CHECK_MAX_BYTES`]; larger files get the cheaper header and outbox checks, so
//! a start with 100k tickets stays fast). Anything else (a full disk, a locked file, a
//! database from a newer version) is an ordinary error: it is not the file's fault, and
//! moving the file aside would lose nothing but help nobody.

use std::path::{Path, PathBuf};

use chrono::Utc;
use sqlx::sqlite::{SqliteConnectOptions, SqliteRow};
use sqlx::{ConnectOptions, Connection, Row, SqliteConnection};
use tadhkira_proto::Mutation;
use uuid::Uuid;

use super::Store;
use crate::error::{EngineError, Result};
use crate::model::StoreRecovery;

/// Files up to this size get a full `PRAGMA quick_check` at start (a few ms per MiB).
pub(crate) const QUICK_CHECK_MAX_BYTES: u64 = 64 << 20;

/// How many outbox positions the salvage pass probes one by one when the outbox's
/// table cannot be read in one go (the newest ones: old positions were answered).
const PROBE_LIMIT: i64 = 200_000;

/// The `meta` key of the recovery report.
const RECOVERY_KEY: &str = "store_recovery";

/// Why a store did not open.
#[derive(Debug)]
pub(crate) enum Opening {
    /// SQLite says the file is corrupt, or not a database at all.
    Damaged(String),
    /// Any other failure.
    Other(EngineError),
}

impl Opening {
    /// Sorts a SQLite error: `SQLITE_CORRUPT` (11) and `SQLITE_NOTADB` (26), in any of
    /// their extended forms, are damage.
    pub(crate) fn classify(e: sqlx::Error) -> Opening {
        if is_damage(&e) {
            Opening::Damaged(e.to_string())
        } else {
            Opening::Other(e.into())
        }
    }

    pub(crate) fn into_error(self) -> EngineError {
        match self {
            Opening::Damaged(m) => EngineError::Storage(m),
            Opening::Other(e) => e,
        }
    }
}

fn is_damage(e: &sqlx::Error) -> bool {
    let sqlx::Error::Database(d) = e else {
        return false;
    };
    d.code()
        .and_then(|c| c.parse::<i32>().ok())
        .is_some_and(|c| matches!(c & 0xff, 11 | 26))
}

/// What the header of a SQLite file says is wrong with it, if anything: not a SQLite
/// file, or fewer bytes than the pages it counts (a truncated copy). An empty or
/// missing file is fine (SQLite makes a new database).
pub(crate) fn header_damage(path: &Path) -> std::io::Result<Option<String>> {
    use std::io::Read;
    let mut f = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    let len = f.metadata()?.len();
    if len == 0 {
        return Ok(None);
    }
    let mut header = [0u8; 100];
    let mut read = 0;
    while read < header.len() {
        match f.read(&mut header[read..])? {
            0 => break,
            n => read += n,
        }
    }
    if read < header.len() || &header[..16] != b"SQLite format 3\0" {
        return Ok(Some(format!(
            "the file is not a SQLite database ({len} bytes, no valid header)"
        )));
    }
    let page_size = match u16::from_be_bytes([header[16], header[17]]) {
        1 => 65_536u64,
        n => u64::from(n),
    };
    let pages = u64::from(u32::from_be_bytes([
        header[28], header[29], header[30], header[31],
    ]));
    // The page count is only valid when the change counter matches the version it was
    // written with (older writers left it stale).
    let valid = header[24..28] == header[92..96];
    if valid && pages > 0 && len < pages * page_size {
        return Ok(Some(format!(
            "the file is truncated: {len} bytes, its header counts {pages} pages of {page_size} bytes"
        )));
    }
    Ok(None)
}

impl Store {
    /// Opens the account's database like [`Store::open`]; when the file is damaged,
    /// keeps it aside, opens a fresh one and salvages its outbox into it. Answers the
    /// store and, after a recovery, its report (also kept in the store's `meta`).
    pub async fn open_or_recover(path: &Path) -> Result<(Store, Option<StoreRecovery>)> {
        let damage = match header_damage(path)? {
            Some(reason) => Some(reason),
            None => match Store::open_classified(path).await {
                Ok(store) => match store.startup_check(path).await {
                    Ok(None) => return Ok((store, None)),
                    Ok(Some(reason)) => {
                        store.close().await;
                        Some(reason)
                    }
                    Err(e) => {
                        store.close().await;
                        return Err(e);
                    }
                },
                Err(Opening::Damaged(reason)) => Some(reason),
                Err(Opening::Other(e)) => return Err(e),
            },
        };
        let reason = damage.unwrap_or_default();
        tracing::error!(path = %path.display(), %reason, "local database damaged; rebuilding it");
        let report = recover(path, reason).await?;
        let store = Store::open(path).await?;
        Ok((store, Some(report)))
    }

    /// The checks a freshly opened store gets: its outbox must read, and a file of
    /// modest size must pass `PRAGMA quick_check`. `Some(reason)` when damaged.
    async fn startup_check(&self, path: &Path) -> Result<Option<String>> {
        if let Err(e) = sqlx::query("SELECT * FROM outbox")
            .fetch_all(&self.pool)
            .await
        {
            return match Opening::classify(e) {
                Opening::Damaged(m) => Ok(Some(m)),
                Opening::Other(e) => Err(e),
            };
        }
        let size = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
        if size > QUICK_CHECK_MAX_BYTES {
            return Ok(None);
        }
        match sqlx::query_scalar::<_, String>("PRAGMA quick_check")
            .fetch_all(&self.pool)
            .await
        {
            Ok(lines) if lines.len() == 1 && lines[0] == "ok" => Ok(None),
            Ok(lines) => Ok(Some(format!("quick_check: {}", lines.join("; ")))),
            Err(e) => match Opening::classify(e) {
                Opening::Damaged(m) => Ok(Some(m)),
                Opening::Other(e) => Err(e),
            },
        }
    }

    /// The report of the last recovery, until dismissed.
    pub async fn store_recovery(&self) -> Result<Option<StoreRecovery>> {
        match self.meta(RECOVERY_KEY).await? {
            Some(json) => Ok(Some(serde_json::from_str(&json)?)),
            None => Ok(None),
        }
    }

    /// Forgets the recovery report (the user read it). The kept copy stays on disk.
    pub async fn dismiss_store_recovery(&self) -> Result<()> {
        sqlx::query("DELETE FROM meta WHERE key = ?")
            .bind(RECOVERY_KEY)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}

/// One outbox entry read back from a damaged file.
struct Salvaged {
    id: Uuid,
    ticket_id: Uuid,
    mutation: Mutation,
    state: String,
    error_code: Option<String>,
    error_message: Option<String>,
    depends_on: Option<String>,
    created_at: String,
}

/// Moves the damaged file aside, salvages its outbox into a fresh database at `path`,
/// and records the report there.
async fn recover(path: &Path, reason: String) -> Result<StoreRecovery> {
    let at = Utc::now();
    let kept = path.with_file_name(format!(
        "{}.damaged-{}",
        path.file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "local.db".into()),
        at.format("%Y%m%dT%H%M%S%.3fZ")
    ));
    // The WAL belongs to the damaged file: it moves with it (it may hold the newest
    // outbox entries, and left behind it would be replayed into the fresh database).
    std::fs::rename(path, &kept)?;
    for suffix in ["-wal", "-shm"] {
        let from = sidecar(path, suffix);
        if from.exists() {
            std::fs::rename(&from, sidecar(&kept, suffix))?;
        }
    }
    let (entries, unreadable) = salvage(&kept).await;
    let store = Store::open(path).await?;
    let report = StoreRecovery {
        at,
        reason,
        kept_copy: kept.display().to_string(),
        salvaged: entries.len() as u32,
        unreadable,
    };
    let written = async {
        let mut tx = store.pool.begin().await?;
        for e in &entries {
            sqlx::query(
                "INSERT INTO outbox (id, ticket_id, kind, mutation, state, error_code,
                     error_message, depends_on, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            )
            .bind(e.id.to_string())
            .bind(e.ticket_id.to_string())
            .bind(e.mutation.kind())
            .bind(serde_json::to_string(&e.mutation)?)
            .bind(&e.state)
            .bind(&e.error_code)
            .bind(&e.error_message)
            .bind(&e.depends_on)
            .bind(&e.created_at)
            .execute(&mut *tx)
            .await?;
        }
        super::set_meta(&mut *tx, RECOVERY_KEY, &serde_json::to_string(&report)?).await?;
        tx.commit().await?;
        Ok::<_, EngineError>(())
    }
    .await;
    store.close().await;
    written?;
    Ok(report)
}

pub(crate) fn sidecar(path: &Path, suffix: &str) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

const COLUMNS: &str =
    "seq, id, ticket_id, kind, mutation, state, error_code, error_message, depends_on, created_at";

/// Reads every outbox entry it can from the damaged file: the whole table at once
/// when that works, else each position on its own, newest first, within
/// [`PROBE_LIMIT`]. Answers the entries in their order and a description of each
/// entry (or range) it could not read.
async fn salvage(kept: &Path) -> (Vec<Salvaged>, Vec<String>) {
    let mut unreadable = Vec::new();
    let opts = SqliteConnectOptions::new().filename(kept).read_only(true);
    let mut conn = match opts.connect().await {
        Ok(c) => c,
        Err(e) => {
            unreadable.push(format!("the whole outbox (the file does not open: {e})"));
            return (Vec::new(), unreadable);
        }
    };
    let mut entries = Vec::new();
    match sqlx::query(&format!("SELECT {COLUMNS} FROM outbox ORDER BY seq"))
        .fetch_all(&mut conn)
        .await
    {
        Ok(rows) => {
            for row in &rows {
                read_row(row, &mut entries, &mut unreadable);
            }
        }
        Err(_) => probe_one_by_one(&mut conn, &mut entries, &mut unreadable).await,
    }
    let _ = conn.close().await;
    (entries, unreadable)
}

async fn probe_one_by_one(
    conn: &mut SqliteConnection,
    entries: &mut Vec<Salvaged>,
    unreadable: &mut Vec<String>,
) {
    // The newest position: from the table, else from AUTOINCREMENT's own record.
    let newest = match sqlx::query_scalar::<_, Option<i64>>("SELECT max(seq) FROM outbox")
        .fetch_one(&mut *conn)
        .await
    {
        Ok(Some(n)) => Some(n),
        _ => sqlx::query_scalar::<_, i64>("SELECT seq FROM sqlite_sequence WHERE name = 'outbox'")
            .fetch_optional(&mut *conn)
            .await
            .ok()
            .flatten(),
    };
    let Some(newest) = newest else {
        unreadable.push("the whole outbox (its table cannot be read)".into());
        return;
    };
    let oldest = (newest - PROBE_LIMIT + 1).max(1);
    if oldest > 1 {
        unreadable.push(format!(
            "entries before position {oldest}, if any (not probed one by one)"
        ));
    }
    let sql = format!("SELECT {COLUMNS} FROM outbox WHERE seq = ?");
    let mut failed: Vec<i64> = Vec::new();
    for seq in oldest..=newest {
        match sqlx::query(&sql).bind(seq).fetch_optional(&mut *conn).await {
            Ok(Some(row)) => read_row(&row, entries, unreadable),
            Ok(None) => {}
            Err(_) => failed.push(seq),
        }
    }
    // Runs of unreadable positions, as ranges: a damaged page holds many entries.
    let mut i = 0;
    while i < failed.len() {
        let start = failed[i];
        let mut end = start;
        while i + 1 < failed.len() && failed[i + 1] == end + 1 {
            i += 1;
            end = failed[i];
        }
        unreadable.push(if start == end {
            format!("entry {start}")
        } else {
            format!("entries {start} to {end}")
        });
        i += 1;
    }
}

/// Parses one outbox row into `entries`, or describes it in `unreadable`.
fn read_row(row: &SqliteRow, entries: &mut Vec<Salvaged>, unreadable: &mut Vec<String>) {
    let seq: i64 = row.try_get("seq").unwrap_or_default();
    let text = |c: &str| row.try_get::<Option<String>, _>(c).ok().flatten();
    let kind = text("kind").unwrap_or_else(|| "?".into());
    let ticket = text("ticket_id").unwrap_or_else(|| "?".into());
    let parsed = (|| {
        let id = Uuid::parse_str(&text("id")?).ok()?;
        let ticket_id = Uuid::parse_str(&text("ticket_id")?).ok()?;
        let mutation: Mutation = serde_json::from_str(&text("mutation")?).ok()?;
        (mutation.ticket_id() == ticket_id).then_some(())?;
        Some(Salvaged {
            id,
            ticket_id,
            mutation,
            state: text("state")
                .filter(|s| s == "rejected")
                .unwrap_or_else(|| "queued".into()),
            error_code: text("error_code"),
            error_message: text("error_message"),
            depends_on: text("depends_on"),
            created_at: text("created_at").unwrap_or_else(|| Utc::now().to_rfc3339()),
        })
    })();
    match parsed {
        Some(e) => entries.push(e),
        None => unreadable.push(format!("entry {seq}: {kind} on ticket {ticket}")),
    }
}
