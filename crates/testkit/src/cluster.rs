//! Several `tadhkira-server` processes on one fresh PostgreSQL database behind a
//! private HAProxy ([`crate::balancer`]): the deployment "at scale", on loopback.
//!
//! The processes share one data folder too (attached files and uploads in progress are
//! files; on several machines that folder would be shared storage). Each runs with the
//! shipped `deploy/tadhkira-server.toml`, which trusts the balancer's `X-Forwarded-For`
//! (so sign-in slowing counts the client's address, not the balancer's), after whatever
//! settings the caller adds.
//! Dropped in order: the balancer, the processes (killed), the database, the folder.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};

use crate::balancer::Balancer;
use crate::server::{PgDatabase, ServerDb, ServerProcess};

/// What a cluster is made of.
#[derive(Debug, Clone)]
pub struct ClusterSpec {
    /// How many server processes (at least one).
    pub processes: usize,
    /// A URL of an existing database on the PostgreSQL server to make the cluster's
    /// database on (`postgres://postgres@127.0.0.1:5432/postgres`).
    pub pg_admin_url: String,
    /// Where the balancer listens; `None`: a free loopback port.
    pub balancer_bind: Option<std::net::SocketAddr>,
    /// More settings (TOML) for every process; the balancer's `[transport]` table is
    /// added after them (so they may start with top-level keys).
    pub settings: String,
}

impl ClusterSpec {
    /// `processes` on the machine's PostgreSQL (TESTING.md) with default settings.
    pub fn new(processes: usize) -> Self {
        Self {
            processes,
            pg_admin_url: "postgres://postgres@127.0.0.1:5432/postgres".into(),
            balancer_bind: None,
            settings: String::new(),
        }
    }
}

/// Running server processes and their balancer.
pub struct Cluster {
    // Fields drop in declaration order: see the module comment.
    balancer: Balancer,
    processes: Vec<Option<ServerProcess>>,
    db: ServerDb,
    pg: PgDatabase,
    dir: tempfile::TempDir,
}

impl Cluster {
    /// Makes the database, starts the processes one after another (the first runs the
    /// migrations), then the balancer in front of them, and returns once a health
    /// check through the balancer answers 200.
    pub fn start(spec: &ClusterSpec) -> Result<Self> {
        anyhow::ensure!(spec.processes >= 1, "a cluster needs at least one process");
        let pg = PgDatabase::create(&spec.pg_admin_url, "tadhkira_cluster")?;
        let dir = tempfile::Builder::new()
            .prefix("tadhkira-cluster-")
            .tempdir()
            .context("temp dir")?;
        let settings = dir.path().join("settings.toml");
        std::fs::write(&settings, settings_file(&spec.settings))
            .with_context(|| format!("writing {}", settings.display()))?;
        let db = ServerDb {
            data_dir: dir.path().join("data"),
            database_url: Some(pg.url().to_owned()),
        };
        std::fs::create_dir_all(&db.data_dir)?;
        let mut processes = Vec::with_capacity(spec.processes);
        for i in 0..spec.processes {
            processes.push(Some(start_process(
                &db,
                &settings,
                &log_path(dir.path(), i),
            )?));
        }
        let addrs: Vec<_> = processes
            .iter()
            .flatten()
            .map(ServerProcess::addr)
            .collect();
        let balancer = Balancer::start_at(spec.balancer_bind, &addrs)?;
        let cluster = Self {
            balancer,
            processes,
            db,
            pg,
            dir,
        };
        cluster.wait_healthy(Duration::from_secs(20))?;
        Ok(cluster)
    }

    /// The balancer's URL, `http://127.0.0.1:PORT`: what clients use.
    pub fn url(&self) -> String {
        self.balancer.url()
    }

    /// Process `i`'s own URL (bypassing the balancer).
    pub fn process_url(&self, i: usize) -> Option<String> {
        self.processes.get(i)?.as_ref().map(ServerProcess::url)
    }

    /// How many processes were started.
    pub fn len(&self) -> usize {
        self.processes.len()
    }

    /// Whether no process was started (never, after [`Cluster::start`]).
    pub fn is_empty(&self) -> bool {
        self.processes.is_empty()
    }

