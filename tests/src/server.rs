//! Real `tadhkira-server` processes for tests (owned by the engine work; see issue 4),
//! started by `tadhkira_testkit::server`.
//!
//! [`spawn_server`] starts the binary on `127.0.0.1:0` with a fresh temporary data dir
//! (SQLite), [`spawn_server_pg`] on a fresh PostgreSQL database at 127.0.0.1:5432. The
//! admin subcommands run against the same database; [`TestServer::stop`] and
//! [`TestServer::start`] restart it on the same port; dropping it kills the process by
//! its pid (and drops the PostgreSQL database).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use tadhkira_testkit::server::{PgDatabase, ServerDb, ServerProcess};

/// The password of every user the helpers create (and of the demo users).
pub use tadhkira_testkit::server::PASSWORD;

/// The PostgreSQL server of the machine (TESTING.md): trust auth, user postgres.
const PG_ADMIN_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// A real server process with its own database.
pub struct TestServer {
    // Dropped in this order: the process, then its database, then its folder.
    process: Option<ServerProcess>,
    _pg: Option<PgDatabase>,
    db: ServerDb,
    addr: Option<SocketAddr>,
    /// More `serve` arguments (TLS).
    extra: Vec<std::ffi::OsString>,
    /// `http`, or `https` with TLS.
    scheme: String,
    dir: tempfile::TempDir,
}

/// Starts a server on SQLite in a fresh temporary folder.
pub fn spawn_server() -> TestServer {
    TestServer::new(None)
}

/// Starts a server on SQLite serving HTTPS with this PEM certificate chain and key.
pub fn spawn_server_tls(cert: &Path, key: &Path) -> TestServer {
    let extra = vec![
        "--tls-cert".into(),
        cert.as_os_str().to_owned(),
        "--tls-key".into(),
        key.as_os_str().to_owned(),
    ];
    TestServer::with_args(None, extra)
}

/// Starts a server on SQLite in a fresh temporary folder with more `serve` arguments
/// (`--config FILE`).
pub fn spawn_server_with(extra: Vec<std::ffi::OsString>) -> TestServer {
    TestServer::with_args(None, extra)
}

/// [`spawn_server_with`] on a fresh PostgreSQL database.
pub fn spawn_server_pg_with(extra: Vec<std::ffi::OsString>) -> TestServer {
    let pg = PgDatabase::create(PG_ADMIN_URL, "tadhkira_test").unwrap_or_else(|e| panic!("{e:#}"));
    TestServer::with_args(Some(pg), extra)
}

/// Starts a server on a fresh PostgreSQL database (trust auth, user postgres).
pub fn spawn_server_pg() -> TestServer {
    let pg = PgDatabase::create(PG_ADMIN_URL, "tadhkira_test").unwrap_or_else(|e| panic!("{e:#}"));
    TestServer::new(Some(pg))
}

/// Starts a server on SQLite whose database is, at first, a copy of `db` (a file left by
/// another server, e.g. an older release's: the server migrates it at start).
pub fn spawn_server_on_sqlite_copy(db: &Path) -> TestServer {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::copy(db, dir.path().join("tadhkira.db"))
        .unwrap_or_else(|e| panic!("copy {}: {e}", db.display()));
    TestServer::in_dir(dir, None, Vec::new())
}

/// Starts a server on SQLite with `dir` as its data folder (a folder on a small file
/// system, say), which it owns from then on.
pub fn spawn_server_in(dir: tempfile::TempDir) -> TestServer {
    TestServer::in_dir(dir, None, Vec::new())
}

/// Starts a server on the given PostgreSQL database (e.g. one of a private cluster,
/// `tadhkira_testkit::postgres::PrivatePostgres`); dropped with the server.
pub fn spawn_server_on_pg(pg: PgDatabase) -> TestServer {
    TestServer::new(Some(pg))
}

impl TestServer {
    fn new(pg: Option<PgDatabase>) -> Self {
        Self::with_args(pg, Vec::new())
    }

    fn with_args(pg: Option<PgDatabase>, extra: Vec<std::ffi::OsString>) -> Self {
        Self::in_dir(tempfile::tempdir().expect("temp dir"), pg, extra)
    }

