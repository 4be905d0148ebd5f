//! A real `tadhkira-server` process for a benchmark: fresh data dir (or PostgreSQL
//! database), demo data, loopback port; stopped by process id on drop. Starting it is
//! `tadhkira_testkit::server`'s, shared with the test suites.

use std::time::Duration;

use anyhow::{Context, Result};
use tadhkira_proto::LoginResponse;
use tadhkira_testkit::server::{ServerDb, ServerProcess, PASSWORD};

/// A running server and a temporary data dir that lives as long as it does.
pub struct BenchServer {
    pub url: String,
    // Dropped before the folder it uses.
    process: Option<ServerProcess>,
    _dir: tempfile::TempDir,
}

impl BenchServer {
    /// Starts the release server binary next to this one, with the demo data, on SQLite
    /// or on `database_url`.
    pub fn start(database_url: Option<&str>) -> Result<Self> {
        Self::start_configured(database_url, None)
    }

    /// [`BenchServer::start`] with a server config file of this TOML text.
    pub fn start_configured(database_url: Option<&str>, config: Option<&str>) -> Result<Self> {
        let dir = tempfile::tempdir()?;
        let db = ServerDb {
            data_dir: dir.path().to_path_buf(),
            database_url: database_url.map(str::to_owned),
        };
        db.admin(&["demo"]).context("loading the demo data")?;
        // The per-user write quota (10,000 mutations at once by default) would refuse
        // the loading of the larger sizes (40,000 mutations for 10k tickets): the
        // bench's user gets a quota it never reaches; its check still runs per push.
        let text = format!(
            "[write_quota]\nmutations_per_minute = 1000000000\nburst = 1000000000\n{}",
            config.unwrap_or_default()
        );
        let path = dir.path().join("config.toml");
        std::fs::write(&path, text)?;
        let extra: Vec<std::ffi::OsString> = vec!["--config".into(), path.into_os_string()];
        let process = ServerProcess::start_with(&db, "127.0.0.1:0", None, &extra)?;
        Ok(Self {
            url: process.url(),
            process: Some(process),
            _dir: dir,
        })
    }

    /// The server's process id.
    pub fn pid(&self) -> Option<u32> {
        self.process.as_ref().map(ServerProcess::pid)
    }

    /// Signs in (with the demo password) and returns the token.
    pub async fn login(&self, email: &str) -> Result<String> {
        let resp: LoginResponse = reqwest::Client::new()
            .post(format!("{}/api/v1/auth/login", self.url))
            .json(&serde_json::json!({"email": email, "password": PASSWORD}))
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        Ok(resp.token)
    }
}

impl Drop for BenchServer {
    fn drop(&mut self) {
        // SIGTERM first, so that it closes its database as it would in production.
        if let Some(p) = self.process.take() {
            p.stop(Duration::from_secs(5));
        }
    }
}
