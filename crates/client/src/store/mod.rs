//! The local SQLite store of one account (sqlx, embedded migrations, WAL).
//!
//! One connection: SQLite has one writer anyway, and a single connection means a
//! write transaction can never fail to upgrade from a read lock. Reads are short
//! (indexed pages), so the UI does not wait noticeably behind a pull page.

mod apply;
mod articles;
mod bulk;
mod capi;
mod event_alerts;
mod files;
mod list;
mod local;
mod outbox;
pub(crate) mod recovery;
mod search;
mod snapshot;
mod terms;
mod tickets;

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::SqlitePool;
use uuid::Uuid;

use crate::error::Result;

pub(crate) use apply::PulledAlert;
pub(crate) use event_alerts::PulledEventAlert;
pub(crate) use outbox::orders_other_tickets;
pub(crate) use recovery::Opening;

/// Handle on one account's database. Every query and transaction of the engine is a
/// method here (or in this module's children, which share the pool); the engine above
/// speaks in intents (`create_ticket`, `unread_count`…), never in SQL.
#[derive(Debug, Clone)]
pub(crate) struct Store {
    pool: SqlitePool,
}

impl Store {
    /// Opens (creating if needed) the database at `path` and brings it to the newest schema.
    pub async fn open(path: &Path) -> Result<Self> {
        Self::open_classified(path)
            .await
            .map_err(Opening::into_error)
    }

    /// [`Store::open`], telling a damaged file (SQLite says corrupt or not a database)
    /// from every other failure, for [`recovery`].
    pub(crate) async fn open_classified(path: &Path) -> std::result::Result<Self, Opening> {
        let opts = SqliteConnectOptions::from_str("sqlite://")
            .map_err(Opening::classify)?
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10));
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .min_connections(1)
            .idle_timeout(None)
            .max_lifetime(None)
            // The search's `rowid_set` aggregate lives in the connection (capi.rs).
            .after_connect(|conn, _| {
                Box::pin(async move {
                    let mut handle = conn.lock_handle().await?;
                    capi::register_rowid_set(handle.as_raw_handle().as_ptr())
                        .map_err(|e| sqlx::Error::Configuration(e.into()))
                })
            })
            .connect_with(opts)
            .await
            .map_err(Opening::classify)?;
        let store = Self { pool };
        match store.finish_opening(path).await {
            Ok(()) => Ok(store),
            Err(e) => {
                store.close().await;
                Err(e)
            }
        }
    }

    async fn finish_opening(&self, path: &Path) -> std::result::Result<(), Opening> {
        // A snapshot load killed mid-way left its indexes dropped: back before any
        // migration may look for them.
        let has_meta: Option<i64> = sqlx::query_scalar(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'",
        )
        .fetch_optional(&self.pool)
        .await
        .map_err(Opening::classify)?;
        if has_meta.is_some() {
            let mut conn = self.pool.acquire().await.map_err(Opening::classify)?;
            snapshot::restore_indexes(&mut conn)
                .await
                .map_err(Opening::Other)?;
        }
        match sqlx::migrate!("./migrations").run(&self.pool).await {
            Ok(()) => {}
            Err(sqlx::migrate::MigrateError::Execute(e)) => return Err(Opening::classify(e)),
            Err(e) => return Err(Opening::Other(e.into())),
        }
        // The query planner needs table statistics to pick the selective index for a
        // filtered list (without them a status + priority filter over 100k tickets walked
        // the priority index and read every row: ~1 s instead of ~1 ms). A bounded
        // ANALYZE keeps this to milliseconds whatever the size.
        sqlx::query("PRAGMA analysis_limit = 1000")
            .execute(&self.pool)
            .await
            .map_err(Opening::classify)?;
        sqlx::query("PRAGMA optimize = 0x10002")
            .execute(&self.pool)
            .await
            .map_err(Opening::classify)?;
        // ... and its partial load goes: the next sync starts it again.
        {
            let mut conn = self.pool.acquire().await.map_err(Opening::classify)?;
            snapshot::abandon(&mut conn).await.map_err(Opening::Other)?;
        }
        self.ensure_client_id(path).await.map_err(Opening::Other)
    }

    /// Refreshes the planner's statistics after a large change (the first sync, a big
    /// pull), so list filters keep using the selective index.
    pub async fn analyze(&self) -> Result<()> {
        sqlx::query("ANALYZE").execute(&self.pool).await?;
        Ok(())
    }

    /// Closes the connection (waits for running queries).
    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// A fact from `meta`.
    pub async fn meta(&self, key: &str) -> Result<Option<String>> {
        Ok(sqlx::query_scalar("SELECT value FROM meta WHERE key = ?")
            .bind(key)
            .fetch_optional(&self.pool)
            .await?)
    }

    /// Sets a fact in `meta`.
    pub async fn set_meta(&self, key: &str, value: &str) -> Result<()> {
        set_meta(&self.pool, key, value).await
    }

    /// This installation's client id.
    pub async fn client_id(&self) -> Result<Uuid> {
        let s = self.meta("client_id").await?.unwrap_or_default();
        Uuid::parse_str(&s).map_err(|e| crate::EngineError::Storage(format!("client id: {e}")))
    }

    /// Makes the client id at first open, and a new one when the database file is not
    /// where it was made (a copied or moved profile): the fingerprint is the database's
    /// canonical path, so two copies never push under the same client id.
    async fn ensure_client_id(&self, path: &Path) -> Result<()> {
        let fingerprint = std::fs::canonicalize(path)?.to_string_lossy().into_owned();
        let stored_fp = self.meta("client_fingerprint").await?;
        let stored_id = self.meta("client_id").await?;
        if stored_id.is_none() || stored_fp.as_deref() != Some(fingerprint.as_str()) {
            let mut tx = self.pool.begin().await?;
            set_meta(&mut *tx, "client_id", &Uuid::new_v4().to_string()).await?;
            set_meta(&mut *tx, "client_fingerprint", &fingerprint).await?;
            tx.commit().await?;
        }
        Ok(())
    }

    /// `PRAGMA integrity_check`: `"ok"` when the file is intact.
    pub async fn integrity_check(&self) -> Result<String> {
        Ok(sqlx::query_scalar("PRAGMA integrity_check")
            .fetch_one(&self.pool)
            .await?)
    }
}

/// Sets a `meta` fact on any executor (pool or transaction).
pub(crate) async fn set_meta<'e, E>(ex: E, key: &str, value: &str) -> Result<()>
where
    E: sqlx::Executor<'e, Database = sqlx::Sqlite>,
{
    sqlx::query("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value")
        .bind(key)
        .bind(value)
        .execute(ex)
        .await?;
    Ok(())
}

/// Reads a `meta` fact on any executor.
pub(crate) async fn get_meta<'e, E>(ex: E, key: &str) -> Result<Option<String>>
where
    E: sqlx::Executor<'e, Database = sqlx::Sqlite>,
{
    Ok(sqlx::query_scalar("SELECT value FROM meta WHERE key = ?")
        .bind(key)
        .fetch_optional(ex)
        .await?)
}

#[cfg(test)]
mod article_tests;
#[cfg(test)]
mod list_tests;
#[cfg(test)]
mod migration_tests;
#[cfg(test)]
mod outbox_props;
#[cfg(test)]
mod profile_tests;
#[cfg(test)]
mod pull_tests;
#[cfg(test)]
mod recovery_tests;
#[cfg(test)]
mod snapshot_tests;
#[cfg(test)]
mod tests;
