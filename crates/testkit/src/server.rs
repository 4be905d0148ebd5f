//! A real `tadhkira-server`: [`ServerProcess::start`] runs `serve` on a loopback
//! address and reads the one `listening on http://ADDR` line it prints (so port 0, a
//! free port, works); [`ServerDb::admin`] runs the admin subcommands (`demo`,
//! `org create`, …) against the same database; [`PgDatabase`] is a fresh PostgreSQL
//! database for one server, dropped with it. Processes are stopped by their id.

use std::ffi::OsString;
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{bail, Context, Result};

use crate::workspace_bin;

/// The password of the demo users, and of every user the admin helpers create (it is
/// given to the server's admin subcommands as `TADHKIRA_PASSWORD`).
pub const PASSWORD: &str = "demo1234";

/// How long a server gets to print its `listening on` line.
const LISTEN_TIMEOUT: Duration = Duration::from_secs(30);

/// Where a server keeps its data: its data folder, and a PostgreSQL database when
/// `database_url` is set (else SQLite inside the folder).
#[derive(Debug, Clone)]
pub struct ServerDb {
    pub data_dir: PathBuf,
    pub database_url: Option<String>,
}

impl ServerDb {
    /// `--data-dir DIR [--database-url URL]`.
    pub fn args(&self) -> Vec<OsString> {
        let mut a = vec!["--data-dir".into(), self.data_dir.clone().into_os_string()];
        if let Some(u) = &self.database_url {
            a.push("--database-url".into());
            a.push(u.into());
        }
        a
    }

    /// Runs `tadhkira-server ARGS` (an admin subcommand such as `["demo"]`) on this
    /// database; its stdout, or an error with its output when it fails.
    pub fn admin(&self, args: &[&str]) -> Result<String> {
        let out = Command::new(workspace_bin("tadhkira-server")?)
            .args(args)
            .args(self.args())
            .env("TADHKIRA_PASSWORD", PASSWORD)
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .output()
            .context("running tadhkira-server")?;
        anyhow::ensure!(
            out.status.success(),
            "tadhkira-server {args:?} failed ({}): {}{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    }
}

/// A running `tadhkira-server serve`; killed (SIGKILL) when dropped unless stopped.
pub struct ServerProcess {
    child: Child,
    addr: SocketAddr,
    /// `http`, or `https` when started with a certificate.
    scheme: String,
}

impl ServerProcess {
    /// Starts the workspace's `tadhkira-server serve` on `bind` (`127.0.0.1:0` for a
    /// free port) with `db`, and returns once it listens. Its log (`RUST_LOG=warn`) is
    /// appended to `log` when given (an error then quotes its last lines), else it goes
    /// to this process's stderr.
    pub fn start(db: &ServerDb, bind: &str, log: Option<&Path>) -> Result<Self> {
        Self::start_with(db, bind, log, &[])
    }

    /// [`ServerProcess::start`] with more `serve` arguments (e.g. `--tls-cert`).
    pub fn start_with(
        db: &ServerDb,
        bind: &str,
        log: Option<&Path>,
        extra: &[OsString],
    ) -> Result<Self> {
        let stderr = match log {
            Some(path) => Stdio::from(
                std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(path)
                    .with_context(|| format!("opening {}", path.display()))?,
            ),
            None => Stdio::inherit(),
        };
        let mut child = Command::new(workspace_bin("tadhkira-server")?)
            .args(["serve", "--bind", bind])
            .args(db.args())
            .args(extra)
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(stderr)
            .spawn()
            .context("starting tadhkira-server")?;
        match listening(&mut child) {
            Ok((scheme, addr)) => Ok(Self {
                child,
                addr,
                scheme,
            }),
            Err(e) => {
                let _ = child.kill();
                let _ = child.wait();
                let tail = log
                    .and_then(|p| std::fs::read_to_string(p).ok())
                    .map(|log| {
                        let last: Vec<&str> = log.lines().rev().take(5).collect();
                        format!("; log: {}", last.join(" | "))
                    })
                    .unwrap_or_default();
                bail!("{e}{tail}")
            }
        }
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT` (`https://` with TLS; no trailing slash).
    pub fn url(&self) -> String {
        format!("{}://{}", self.scheme, self.addr)
    }

    /// Its process id (for reading its memory from `/proc`).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Whether the process is still running.
    pub fn is_running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// Kills the process at once (SIGKILL), like a crash.
    pub fn kill(mut self) {
        self.kill_now();
    }

    /// Stops the process cleanly (SIGTERM), waiting up to `grace` for it to exit before
    /// killing it.
    pub fn stop(mut self, grace: Duration) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let deadline = Instant::now() + grace;
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        self.kill_now();
    }

    fn kill_now(&mut self) {
        // After a wait, std neither signals (the pid may be reused) nor waits again.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        self.kill_now();
    }
}

/// Reads the server's stdout until `listening on http://ADDR` (or `https://`); then keeps
/// draining it so the server never blocks on a full pipe. Fails at once if the server
/// exits first. Answers the scheme and the address.
fn listening(child: &mut Child) -> Result<(String, SocketAddr)> {
    let stdout = child.stdout.take().context("piped stdout")?;
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut sent = false;
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if !sent {
                let url = line.strip_prefix("listening on ").unwrap_or_default();
                if let Some((scheme, rest)) = url.split_once("://") {
                    let _ = tx.send((scheme.to_owned(), rest.trim().to_owned()));
                    sent = true;
                }
            }
        }
    });
    let deadline = Instant::now() + LISTEN_TIMEOUT;
    loop {
        if let Ok((scheme, addr)) = rx.recv_timeout(Duration::from_millis(50)) {
            let addr = addr
                .parse()
                .with_context(|| format!("tadhkira-server printed {addr:?} as its address"))?;
            return Ok((scheme, addr));
        }
        if let Some(status) = child.try_wait()? {
            bail!("tadhkira-server exited before listening ({status})");
        }
        if Instant::now() > deadline {
            bail!("tadhkira-server printed no `listening on` line within {LISTEN_TIMEOUT:?}");
        }
    }
}

