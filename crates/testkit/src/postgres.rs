//! A private PostgreSQL server for one test: its own cluster (`initdb`) in a temporary
//! folder, on its own loopback port, started and stopped with `pg_ctl`. A test may
//! restart or crash it at will — the machine's shared server on 5432, which other
//! suites use in parallel, is never touched. Stopped (immediately) when dropped.
//!
//! As root the cluster belongs to the `postgres` user (`runuser`), since PostgreSQL
//! refuses to run as root; otherwise to the current user.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use anyhow::{bail, Context, Result};

/// A running private cluster.
pub struct PrivatePostgres {
    dir: tempfile::TempDir,
    bin: PathBuf,
    port: u16,
    as_root: bool,
}

/// The folder of PostgreSQL's server programs (`initdb`, `pg_ctl`): Debian keeps them
/// in `/usr/lib/postgresql/<version>/bin`, the newest version first; else `PATH`.
fn server_bin_dir() -> Result<PathBuf> {
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let v = e.file_name().to_string_lossy().parse::<u32>().ok()?;
            let bin = e.path().join("bin");
            bin.join("initdb").is_file().then_some((v, bin))
        })
        .collect();
    versions.sort();
    if let Some((_, bin)) = versions.pop() {
        return Ok(bin);
    }
    let on_path = crate::process::require_tool(
        "initdb",
        "apt-get install postgresql (the server programs: initdb, pg_ctl)",
    )?;
    Ok(on_path.parent().unwrap_or(Path::new("/")).to_path_buf())
}

fn running_as_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("Uid:"))
                .and_then(|l| l.split_whitespace().nth(2).map(|u| u == "0"))
        })
        .unwrap_or(false)
}

impl PrivatePostgres {
    /// Makes a cluster (trust authentication, user `postgres`, `fsync` off: a test's
    /// data need not survive a power cut) and starts it on a free loopback port.
    pub fn start() -> Result<Self> {
        let bin = server_bin_dir()?;
        let dir = tempfile::Builder::new()
            .prefix("tadhkira-pg-")
            .tempdir()
            .context("temp dir")?;
        let as_root = running_as_root();
        if as_root {
            run(Command::new("chown")
                .args(["-R", "postgres:postgres"])
                .arg(dir.path()))?;
        }
        let port = {
            let l = std::net::TcpListener::bind("127.0.0.1:0")?;
            l.local_addr()?.port()
        };
        let pg = Self {
            dir,
            bin,
            port,
            as_root,
        };
        pg.tool("initdb")
            .args(["--auth=trust", "--username=postgres", "--no-sync", "-D"])
            .arg(pg.data())
            .stdout(Stdio::null())
            .output()
            .context("running initdb")
            .and_then(checked)?;
        pg.pg_ctl(&["start"])?;
        Ok(pg)
    }

    fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// `postgres://postgres@127.0.0.1:PORT/DB`.
    pub fn url(&self, database: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{database}", self.port)
    }

    /// Creates a database.
    pub fn create_database(&self, name: &str) -> Result<()> {
        let out = Command::new("psql")
            .args(["-d", &self.url("postgres"), "-v", "ON_ERROR_STOP=1", "-c"])
            .arg(format!("CREATE DATABASE {name}"))
            .output()
            .context("running psql (apt-get install postgresql-client)")?;
        checked(out).map(|_| ())
    }

    /// Restarts the server: `fast` (clients disconnected, like `pg_ctlcluster …
    /// restart`) or `immediate` (a crash: no shutdown checkpoint, recovery at start).
    pub fn restart(&self, mode: &str) -> Result<()> {
        self.pg_ctl(&["restart", "-m", mode])
    }

    /// Stops the server (`fast` or `immediate`); [`PrivatePostgres::start_again`] brings it back.
    pub fn stop(&self, mode: &str) -> Result<()> {
        self.pg_ctl(&["stop", "-m", mode])
    }

    /// Starts the stopped server again on the same port and data.
    pub fn start_again(&self) -> Result<()> {
        self.pg_ctl(&["start"])
    }

    fn pg_ctl(&self, args: &[&str]) -> Result<()> {
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200",
            self.port,
            self.dir.path().display()
        );
        let out = self
            .tool("pg_ctl")
            .arg("-D")
            .arg(self.data())
            .arg("-l")
            .arg(self.dir.path().join("server.log"))
            .args(["-w", "-t", "60", "-o", &options])
            .args(args)
            .stdin(Stdio::null())
            .output()
            .context("running pg_ctl")?;
        checked(out).map(|_| ()).with_context(|| {
            let log =
                std::fs::read_to_string(self.dir.path().join("server.log")).unwrap_or_default();
            let tail: Vec<&str> = log.lines().rev().take(5).collect();
            format!("pg_ctl {args:?}; log: {}", tail.join(" | "))
        })
    }

    fn tool(&self, name: &str) -> Command {
        let path = self.bin.join(name);
        if self.as_root {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(path);
            c
        } else {
            Command::new(path)
        }
    }
}

impl Drop for PrivatePostgres {
    fn drop(&mut self) {
        // pg_ctl signals the postmaster by the process id in its postmaster.pid.
        let _ = self.pg_ctl(&["stop", "-m", "immediate"]);
    }
}

fn run(c: &mut Command) -> Result<()> {
    checked(c.output()?).map(|_| ())
}

fn checked(out: Output) -> Result<Output> {
    if !out.status.success() {
        bail!(
            "failed ({}): {}{}",
            out.status,
            String::from_utf8_lossy(&out.stdout).trim(),
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn select_one(url: &str) -> bool {
        Command::new("psql")
            .args(["-d", url, "-Atc", "SELECT 1"])
            .output()
            .map(|o| o.status.success() && String::from_utf8_lossy(&o.stdout).trim() == "1")
            .unwrap_or(false)
    }

    #[test]
    fn a_private_cluster_answers_restarts_and_is_gone_when_dropped() {
        let pg = PrivatePostgres::start().unwrap();
        pg.create_database("t").unwrap();
        let url = pg.url("t");
        assert_ne!(pg.port, 5432);
        assert!(select_one(&url));
        pg.restart("immediate").unwrap();
        assert!(select_one(&url), "answers after a crash restart");
        pg.stop("fast").unwrap();
        assert!(!select_one(&url));
        pg.start_again().unwrap();
        assert!(select_one(&url));
        drop(pg);
        assert!(!select_one(&url), "stopped with its value");
    }
}
