//! The reference limit: the same rows a pull writes, bulk-inserted into a fresh SQLite
//! file in one transaction — no server, no network, no JSON. Pull speed is printed as a
//! ratio to this.

use std::time::Instant;

use anyhow::Result;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions};
use sqlx::Connection;

/// Inserts `tickets` tickets with `messages_per_ticket` messages each; returns tickets/s.
pub async fn bulk_insert(tickets: usize, messages_per_ticket: usize) -> Result<f64> {
    let dir = tempfile::tempdir()?;
    let opts = SqliteConnectOptions::new()
        .filename(dir.path().join("reference.db"))
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal);
    let pool = SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(opts)
        .await?;
    let mut conn = pool.acquire().await?;
    sqlx::query(
        "CREATE TABLE tickets (id TEXT PRIMARY KEY, number INTEGER, title TEXT NOT NULL,
            description TEXT NOT NULL, priority TEXT NOT NULL, status TEXT NOT NULL,
            updated_at INTEGER NOT NULL)",
    )
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "CREATE TABLE messages (id TEXT PRIMARY KEY, ticket_id TEXT NOT NULL,
            body TEXT NOT NULL, created_at INTEGER NOT NULL)",
    )
    .execute(&mut *conn)
    .await?;
    let start = Instant::now();
    let mut tx = conn.begin().await?;
    for i in 0..tickets {
        let id = uuid::Uuid::now_v7().to_string();
        sqlx::query("INSERT INTO tickets VALUES ($1, $2, $3, $4, 'normal', 'open', $5)")
            .bind(&id)
            .bind(i as i64 + 1000)
            .bind(format!("Ticket {i}: printer offline after update"))
            .bind("The office printer stopped printing after the last update. تم التحقق من الكابل.")
            .bind(i as i64)
            .execute(&mut *tx)
            .await?;
        for m in 0..messages_per_ticket {
            sqlx::query("INSERT INTO messages VALUES ($1, $2, $3, $4)")
                .bind(uuid::Uuid::now_v7().to_string())
                .bind(&id)
                .bind(format!(
                    "Reply {m}: please restart the spooler and try again."
                ))
                .bind(i as i64)
                .execute(&mut *tx)
                .await?;
        }
    }
    tx.commit().await?;
    Ok(tickets as f64 / start.elapsed().as_secs_f64())
}
