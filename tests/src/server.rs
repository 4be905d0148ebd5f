//! Starting real `tadhkira-server` processes for tests (owned by the engine work; see
//! issue 4).
//!
//! [`spawn_server`] starts the binary on `127.0.0.1:0` with a fresh temporary data dir
//! (SQLite), [`spawn_server_pg`] on a fresh PostgreSQL database at 127.0.0.1:5432. The
//! port is read from the one `listening on http://…` line the server prints. The
//! admin subcommands run against the same database; [`TestServer::stop`] and
//! [`TestServer::start`] restart it on the same port; dropping it kills the process by
//! its pid (and drops the PostgreSQL database).

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::workspace_bin;

/// The password of every user the helpers create (and of the demo users).
pub const PASSWORD: &str = "demo1234";

/// A real server process with its own database.
pub struct TestServer {
    dir: tempfile::TempDir,
    database_url: Option<String>,
    pg_name: Option<String>,
    addr: Option<SocketAddr>,
    child: Option<Child>,
}

/// Starts a server on SQLite in a fresh temporary folder.
pub fn spawn_server() -> TestServer {
    let mut s = TestServer {
        dir: tempfile::tempdir().expect("temp dir"),
        database_url: None,
        pg_name: None,
        addr: None,
        child: None,
    };
    s.start();
    s
}

/// Starts a server on a fresh PostgreSQL database (trust auth, user postgres).
pub fn spawn_server_pg() -> TestServer {
    let name = format!("tadhkira_test_{}", uuid::Uuid::new_v4().simple());
    psql(&format!("CREATE DATABASE {name}"));
    let mut s = TestServer {
        dir: tempfile::tempdir().expect("temp dir"),
        database_url: Some(format!("postgres://postgres@127.0.0.1:5432/{name}")),
        pg_name: Some(name),
        addr: None,
        child: None,
    };
    s.start();
    s
}

fn psql(sql: &str) {
    let out = Command::new("psql")
        .args([
            "-h",
            "127.0.0.1",
            "-U",
            "postgres",
            "-d",
            "postgres",
            "-v",
            "ON_ERROR_STOP=1",
            "-c",
            sql,
        ])
        .output()
        .expect("psql runs");
    assert!(
        out.status.success(),
        "psql {sql}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

impl TestServer {
    /// `http://127.0.0.1:PORT` (no trailing slash).
    pub fn url(&self) -> String {
        format!("http://{}", self.addr.expect("the server has started once"))
    }

    /// The server's data folder.
    pub fn data_dir(&self) -> &Path {
        self.dir.path()
    }

    fn db_args(&self) -> Vec<String> {
        let mut a = vec![
            "--data-dir".to_owned(),
            self.dir.path().display().to_string(),
        ];
        if let Some(u) = &self.database_url {
            a.push("--database-url".into());
            a.push(u.clone());
        }
        a
    }

    /// Whether the process is running.
    pub fn is_running(&mut self) -> bool {
        self.child
            .as_mut()
            .is_some_and(|c| matches!(c.try_wait(), Ok(None)))
    }

    /// Starts the process (again): on the same port as before when it ran before.
    pub fn start(&mut self) {
        assert!(!self.is_running(), "the server is already running");
        let bind = self
            .addr
            .map(|a| a.to_string())
            .unwrap_or_else(|| "127.0.0.1:0".into());
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            match self.try_start(&bind) {
                Ok(addr) => {
                    self.addr = Some(addr);
                    return;
                }
                // The old port may linger a moment after a kill.
                Err(e) if Instant::now() < deadline => {
                    eprintln!("server start failed ({e}); retrying");
                    std::thread::sleep(Duration::from_millis(200));
                }
                Err(e) => panic!("tadhkira-server did not start: {e}"),
            }
        }
    }

    fn try_start(&mut self, bind: &str) -> Result<SocketAddr, String> {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.path().join("server.log"))
            .map_err(|e| e.to_string())?;
        let mut child = Command::new(workspace_bin("tadhkira-server"))
            .arg("serve")
            .args(["--bind", bind])
            .args(self.db_args())
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(log)
            .spawn()
            .map_err(|e| e.to_string())?;
        let stdout = child.stdout.take().ok_or("no stdout")?;
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut lines = BufReader::new(stdout).lines();
            let mut sent = false;
            // Keep draining so the server never blocks on a full pipe.
            for line in lines.by_ref().map_while(Result::ok) {
                if !sent {
                    if let Some(rest) = line.strip_prefix("listening on http://") {
                        let _ = tx.send(rest.trim().to_owned());
                        sent = true;
                    }
                }
            }
        });
        match rx.recv_timeout(Duration::from_secs(30)) {
            Ok(addr) => {
                self.child = Some(child);
                addr.parse().map_err(|e| format!("{addr}: {e}"))
            }
            Err(_) => {
                let _ = child.kill();
                let _ = child.wait();
                let log =
                    std::fs::read_to_string(self.dir.path().join("server.log")).unwrap_or_default();
                let tail: String = log.lines().rev().take(5).collect::<Vec<_>>().join(" | ");
                Err(format!("no `listening on` line; log: {tail}"))
            }
        }
    }

    /// Kills the process at once (SIGKILL), like a crash.
    pub fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// Stops the process cleanly (SIGTERM), waiting for it to exit.
    pub fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = Command::new("kill")
                .args(["-TERM", &c.id().to_string()])
                .status();
            let deadline = Instant::now() + Duration::from_secs(10);
            while Instant::now() < deadline {
                if let Ok(Some(_)) = c.try_wait() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// Stops and starts again on the same port and database.
    pub fn restart(&mut self) {
        self.stop();
        self.start();
    }

    /// Runs an admin subcommand (`["org", "create", "--name", "X"]`) against this
    /// server's database; panics with its output when it fails. Returns its stdout.
    pub fn admin(&self, args: &[&str]) -> String {
        let out = Command::new(workspace_bin("tadhkira-server"))
            .args(args)
            .args(self.db_args())
            .env("TADHKIRA_PASSWORD", PASSWORD)
            .env("RUST_LOG", "warn")
            .output()
            .expect("tadhkira-server runs");
        assert!(
            out.status.success(),
            "tadhkira-server {args:?} failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
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

impl Drop for TestServer {
    fn drop(&mut self) {
        self.kill();
        if let Some(name) = &self.pg_name {
            let _ = Command::new("psql")
                .args(["-h", "127.0.0.1", "-U", "postgres", "-d", "postgres", "-c"])
                .arg(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .output();
        }
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
}

/// Opens an engine on an existing data folder, alerts going to `alerts`.
pub async fn open_device(
    dir: &Path,
    alerts: std::sync::Arc<tadhkira_client::RecordingNotifier>,
) -> tadhkira_client::Engine {
    let config = tadhkira_client::EngineConfig {
        notifier: alerts,
        token_store: None,
        device_name: "test".into(),
    };
    tadhkira_client::Engine::open(dir, config)
        .await
        .expect("open engine")
}
