//! A device's local store as comparable text (the snapshot suite compares a first sync
//! by snapshot with one by paging, row for row): every table's rows without rowids, the
//! search index by the ids it points at, the sync facts of `meta`, the index names.
//! Read through a read-only connection of its own, beside the engine's.

use std::path::{Path, PathBuf};
use std::str::FromStr;

use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{Column, Connection, Row, SqliteConnection};

/// The store the engine keeps under `data_dir` (`…/<account>/local.db`).
pub fn find_store(data_dir: &Path) -> PathBuf {
    let mut stack = vec![data_dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("data folder") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                stack.push(path);
            } else if path.file_name().is_some_and(|n| n == "local.db") {
                return path;
            }
        }
    }
    panic!("no local.db under {}", data_dir.display())
}

async fn connect(store: &Path) -> SqliteConnection {
    let opts = SqliteConnectOptions::from_str("sqlite://")
        .expect("options")
        .filename(store)
        .read_only(true);
    SqliteConnection::connect_with(&opts)
        .await
        .expect("open the store")
}

/// A `meta` fact of the store at `store` (the file, not the folder).
pub async fn meta(store: &Path, key: &str) -> Option<String> {
    let mut conn = connect(store).await;
    let v = sqlx::query_scalar("SELECT value FROM meta WHERE key = ?")
        .bind(key)
        .fetch_optional(&mut conn)
        .await
        .expect("meta");
    conn.close().await.ok();
    v
}

/// Everything the store under `data_dir` holds, as sorted lines (the client id, the
/// measured clock offset and the outbox left out).
pub async fn dump(data_dir: &Path) -> Vec<String> {
    let mut conn = connect(&find_store(data_dir)).await;
    let mut out = Vec::new();
    for table in [
        "tickets",
        "messages",
        "events",
        "alerted",
        "read_marks",
        "articles",
        "support_terms",
        "terms_acceptances",
        "checklists",
    ] {
        let mut rows = Vec::new();
        for row in sqlx::query(&format!("SELECT * FROM {table}"))
            .fetch_all(&mut conn)
            .await
            .expect("rows")
        {
            let mut cells = Vec::new();
            for (i, col) in row.columns().iter().enumerate() {
                if col.name() == "rid" {
                    continue;
                }
                let text: Option<String> = row
                    .try_get::<Option<String>, _>(i)
                    .or_else(|_| {
                        row.try_get::<Option<i64>, _>(i)
                            .map(|v| v.map(|v| v.to_string()))
                    })
                    .expect("cell");
                cells.push(format!("{}={}", col.name(), text.unwrap_or_default()));
            }
            rows.push(format!("{table}: {}", cells.join(" | ")));
        }
        rows.sort();
        out.extend(rows);
    }
    let mut fts: Vec<String> = sqlx::query_as::<_, (String, String)>(
        "SELECT t.id, f.body FROM ticket_fts f JOIN tickets t ON t.rid = f.rowid",
    )
    .fetch_all(&mut conn)
    .await
    .expect("ticket index")
    .into_iter()
    .map(|(id, body)| format!("ticket_fts: {id} {body}"))
    .collect();
    fts.sort();
    out.extend(fts);
    let mut fts: Vec<String> = sqlx::query_as::<_, (String, Option<String>, String)>(
        "SELECT m.id, t.id, f.body FROM message_fts f JOIN messages m ON m.rid = f.rowid
         LEFT JOIN tickets t ON t.rid = f.ticket_rid",
    )
    .fetch_all(&mut conn)
    .await
    .expect("message index")
    .into_iter()
    .map(|(id, t, body)| format!("message_fts: {id} {t:?} {body}"))
    .collect();
    fts.sort();
    out.extend(fts);
    for (what, sql) in [
        ("ticket_fts rows", "SELECT count(*) FROM ticket_fts"),
        ("message_fts rows", "SELECT count(*) FROM message_fts"),
    ] {
        let n: i64 = sqlx::query_scalar(sql)
            .fetch_one(&mut conn)
            .await
            .expect("count");
        out.push(format!("{what}: {n}"));
    }
    let meta: Vec<(String, String)> = sqlx::query_as(
        "SELECT key, value FROM meta
         WHERE key NOT IN ('client_id', 'client_fingerprint', 'server_clock_offset_ms')
         ORDER BY key",
    )
    .fetch_all(&mut conn)
    .await
    .expect("meta");
    out.extend(meta.into_iter().map(|(k, v)| format!("meta: {k}={v}")));
    let indexes: Vec<String> =
        sqlx::query_scalar("SELECT name FROM sqlite_master WHERE type = 'index' ORDER BY name")
            .fetch_all(&mut conn)
            .await
            .expect("indexes");
    out.push(format!("indexes: {}", indexes.join(", ")));
    conn.close().await.ok();
    out
}

/// The first line where two dumps differ, for a readable failure.
pub fn first_difference(a: &[String], b: &[String]) -> Option<String> {
    for (i, (x, y)) in a.iter().zip(b).enumerate() {
        if x != y {
            return Some(format!("line {i}:\n  {x}\n  {y}"));
        }
    }
    (a.len() != b.len()).then(|| format!("{} lines against {}", a.len(), b.len()))
}