    /// Kills process `i` at once (SIGKILL), like a crash; the balancer's health checks
    /// take it out. Answers whether it was running.
    pub fn kill(&mut self, i: usize) -> bool {
        match self.processes.get_mut(i).and_then(Option::take) {
            Some(p) => {
                p.kill();
                true
            }
            None => false,
        }
    }

    /// Stops every process cleanly (SIGTERM, then SIGKILL after `grace`), then the
    /// balancer, and drops the database.
    pub fn stop(mut self, grace: Duration) {
        for p in self.processes.iter_mut().filter_map(Option::take) {
            p.stop(grace);
        }
    }

    /// Whether the balancer still runs.
    pub fn balancer_running(&mut self) -> bool {
        self.balancer.is_running()
    }

    /// The database's name.
    pub fn database_name(&self) -> &str {
        self.pg.name()
    }

    /// The folder of the processes' logs (`server1.log`…) and their data folder.
    pub fn folder(&self) -> &Path {
        self.dir.path()
    }

    /// Whether process `i` still runs.
    pub fn is_running(&mut self, i: usize) -> bool {
        self.processes
            .get_mut(i)
            .and_then(Option::as_mut)
            .is_some_and(ServerProcess::is_running)
    }

    /// The database's URL (for checks behind the servers' backs).
    pub fn database_url(&self) -> &str {
        self.db.database_url.as_deref().unwrap_or_default()
    }

    /// Runs an admin subcommand (`["demo"]`) on the cluster's database; its stdout.
    pub fn admin(&self, args: &[&str]) -> Result<String> {
        self.db.admin(args)
    }

    /// The balancer's log so far.
    pub fn balancer_log(&self) -> String {
        self.balancer.log()
    }

    /// Process `i`'s log so far.
    pub fn process_log(&self, i: usize) -> String {
        std::fs::read_to_string(log_path(self.dir.path(), i)).unwrap_or_default()
    }

    /// Waits until a health check through the balancer answers 200.
    pub fn wait_healthy(&self, limit: Duration) -> Result<()> {
        let deadline = Instant::now() + limit;
        loop {
            match health_status(self.balancer.addr()) {
                Ok(200) => return Ok(()),
                other if Instant::now() > deadline => anyhow::bail!(
                    "the cluster was not healthy through the balancer within {limit:?} \
                     (last answer: {other:?}); balancer log: {}",
                    self.balancer.log()
                ),
                _ => std::thread::sleep(Duration::from_millis(100)),
            }
        }
    }
}

/// The settings shipped for processes behind the balancer (`deploy/tadhkira-server.toml`).
pub const SHIPPED_SETTINGS: &str = include_str!("../../../deploy/tadhkira-server.toml");

/// The processes' settings: the caller's, then the shipped ones (whose tables come
/// last, so the caller's may start with top-level keys).
fn settings_file(extra: &str) -> String {
    format!("{extra}\n\n{SHIPPED_SETTINGS}")
}

fn log_path(dir: &Path, i: usize) -> PathBuf {
    dir.join(format!("server{}.log", i + 1))
}

fn start_process(db: &ServerDb, settings: &Path, log: &Path) -> Result<ServerProcess> {
    let extra: Vec<OsString> = vec!["--config".into(), settings.as_os_str().to_owned()];
    ServerProcess::start_with(db, "127.0.0.1:0", Some(log), &extra)
}

/// The status of `GET /api/v1/health` at `addr`, with a plain HTTP/1.0 request (this
/// crate has no HTTP client, on purpose: it stays light).
fn health_status(addr: std::net::SocketAddr) -> Result<u16> {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect_timeout(&addr, Duration::from_secs(2))?;
    s.set_read_timeout(Some(Duration::from_secs(5)))?;
    s.write_all(b"GET /api/v1/health HTTP/1.0\r\nHost: localhost\r\n\r\n")?;
    let mut head = [0u8; 12];
    s.read_exact(&mut head)?;
    let text = String::from_utf8_lossy(&head);
    text.get(9..12)
        .and_then(|c| c.parse().ok())
        .with_context(|| format!("not an HTTP answer: {text:?}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_settings_trust_the_balancer_and_keep_the_callers() {
        let s = settings_file("[write_quota]\nburst = 5");
        assert!(s.starts_with("[write_quota]\nburst = 5\n"));
        assert!(s.contains("[transport]\n") && s.contains("trusted_proxies = [\"127.0.0.1\"]\n"));
    }
}
