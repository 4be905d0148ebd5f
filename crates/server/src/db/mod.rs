//! Storage of the helpdesk behind one intent-named type, [`Store`], on SQLite or
//! PostgreSQL.
//!
//! Why one type over sqlx's `Any` driver rather than a trait with two implementations:
//! the schema is deliberately portable (UUIDs as TEXT, times as BIGINT milliseconds,
//! booleans as 0/1, `$n` placeholders, which sqlx's SQLite driver accepts as positional),
//! so a single set of queries serves both engines and the same test suite exercises
//! every line on each. The code branches on [`Backend`] only where the engines truly
//! differ (connection pragmas and how writers are serialised).
//!
//! The schema's migrations and the health check of the database live in `schema.rs`.

mod admin;
mod apply;
mod articles;
mod attachments;
mod channel_outbox;
mod channel_person;
mod channels;
mod edit;
mod email;
mod feed;
mod group;
mod leases;
mod lifecycle;
mod listen;
mod notices;
mod people;
mod policy;
mod quota;
mod rows;
mod schema;
mod slowing;
mod snapshot;
mod terms;
mod tickets;
mod updates;
pub mod visibility;
mod writer;

use std::sync::Arc;

use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::{AnyPool, Executor, Row};
use uuid::Uuid;

pub use admin::{AuditFilter, AuditRecord, UserUpdate, SYSTEM_ACTOR};
pub use articles::ArticleFilter;
pub use attachments::UploadRow;
pub use channel_outbox::{OutboxItem, SendOutcome, CLAIM_MS};
pub use channel_person::{ChannelPerson, PersonRefused};
pub use email::{our_message_id, MailEnvelope, ReplyFile};
pub use feed::Notice;
pub use lifecycle::JobRun;
pub use people::{Caller, NewUser, TokenIssued};
pub use policy::POLICY_TARGET;
pub use quota::{now_us, QuotaRule};
pub use schema::Checks;
pub use slowing::SignInClaim;
pub use terms::category_key;
pub use tickets::TicketFilter;
pub use updates::{NewRelease, StoredRelease};
pub use writer::Rejection;

use crate::config::{DatabaseSettings, DatabaseUrl};

/// A failure of the storage layer that callers can act on.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The thing asked for does not exist.
    #[error("not found")]
    NotFound,
    /// A unique value (e-mail, organisation name…) is already taken.
    #[error("already exists: {0}")]
    AlreadyExists(String),
    /// The request does not fit what is stored (an extension with no agreement, a
    /// designated contact who is not a customer of the organisation…).
    #[error("{0}")]
    Invalid(String),
    /// A stored value could not be read back (should never happen).
    #[error("stored data is unreadable: {0}")]
    Corrupt(String),
    /// The database failed.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// Migrations failed.
    #[error("migration error: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// The user's write quota has too little left for this write (nothing was
    /// written): it would fit after this wait.
    #[error("over the write quota; retry in {0:?}")]
    OverQuota(std::time::Duration),
}

/// Which engine the store runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// The embedded default.
    Sqlite,
    /// For scale and several server processes.
    Postgres,
}

/// The helpdesk's database: every read and write the server does goes through here.
#[derive(Clone)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    /// The database's file on SQLite (the snapshot reads it directly, `snapshot.rs`).
    sqlite_file: Option<std::path::PathBuf>,
    /// SQLite has one writer at a time anyway; taking it in-process avoids
    /// `SQLITE_BUSY` on lock upgrades. PostgreSQL serialises on the counter row.
    /// Sign-in claims take it on both engines (see `slowing.rs`).
    write_gate: Arc<tokio::sync::Mutex<()>>,
    epoch: Uuid,
    notices: notices::Notices,
    /// Writes waiting to be applied together (`group.rs`).
    groups: Arc<group::Groups>,
    /// Stops the PostgreSQL LISTEN task on close.
    stop_listener: Arc<tokio::sync::watch::Sender<bool>>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("backend", &self.backend)
            .field("epoch", &self.epoch)
            .finish()
    }
}

/// The longest a statement may run on PostgreSQL (requests only; not migrations).
const PG_STATEMENT_TIMEOUT: &str = "SET statement_timeout = '30s'";

impl Store {
    /// Connects with the default [`DatabaseSettings`] (what admin subcommands use).
    pub async fn connect(url: &DatabaseUrl) -> Result<Self, StoreError> {
        Self::connect_with(url, DatabaseSettings::default()).await
    }