    fn in_dir(
        dir: tempfile::TempDir,
        pg: Option<PgDatabase>,
        extra: Vec<std::ffi::OsString>,
    ) -> Self {
        let db = ServerDb {
            data_dir: dir.path().to_path_buf(),
            database_url: pg.as_ref().map(|p| p.url().to_owned()),
        };
        let mut s = TestServer {
            process: None,
            _pg: pg,
            db,
            addr: None,
            extra,
            scheme: "http".into(),
            dir,
        };
        s.start();
        s
    }

    /// `http://127.0.0.1:PORT` (`https://` with TLS; no trailing slash).
    pub fn url(&self) -> String {
        let addr = self.addr.expect("the server has started once");
        format!("{}://{addr}", self.scheme)
    }

    /// Where it listens.
    pub fn addr(&self) -> SocketAddr {
        self.addr.expect("the server has started once")
    }

    /// The PostgreSQL database's URL when the server runs on PostgreSQL (`None` on
    /// SQLite, whose file is `tadhkira.db` in [`TestServer::data_dir`]).
    pub fn database_url(&self) -> Option<String> {
        self.db.database_url.clone()
    }

    /// The server's data folder.
    pub fn data_dir(&self) -> &Path {
        self.dir.path()
    }

    /// Whether the process is running.
    pub fn is_running(&mut self) -> bool {
        self.process.as_mut().is_some_and(ServerProcess::is_running)
    }

    /// Starts the process (again): on the same port as before when it ran before. Its
    /// log goes to `server.log` in its data folder.
    pub fn start(&mut self) {
        assert!(!self.is_running(), "the server is already running");
        let bind = self
            .addr
            .map(|a| a.to_string())
            .unwrap_or_else(|| "127.0.0.1:0".into());
        let log = self.dir.path().join("server.log");
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            match ServerProcess::start_with(&self.db, &bind, Some(&log), &self.extra) {
                Ok(process) => {
                    self.addr = Some(process.addr());
                    self.scheme = process.url().split("://").next().unwrap_or("http").into();
                    self.process = Some(process);
                    return;
                }
                // The old port may linger a moment after a kill.
                Err(e) if Instant::now() < deadline => {
                    eprintln!("server start failed ({e:#}); retrying");
                    std::thread::sleep(Duration::from_millis(200));
                }
                Err(e) => panic!("tadhkira-server did not start: {e:#}"),
            }
        }
    }

    /// Kills the process at once (SIGKILL), like a crash.
    pub fn kill(&mut self) {
        if let Some(p) = self.process.take() {
            p.kill();
        }
    }

    /// Stops the process cleanly (SIGTERM), waiting for it to exit.
    pub fn stop(&mut self) {
        if let Some(p) = self.process.take() {
            p.stop(Duration::from_secs(10));
        }
    }

    /// Stops and starts again on the same port and database.
    pub fn restart(&mut self) {
        self.stop();
        self.start();
    }

    /// Runs a query answering one text column on the server's database, read while the
    /// server runs: its SQLite file read-only, or its PostgreSQL database.
    pub async fn query_texts(&self, sql: &str) -> Vec<String> {
        use sqlx::Connection;
        match &self.db.database_url {
            Some(url) => {
                let mut c = sqlx::PgConnection::connect(url)
                    .await
                    .unwrap_or_else(|e| panic!("connect to {url}: {e}"));
                sqlx::query_scalar(sql)
                    .fetch_all(&mut c)
                    .await
                    .unwrap_or_else(|e| panic!("{sql}: {e}"))
            }
            None => {
                let path = self.data_dir().join("tadhkira.db");
                let mut c = sqlx::SqliteConnection::connect(&format!(
                    "sqlite://{}?mode=ro",
                    path.display()
                ))
                .await
                .expect("open the server's database");
                sqlx::query_scalar(sql)
                    .fetch_all(&mut c)
                    .await
                    .unwrap_or_else(|e| panic!("{sql}: {e}"))
            }
        }
    }

    /// The mutation ids the server recorded as applied (`applied_mutations`).
    pub async fn applied_mutation_ids(&self) -> std::collections::HashSet<uuid::Uuid> {
        self.query_texts("SELECT id FROM applied_mutations")
            .await
            .iter()
            .map(|s| uuid::Uuid::parse_str(s).expect("a mutation id"))
            .collect()
    }

    /// `PRAGMA integrity_check` of the server's SQLite file (`"ok"` when intact), read
    /// while it runs; `None` on PostgreSQL.
    pub async fn sqlite_integrity(&self) -> Option<String> {
        if self.db.database_url.is_some() {
            return None;
        }
        Some(self.query_texts("PRAGMA integrity_check").await.join("; "))
    }

    /// Runs an admin subcommand (`["org", "create", "--name", "X"]`) against this
    /// server's database; panics with its output when it fails. Returns its stdout.
    pub fn admin(&self, args: &[&str]) -> String {
        self.db.admin(args).unwrap_or_else(|e| panic!("{e:#}"))
    }

    /// Loads the demo data (see the common brief for its sign-ins).
    pub fn demo(&self) -> String {
        self.admin(&["demo"])
    }

    /// Creates an organisation; `paid_until` is `YYYY-MM-DD` or `none`.
    pub fn create_org(&self, name: &str, paid_until: &str) {
        self.admin(&["org", "create", "--name", name, "--paid-until", paid_until]);
    }

    /// Sets an organisation's subscription end (`YYYY-MM-DD` or `none`).
    pub fn set_subscription(&self, name: &str, paid_until: &str) {
        self.admin(&[
            "org",
            "subscription",
            "--name",
            name,
            "--paid-until",
            paid_until,
        ]);
    }

    /// Creates a customer of `org` with [`PASSWORD`].
    pub fn customer_of(&self, org: &str, email: &str) {
        self.admin(&[
            "user", "create", "--email", email, "--name", email, "--role", "customer", "--org", org,
        ]);
    }

    /// Creates an agent of `tier` with [`PASSWORD`].
    pub fn agent(&self, tier: u8, email: &str) {
        let tier = tier.to_string();
        self.admin(&[
            "user", "create", "--email", email, "--name", email, "--role", "agent", "--tier", &tier,
        ]);
    }
}

