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

mod apply;
mod attachments;
mod edit;
mod feed;
mod lifecycle;
mod listen;
mod people;
mod rows;
mod schema;
mod slowing;
mod tickets;
mod writer;

use std::sync::Arc;

use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::{AnyPool, Executor, Row};
use uuid::Uuid;

pub use attachments::UploadRow;
pub use feed::Notice;
pub use lifecycle::JobRun;
pub use people::{Caller, NewUser, TokenIssued};
pub use schema::Checks;
pub use slowing::SignInClaim;
pub use tickets::TicketFilter;
pub use writer::Rejection;

use crate::config::DatabaseUrl;

/// A failure of the storage layer that callers can act on.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The thing asked for does not exist.
    #[error("not found")]
    NotFound,
    /// A unique value (e-mail, organisation name…) is already taken.
    #[error("already exists: {0}")]
    AlreadyExists(String),
    /// A stored value could not be read back (should never happen).
    #[error("stored data is unreadable: {0}")]
    Corrupt(String),
    /// The database failed.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// Migrations failed.
    #[error("migration error: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
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
    /// SQLite has one writer at a time anyway; taking it in-process avoids
    /// `SQLITE_BUSY` on lock upgrades. PostgreSQL serialises on the counter row.
    /// Sign-in claims take it on both engines (see `slowing.rs`).
    write_gate: Arc<tokio::sync::Mutex<()>>,
    epoch: Uuid,
    notices: tokio::sync::broadcast::Sender<Notice>,
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
    /// Connects, runs the embedded migrations of the engine and reads (or makes) the
    /// server epoch.
    pub async fn connect(url: &DatabaseUrl) -> Result<Self, StoreError> {
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
                            "PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON; \
                             PRAGMA busy_timeout = 10000; PRAGMA synchronous = NORMAL;",
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
        let (notices, _) = tokio::sync::broadcast::channel(1024);
        let (stop_listener, stopped) = tokio::sync::watch::channel(false);
        if backend == Backend::Postgres {
            listen::start(url, notices.clone(), stopped).await?;
        }
        Ok(Self {
            pool,
            backend,
            write_gate: Arc::default(),
            epoch,
            notices,
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

/// Reads the current value of a counter row.
async fn counter(row_source: &AnyPool, name: &str) -> Result<i64, StoreError> {
    let row: AnyRow = sqlx::query("SELECT value FROM counters WHERE name = $1")
        .bind(name)
        .fetch_one(row_source)
        .await?;
    Ok(row.try_get::<i64, _>("value")?)
}