/// A fresh PostgreSQL database, made and dropped (`WITH (FORCE)`) through `psql`.
pub struct PgDatabase {
    admin_url: String,
    name: String,
    url: String,
}

impl PgDatabase {
    /// Creates the database `PREFIX_<unique>` on the server of `admin_url` (a URL of an
    /// existing database to connect to, e.g. `postgres://postgres@127.0.0.1:5432/postgres`).
    pub fn create(admin_url: &str, prefix: &str) -> Result<Self> {
        static COUNT: AtomicU32 = AtomicU32::new(0);
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default();
        let name = format!(
            "{prefix}_{}_{nanos}_{}",
            std::process::id(),
            COUNT.fetch_add(1, Ordering::Relaxed)
        );
        psql(admin_url, &format!("CREATE DATABASE {name}"))?;
        let base = admin_url
            .rsplit_once('/')
            .map(|(b, _)| b)
            .unwrap_or(admin_url);
        Ok(Self {
            admin_url: admin_url.to_owned(),
            url: format!("{base}/{name}"),
            name,
        })
    }

    /// The database's URL, for `--database-url`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The database's name.
    pub fn name(&self) -> &str {
        &self.name
    }
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        let _ = psql(
            &self.admin_url,
            &format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name),
        );
    }
}

/// Runs one SQL statement with `psql` on `url`.
fn psql(url: &str, sql: &str) -> Result<()> {
    let out = Command::new("psql")
        .args(["-d", url, "-v", "ON_ERROR_STOP=1", "-c", sql])
        .output()
        .context("running psql (apt-get install postgresql-client)")?;
    anyhow::ensure!(
        out.status.success(),
        "psql on {url}: {sql}: {}",
        String::from_utf8_lossy(&out.stderr).trim()
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The machine's PostgreSQL server (TESTING.md), as the PostgreSQL suites use it.
    const ADMIN_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

    fn exists(name: &str) -> bool {
        let out = Command::new("psql")
            .args(["-d", ADMIN_URL, "-Atc"])
            .arg(format!(
                "SELECT 1 FROM pg_database WHERE datname = '{name}'"
            ))
            .output()
            .expect("psql runs");
        String::from_utf8_lossy(&out.stdout).trim() == "1"
    }

    #[test]
    fn a_fresh_database_is_made_on_the_admin_urls_server_and_dropped_with_it() {
        let (a, b) = (
            PgDatabase::create(ADMIN_URL, "tadhkira_testkit").unwrap(),
            PgDatabase::create(ADMIN_URL, "tadhkira_testkit").unwrap(),
        );
        assert_ne!(a.name(), b.name());
        assert!(a.name().starts_with("tadhkira_testkit_"));
        assert_eq!(
            a.url(),
            format!("postgres://postgres@127.0.0.1:5432/{}", a.name())
        );
        psql(a.url(), "SELECT 1").expect("the new database takes connections");
        let name = a.name().to_owned();
        assert!(exists(&name));
        drop(a);
        assert!(!exists(&name), "{name} is dropped with its value");
    }

    #[test]
    fn the_database_arguments_name_the_folder_and_the_url() {
        let sqlite = ServerDb {
            data_dir: "/tmp/x".into(),
            database_url: None,
        };
        assert_eq!(sqlite.args(), ["--data-dir", "/tmp/x"]);
        let pg = ServerDb {
            database_url: Some("postgres://h/db".into()),
            ..sqlite
        };
        assert_eq!(
            pg.args(),
            ["--data-dir", "/tmp/x", "--database-url", "postgres://h/db"]
        );
    }
}