/// A fresh temporary folder path helper for client data folders.
pub fn temp_path(dir: &tempfile::TempDir, name: &str) -> PathBuf {
    dir.path().join(name)
}

/// A signed-in engine in its own temporary data folder: one device of `email`.
pub struct Device {
    /// The engine (close it before running the CLI on the same folder).
    pub engine: tadhkira_client::Engine,
    /// Alerts the engine raised.
    pub alerts: std::sync::Arc<tadhkira_client::RecordingNotifier>,
    /// The data folder (kept alive by this value).
    pub dir: tempfile::TempDir,
}

impl TestServer {
    /// Opens a new device for `email` (password [`PASSWORD`]) and runs its first sync.
    pub async fn device(&self, email: &str) -> Device {
        let dir = tempfile::tempdir().expect("temp dir");
        let alerts = std::sync::Arc::new(tadhkira_client::RecordingNotifier::default());
        let engine = open_device(dir.path(), alerts.clone()).await;
        engine
            .sign_in(&self.url(), email, PASSWORD)
            .await
            .expect("sign in");
        engine.sync_now().await.expect("first sync");
        Device {
            engine,
            alerts,
            dir,
        }
    }

    /// Signs `email` in (password [`PASSWORD`]) in the data folder `dir`, not synced,
    /// and lets go of it: the engine is closed and dropped, and its lock on the folder
    /// with it, so that the CLI can run there.
    pub async fn sign_in_for_cli(&self, dir: &Path, email: &str) {
        let engine = open_device(dir, Default::default()).await;
        engine
            .sign_in(&self.url(), email, PASSWORD)
            .await
            .expect("sign in");
        engine.close().await;
    }
}

/// Opens an engine on an existing data folder, alerts going to `alerts`.
pub async fn open_device(
    dir: &Path,
    alerts: std::sync::Arc<tadhkira_client::RecordingNotifier>,
) -> tadhkira_client::Engine {
    open_device_with(dir, alerts, Default::default()).await
}

/// [`open_device`] with the engine's network timeouts set (short ones for fault tests).
pub async fn open_device_with(
    dir: &Path,
    alerts: std::sync::Arc<tadhkira_client::RecordingNotifier>,
    timeouts: tadhkira_client::api::Timeouts,
) -> tadhkira_client::Engine {
    let config = tadhkira_client::EngineConfig {
        notifier: alerts,
        token_store: None,
        device_name: "test".into(),
        timeouts,
        plain_http: Default::default(),
        alerts: Default::default(),
    };
    tadhkira_client::Engine::open(dir, config)
        .await
        .expect("open engine")
}
