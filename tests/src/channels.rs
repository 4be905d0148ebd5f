//! What the channel suites (`channel_email`, `channel_whatsapp`) share: a real
//! `tadhkira-server` started with a channel's configuration (its secrets in files, as
//! a deployment keeps them), the two organisations of every story — Nile Logistics,
//! paid, and Dunes Trading, lapsed — and the REST calls a story makes as a signed-in
//! person. Each suite adds what is its channel's own (the mail servers, the Graph API's
//! stand-in, webhook deliveries).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::server::{spawn_server_pg_with, spawn_server_with, TestServer, PASSWORD};

/// The organisation whose subscription is paid.
pub const PAID_ORG: &str = "Nile Logistics";
/// The organisation whose subscription has lapsed.
pub const LAPSED_ORG: &str = "Dunes Trading";

/// A server with a channel set up, and an HTTP client for the story.
pub struct ChannelDesk {
    /// The server process.
    pub server: TestServer,
    /// The story's client.
    pub http: reqwest::Client,
    /// The configuration file it runs with (a second process can share it).
    pub config: PathBuf,
    _dir: tempfile::TempDir,
}

/// Writes a secret into a file of `dir`, answers the file's path (for a `{ file = … }`
/// secret source).
fn secret_file(dir: &Path, name: &str, value: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, format!("{value}\n")).expect("writing a secret");
    path.display().to_string()
}

impl ChannelDesk {
    /// Starts the server (on PostgreSQL when `pg`) with the configuration `toml`
    /// writes — given a function that puts a secret (name, value) in a file and
    /// answers its path — and the two organisations.
    pub fn start(pg: bool, toml: impl FnOnce(&dyn Fn(&str, &str) -> String) -> String) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let secret = |name: &str, value: &str| secret_file(dir.path(), name, value);
        let config = dir.path().join("server.toml");
        std::fs::write(&config, toml(&secret)).expect("writing the configuration");
        let extra = vec!["--config".into(), config.clone().into_os_string()];
        let server = if pg {
            spawn_server_pg_with(extra)
        } else {
            spawn_server_with(extra)
        };
        server.create_org(PAID_ORG, "2099-12-31");
        server.create_org(LAPSED_ORG, "2020-01-01");
        ChannelDesk {
            server,
            http: reqwest::Client::new(),
            config,
            _dir: dir,
        }
    }

    /// Adds a customer of `org` (password [`PASSWORD`]), with a phone when given.
    pub fn customer(&self, email: &str, name: &str, org: &str, phone: Option<&str>) {
        let mut args = vec![
            "user", "create", "--email", email, "--name", name, "--role", "customer", "--org", org,
        ];
        if let Some(phone) = phone {
            args.extend(["--phone", phone]);
        }
        self.server.admin(&args);
    }

    /// The URL of an API path (`/tickets` → `…/api/v1/tickets`).
    pub fn url(&self, path: &str) -> String {
        format!("{}/api/v1{path}", self.server.url())
    }

    /// Signs `email` in; answers the token.
    pub async fn sign_in(&self, email: &str) -> String {
        let r: Value = self
            .http
            .post(self.url("/auth/login"))
            .json(&json!({"email": email, "password": PASSWORD}))
            .send()
            .await
            .expect("sign in")
            .json()
            .await
            .expect("sign-in answer");
        r["token"].as_str().expect("a token").to_owned()
    }

    /// `GET` as `token`: the status and the JSON (`Null` when none).
    pub async fn get(&self, token: &str, path: &str) -> (StatusCode, Value) {
        let r = self
            .http
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .expect("GET");
        let status = r.status();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    /// `POST` of JSON as `token`: the status and the JSON (`Null` when none).
    pub async fn post(&self, token: &str, path: &str, body: Value) -> (StatusCode, Value) {
        let r = self
            .http
            .post(self.url(path))
            .bearer_auth(token)
            .json(&body)
            .send()
            .await
            .expect("POST");
        let status = r.status();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    /// The tickets `token` sees (up to 200).
    pub async fn tickets(&self, token: &str) -> Vec<Value> {
        let (s, page) = self.get(token, "/tickets?limit=200").await;
        assert_eq!(s, StatusCode::OK, "{page}");
        page["tickets"].as_array().expect("tickets").clone()
    }

    /// One ticket with its messages, as `token` sees it.
    pub async fn detail(&self, token: &str, id: &str) -> Value {
        let (s, d) = self.get(token, &format!("/tickets/{id}")).await;
        assert_eq!(s, StatusCode::OK, "{d}");
        d
    }
}

/// Waits (up to 30 s) until `check` holds; `what` names the wait in the failure.
pub async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + Duration::from_secs(30);
    while !check().await {
        assert!(Instant::now() < deadline, "timed out waiting for: {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
