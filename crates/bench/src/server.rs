//! A real `tadhkira-server` process for a benchmark: fresh data dir (or PostgreSQL
//! database), demo data, loopback port; stopped by process id on drop.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use tadhkira_proto::LoginResponse;

/// A running server and a temporary data dir that lives as long as it does.
pub struct BenchServer {
    pub url: String,
    child: Child,
    _dir: tempfile::TempDir,
}

impl BenchServer {
    /// Starts the server binary found next to this one, on SQLite or on `database_url`.
    pub fn start(bin_dir: &Path, database_url: Option<&str>) -> Result<Self> {
        let dir = tempfile::tempdir()?;
        let server = bin_dir.join("tadhkira-server");
        anyhow::ensure!(
            server.exists(),
            "{} is missing: cargo xtask bench builds it",
            server.display()
        );
        let with_db = |c: &mut Command| {
            c.arg("--data-dir").arg(dir.path());
            if let Some(url) = database_url {
                c.arg("--database-url").arg(url);
            }
        };
        let mut demo = Command::new(&server);
        demo.arg("demo").stdout(Stdio::null());
        with_db(&mut demo);
        let st = demo.status().context("running tadhkira-server demo")?;
        anyhow::ensure!(st.success(), "tadhkira-server demo failed ({st})");

        let mut serve = Command::new(&server);
        serve
            .args(["serve", "--bind", "127.0.0.1:0"])
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped());
        with_db(&mut serve);
        let mut child = serve.spawn().context("starting tadhkira-server")?;
        let stdout = child.stdout.take().context("server stdout")?;
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(url) = line.strip_prefix("listening on ") {
                    let _ = tx.send(url.trim().to_string());
                }
            }
        });
        let deadline = Instant::now() + Duration::from_secs(30);
        let url = loop {
            if let Ok(url) = rx.recv_timeout(Duration::from_millis(50)) {
                break url;
            }
            if let Some(st) = child.try_wait()? {
                bail!("tadhkira-server exited before listening ({st})");
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                bail!("tadhkira-server did not listen within 30 s");
            }
        };
        Ok(Self {
            url,
            child,
            _dir: dir,
        })
    }

    /// Signs in and returns the token.
    pub async fn login(&self, email: &str) -> Result<String> {
        let resp: LoginResponse = reqwest::Client::new()
            .post(format!("{}/api/v1/auth/login", self.url))
            .json(&serde_json::json!({"email": email, "password": "demo1234"}))
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
        let _ = Command::new("kill")
            .arg(self.child.id().to_string())
            .status();
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if matches!(self.child.try_wait(), Ok(Some(_))) {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The folder of this executable (where the workspace's other binaries are).
pub fn bin_dir() -> PathBuf {
    std::env::current_exe()
        .ok()
        .and_then(|p| p.parent().map(Path::to_path_buf))
        .unwrap_or_else(|| PathBuf::from("."))
}

/// A fresh PostgreSQL database for one run, dropped afterwards by the caller.
pub async fn fresh_pg_database(admin_url: &str) -> Result<(String, String)> {
    use sqlx::Connection;
    let name = format!("tadhkira_bench_{}", uuid::Uuid::new_v4().simple());
    let mut conn = sqlx::PgConnection::connect(admin_url)
        .await
        .with_context(|| {
            format!("PostgreSQL at {admin_url} is needed for the PostgreSQL figures")
        })?;
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut conn)
        .await?;
    let base = admin_url
        .rsplit_once('/')
        .map(|(b, _)| b)
        .unwrap_or(admin_url);
    Ok((format!("{base}/{name}"), name))
}

/// Drops a database made by [`fresh_pg_database`].
pub async fn drop_pg_database(admin_url: &str, name: &str) -> Result<()> {
    use sqlx::Connection;
    let mut conn = sqlx::PgConnection::connect(admin_url).await?;
    sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .execute(&mut conn)
        .await?;
    Ok(())
}