    /// Connects, runs the embedded migrations of the engine and reads (or makes) the
    /// server epoch.
    pub async fn connect_with(
        url: &DatabaseUrl,
        settings: DatabaseSettings,
    ) -> Result<Self, StoreError> {
        let synchronous = settings.sqlite_synchronous.pragma();
        sqlx::any::install_default_drivers();
        let backend = if url.is_postgres() {
            Backend::Postgres
        } else {
            Backend::Sqlite
        };
        let options = AnyPoolOptions::new()
            .max_connections(if backend == Backend::Sqlite { 8 } else { 16 })
            .after_connect(move |conn, _meta| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        conn.execute(
                            format!(
                                "PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON; \
                                 PRAGMA busy_timeout = 10000; PRAGMA synchronous = {synchronous};"
                            )
                            .as_str(),
                        )
                        .await?;
                    } else {
                        // No request may hold a connection (and its locks) longer than
                        // this: a runaway query is cancelled and answered `internal`.
                        conn.execute(PG_STATEMENT_TIMEOUT).await?;
                    }
                    Ok(())
                })
            });
        let pool = options.connect(url.expose()).await?;
        if backend == Backend::Postgres {
            // Migrations (an index on a big table) may take longer than any request.
            let mut conn = pool.acquire().await?;
            conn.execute("SET statement_timeout = 0").await?;
            schema::migrator(backend).run(&mut *conn).await?;
            conn.execute(PG_STATEMENT_TIMEOUT).await?;
        } else {
            schema::migrator(backend).run(&pool).await?;
        }
        let epoch = Self::load_epoch(&pool).await?;
        let notices = notices::Notices::start();
        let (stop_listener, stopped) = tokio::sync::watch::channel(false);
        if backend == Backend::Postgres {
            listen::start(url, notices.clone(), stopped).await?;
        }
        Ok(Self {
            pool,
            backend,
            sqlite_file: (backend == Backend::Sqlite)
                .then(|| sqlite_file(url.expose()))
                .flatten(),
            write_gate: Arc::default(),
            epoch,
            notices,
            groups: Arc::default(),
            stop_listener: Arc::new(stop_listener),
        })
    }

    async fn load_epoch(pool: &AnyPool) -> Result<Uuid, StoreError> {
        sqlx::query(
            "INSERT INTO meta (key, value) VALUES ('epoch', $1) ON CONFLICT (key) DO NOTHING",
        )
        .bind(Uuid::new_v4().to_string())
        .execute(pool)
        .await?;
        let row = sqlx::query("SELECT value FROM meta WHERE key = 'epoch'")
            .fetch_one(pool)
            .await?;
        rows::uuid(&row, "value")
    }

    /// Identity of this database; changes when it is replaced or restored.
    pub fn epoch(&self) -> Uuid {
        self.epoch
    }

    /// Gives the database a new epoch (after a restore): every client then resyncs
    /// from the start instead of trusting a cursor of the replaced database. Takes
    /// effect for a server started after it (a running one keeps the epoch it read).
    pub async fn rotate_epoch(&self) -> Result<Uuid, StoreError> {
        let epoch = Uuid::new_v4();
        sqlx::query("UPDATE meta SET value = $1 WHERE key = 'epoch'")
            .bind(epoch.to_string())
            .execute(&self.pool)
            .await?;
        Ok(epoch)
    }

    /// Writes a consistent copy of an SQLite database to `path` (which must not
    /// exist) while the server may keep running: `VACUUM INTO`, one read transaction.
    /// PostgreSQL is backed up with its own tools (`pg_dump`).
    pub async fn backup_sqlite_into(&self, path: &std::path::Path) -> Result<(), StoreError> {
        if self.backend != Backend::Sqlite {
            return Err(StoreError::Corrupt(
                "backup --to is for SQLite; back up PostgreSQL with pg_dump".into(),
            ));
        }
        sqlx::query("VACUUM INTO $1")
            .bind(path.to_string_lossy().into_owned())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Copies SQLite's write-ahead log into the database file and empties it, so the
    /// file alone holds everything (before moving it). Nothing on PostgreSQL.
    pub async fn checkpoint(&self) -> Result<(), StoreError> {
        if self.backend == Backend::Sqlite {
            sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
                .execute(&self.pool)
                .await?;
        }
        Ok(())
    }

    /// `PRAGMA integrity_check` on SQLite (`ok` or the problems found); PostgreSQL
    /// checks its own pages, so it answers `ok`.
    pub async fn integrity_check(&self) -> Result<String, StoreError> {
        if self.backend != Backend::Sqlite {
            return Ok("ok".into());
        }
        let rows = sqlx::query("PRAGMA integrity_check")
            .fetch_all(&self.pool)
            .await?;
        let lines: Result<Vec<String>, _> =
            rows.iter().map(|r| r.try_get::<String, _>(0)).collect();
        Ok(lines?.join("; "))
    }

    /// The engine in use.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Listens for "new changes committed" notices (fed to SSE subscribers).
    pub fn subscribe(&self) -> tokio::sync::broadcast::Receiver<Notice> {
        self.notices.subscribe()
    }

    /// Closes the pool (on shutdown).
    pub async fn close(&self) {
        let _ = self.stop_listener.send(true);
        self.pool.close().await;
    }
}

/// The file of an SQLite URL (`sqlite://PATH?…`, `sqlite:PATH`); `None` for an
/// in-memory database.
fn sqlite_file(url: &str) -> Option<std::path::PathBuf> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or_default();
    (!path.is_empty() && !path.starts_with(":memory:")).then(|| path.into())
}

/// Reads the current value of a counter row.
async fn counter(row_source: &AnyPool, name: &str) -> Result<i64, StoreError> {
    let row: AnyRow = sqlx::query("SELECT value FROM counters WHERE name = $1")
        .bind(name)
        .fetch_one(row_source)
        .await?;
    Ok(row.try_get::<i64, _>("value")?)
}

#[cfg(test)]
mod durability_tests {
    use super::*;
    use crate::config::SqliteSynchronous;

    async fn synchronous_of(setting: SqliteSynchronous) -> i64 {
        let dir = tempfile::tempdir().unwrap();
        let url = DatabaseUrl(format!(
            "sqlite://{}?mode=rwc",
            dir.path().join("t.db").display()
        ));
        let store = Store::connect_with(
            &url,
            DatabaseSettings {
                sqlite_synchronous: setting,
            },
        )
        .await
        .unwrap();
        let row = sqlx::query("PRAGMA synchronous")
            .fetch_one(&store.pool)
            .await
            .unwrap();
        let level: i64 = row.try_get(0).unwrap();
        store.close().await;
        level
    }

    /// An acknowledged change must survive a power cut: every pooled connection commits
    /// with an fsync (FULL = 2) unless the operator chose otherwise.
    #[tokio::test]
    async fn the_server_database_commits_with_a_full_sync_by_default() {
        assert_eq!(synchronous_of(SqliteSynchronous::default()).await, 2);
        assert_eq!(synchronous_of(SqliteSynchronous::Normal).await, 1);
    }
}
