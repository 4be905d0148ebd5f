//! Test helpers: a real server on a loopback port against a fresh SQLite file or a
//! fresh PostgreSQL database, people to act as, and a small JSON client.
//!
//! PostgreSQL comes from `TADHKIRA_TEST_PG_URL` (default
//! `postgres://postgres@127.0.0.1:5432/postgres`); each test creates its own database
//! and drops it at the end. If PostgreSQL is unreachable the PostgreSQL tests fail with
//! a message naming it — they never skip.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::Value;
use sqlx::Connection;
use tadhkira_proto::{MutationEnvelope, PushRequest, Role};
use tadhkira_server::admin::{create_user, UserSpec};
use tadhkira_server::config::{Argon2Params, Config, DatabaseUrl, Settings, WriteQuotaSettings};
use tadhkira_server::{spawn, RunningServer};
use uuid::Uuid;

/// Which database a scenario runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Db {
    Sqlite,
    Postgres,
}

/// Runs a scenario (an `async fn(Db)`) once on SQLite and once on PostgreSQL.
#[macro_export]
macro_rules! on_both {
    ($name:ident) => {
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn sqlite() {
                super::$name($crate::helpers::Db::Sqlite).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn postgres() {
                super::$name($crate::helpers::Db::Postgres).await
            }
        }
    };
}

fn pg_admin_url() -> String {
    std::env::var("TADHKIRA_TEST_PG_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

/// Settings that keep tests fast: cheap password hashing.
/// The feed's head on a new server: one row, the response policy in effect (written at
/// start-up so every client pulls it).
pub const HEAD_AT_START: i64 = 1;

pub fn test_settings() -> Settings {
    Settings {
        argon2: Argon2Params {
            memory_kib: 64,
            iterations: 1,
            parallelism: 1,
        },
        // The benchmark and the load scenarios write far past a person's quota; the
        // quota's own scenario sets its own.
        write_quota: WriteQuotaSettings {
            mutations_per_minute: 1_000_000,
            burst: 1_000_000,
        },
        ..Settings::default()
    }
}

/// A running server with its people.
pub struct TestApp {
    pub server: RunningServer,
    /// Every answer it receives is checked against the API contract.
    pub http: crate::contract::Http,
    pub settings: Settings,
    config: Config,
    _dir: tempfile::TempDir,
    pg_db: PgDatabase,
}

/// A per-test PostgreSQL database; dropped by [`TestApp::finish`], or here with `psql`
/// if the test failed before reaching it.
struct PgDatabase(Option<String>);

impl Drop for PgDatabase {
    fn drop(&mut self) {
        if let Some(name) = self.0.take() {
            let _ = std::process::Command::new("psql")
                .args(["-h", "127.0.0.1", "-U", "postgres", "-d", "postgres", "-c"])
                .arg(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .output();
        }
    }
}

/// A signed-in user.
#[derive(Clone)]
pub struct Person {
    pub id: Uuid,
    pub email: String,
    pub token: String,
}

/// The cast of most scenarios.
pub struct Cast {
    /// Customer of the paid organisation A.
    pub customer_a: Person,
    /// Customer of the paid organisation B.
    pub customer_b: Person,
    /// Customer of the lapsed organisation.
    pub lapsed: Person,
    pub agent: Person,
    pub admin: Person,
}

impl TestApp {
    /// Starts a server on `db` with test settings.
    pub async fn spawn(db: Db) -> TestApp {
        Self::spawn_with(db, test_settings()).await
    }

    /// Starts a server on `db` with these settings.
    pub async fn spawn_with(db: Db, settings: Settings) -> TestApp {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut config = Config::new(dir.path());
        config.settings = settings.clone();
        let mut pg_db = None;
        if db == Db::Postgres {
            let admin = pg_admin_url();
            let name = format!("tadhkira_test_{}", Uuid::new_v4().simple());
            let mut conn = sqlx::PgConnection::connect(&admin).await.unwrap_or_else(|e| {
                panic!("PostgreSQL is needed for this test but is unreachable at {admin} (set TADHKIRA_TEST_PG_URL): {e}")
            });
            sqlx::query(&format!("CREATE DATABASE {name}"))
                .execute(&mut conn)
                .await
                .expect("create database");
            let base = admin
                .rsplit_once('/')
                .map(|(b, _)| b.to_owned())
                .unwrap_or(admin.clone());
            config.database_url = Some(DatabaseUrl(format!("{base}/{name}")));
            pg_db = Some(name);
        }
        let server = spawn(config.clone()).await.expect("server starts");
        TestApp {
            server,
            http: crate::contract::Http::default(),
            settings,
            config,
            _dir: dir,
            pg_db: PgDatabase(pg_db),
        }
    }

    /// Another server process on the same database (stateless servers behind a load
    /// balancer). Stop it before [`TestApp::finish`].
    pub async fn spawn_peer(&self) -> RunningServer {
        spawn(self.config.clone()).await.expect("peer starts")
    }

    /// Stops the server and drops its PostgreSQL database.
    pub async fn finish(self) {
        self.server.stop().await.expect("server stops cleanly");
        let mut pg_db = self.pg_db;
        if let Some(name) = pg_db.0.take() {
            let mut conn = sqlx::PgConnection::connect(&pg_admin_url())
                .await
                .expect("pg");
            sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .execute(&mut conn)
                .await
                .expect("drop database");
        }
    }

    /// Runs one statement on the server's database behind its back (as an operator or
    /// another server process would).
    pub async fn execute_on_database(&self, sql: &str) {
        use sqlx::Connection;
        let url = self.config.effective_database_url();
        let mut conn = sqlx::AnyConnection::connect(url.expose())
            .await
            .expect("connect to the server's database");
        sqlx::query(sql).execute(&mut conn).await.expect(sql);
        conn.close().await.expect("close");
    }

    /// Runs one `SELECT COUNT(*) AS n …` on the server's database behind its back.
    pub async fn count_on_database(&self, sql: &str) -> i64 {
        use sqlx::{Connection, Row};
        let url = self.config.effective_database_url();
        let mut conn = sqlx::AnyConnection::connect(url.expose())
            .await
            .expect("connect to the server's database");
        let n: i64 = sqlx::query(sql)
            .fetch_one(&mut conn)
            .await
            .expect(sql)
            .try_get("n")
            .expect("n");
        conn.close().await.expect("close");
        n
    }

    /// The server's data folder (its blobs and uploads in progress live here).
    pub fn data_dir(&self) -> std::path::PathBuf {
        self.config.data_dir.clone()
    }

    /// `http://127.0.0.1:PORT/api/v1` + path; a path that starts with `/api/` is taken
    /// from the root (`/api/docs`).
    pub fn url(&self, path: &str) -> String {
        if path.starts_with("/api/") {
            format!("{}{path}", self.server.url())
        } else {
            format!("{}/api/v1{path}", self.server.url())
        }
    }

    /// Creates an organisation; `paid` says whether its subscription is active.
    pub async fn org(&self, name: &str, paid: bool) -> Uuid {
        let until = chrono::Utc::now() + chrono::Duration::days(if paid { 365 } else { -30 });
        self.server
            .store
            .create_organisation(name, Some(until))
            .await
            .expect("org")
            .id
    }

    /// Creates a user (password `password1`) and signs them in over HTTP.
    pub async fn person(
        &self,
        email: &str,
        role: Role,
        org: Option<&str>,
        tier: Option<i64>,
    ) -> Person {
        let spec = UserSpec {
            email: email.into(),
            name: format!("Test {email}"),
            role,
            org: org.map(Into::into),
            tier,
            locale: "en".into(),
            phone: None,
        };
        let user = create_user(&self.server.store, &self.settings, spec, "password1")
            .await
            .expect("user");
        let (status, body) = self
            .call(
                reqwest::Method::POST,
                "/auth/login",
                None,
                Some(serde_json::json!({"email": email, "password": "password1"})),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        Person {
            id: user.id,
            email: email.into(),
            token: body["token"].as_str().expect("token").into(),
        }
    }

    /// Two paid organisations, a lapsed one, their customers, an agent and an admin.
    pub async fn cast(&self) -> Cast {
        self.org("Org A", true).await;
        self.org("Org B", true).await;
        self.org("Lapsed Org", false).await;
        Cast {
            customer_a: self
                .person("a@org-a.example", Role::Customer, Some("Org A"), None)
                .await,
            customer_b: self
                .person("b@org-b.example", Role::Customer, Some("Org B"), None)
                .await,
            lapsed: self
                .person("c@lapsed.example", Role::Customer, Some("Lapsed Org"), None)
                .await,
            agent: self
                .person("agent@help.example", Role::Agent, None, Some(1))
                .await,
            admin: self
                .person("admin@help.example", Role::Admin, None, None)
                .await,
        }
    }

    /// A token of `who` that expired a second ago.
    pub async fn expired_token(&self, who: &Person) -> String {
        self.server
            .store
            .issue_token(who.id, None, chrono::Duration::seconds(-1))
            .await
            .expect("token")
            .token
    }

    /// One JSON request; answers the status and the JSON body (`Null` if none). The
    /// answer must match the OpenAPI document ([`crate::contract`]), or the test fails.
    pub async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut req = self
            .http
            .request(method.clone(), self.url(path))
            .timeout(Duration::from_secs(60));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.expect("request");
        let status = resp.status();
        let text = resp.text().await.expect("body");
        // `send` has checked the answer against the contract.
        let json = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        };
        (status, json)
    }

    /// GET as `who`.
    pub async fn get(&self, who: &Person, path: &str) -> (StatusCode, Value) {
        self.call(reqwest::Method::GET, path, Some(&who.token), None)
            .await
    }

    /// Pushes mutations as `who`; answers the results array.
    pub async fn push(&self, who: &Person, mutations: &[MutationEnvelope]) -> Vec<Value> {
        let req = PushRequest {
            client_id: Uuid::now_v7(),
            mutations: mutations.to_vec(),
        };
        let (status, body) = self
            .call(
                reqwest::Method::POST,
                "/sync/push",
                Some(&who.token),
                Some(serde_json::to_value(req).unwrap()),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body["results"].as_array().expect("results").clone()
    }

    /// Pulls everything `who` may see from cursor 0; answers the changes.
    /// What `who` pulls besides the response policy every server starts with.
    pub async fn pull_all_but_policy(&self, who: &Person) -> Vec<Value> {
        let mut all = self.pull_all(who).await;
        all.retain(|c| c["entity"]["kind"] != "response_policy");
        all
    }

    /// `GET /sync/snapshot` as `who`, decoded (gzip, then length-prefixed frames):
    /// the head's cursor and every change, as JSON like a pull's. Checks the frames'
    /// order and the end frame's count.
    pub async fn snapshot_all(&self, who: &Person) -> (i64, Vec<Value>) {
        use std::io::Read;
        let resp = reqwest::Client::new()
            .get(self.url("/sync/snapshot"))
            .bearer_auth(&who.token)
            .send()
            .await
            .expect("snapshot");
        assert_eq!(resp.status(), StatusCode::OK);
        assert_eq!(
            resp.headers()["content-type"],
            tadhkira_proto::SNAPSHOT_MEDIA_TYPE
        );
        let gz = resp.bytes().await.expect("snapshot body");
        let mut raw = Vec::new();
        flate2::read::GzDecoder::new(&gz[..])
            .read_to_end(&mut raw)
            .expect("one whole gzip stream");
        let mut frames = Vec::new();
        let mut at = 0;
        while at < raw.len() {
            let len = u32::from_be_bytes(raw[at..at + 4].try_into().unwrap()) as usize;
            let frame: Value = serde_json::from_slice(&raw[at + 4..at + 4 + len]).expect("frame");
            frames.push(frame);
            at += 4 + len;
        }
        let cursor = frames[0]["head"]["cursor"].as_i64().expect("head first");
        let end = frames.last().unwrap()["end"]["changes"]
            .as_u64()
            .expect("end last");
        let changes: Vec<Value> = frames[1..frames.len() - 1]
            .iter()
            .flat_map(|f| f["changes"].as_array().expect("changes frame").clone())
            .collect();
        assert_eq!(changes.len() as u64, end);
        (cursor, changes)
    }

    pub async fn pull_all(&self, who: &Person) -> Vec<Value> {
        let mut cursor = 0;
        let mut all = Vec::new();
        loop {
            let (status, body) = self
                .get(who, &format!("/sync/pull?cursor={cursor}&limit=500"))
                .await;
            assert_eq!(status, StatusCode::OK, "{body}");
            all.extend(body["changes"].as_array().expect("changes").iter().cloned());
            cursor = body["cursor"].as_i64().expect("cursor");
            if !body["has_more"].as_bool().expect("has_more") {
                return all;
            }
        }
    }
}

/// Builders of mutations.
pub mod m {
    use tadhkira_proto::*;
    use uuid::Uuid;

    pub fn envelope(mutation: Mutation) -> MutationEnvelope {
        MutationEnvelope {
            id: Uuid::now_v7(),
            mutation,
        }
    }

    pub fn new_ticket(id: Uuid, title: &str, requester: Option<Uuid>) -> Mutation {
        Mutation::CreateTicket(NewTicket {
            id,
            title: TicketTitle::parse(title).unwrap(),
            description: Description::parse("Details of the problem").unwrap(),
            priority: Priority::Normal,
            channel: Channel::Desktop,
            category: None,
            contact: Contact::default(),
            checks: vec![],
            system_info: None,
            requester_id: requester,
            lapsed_override: None,
            attachments: vec![],
            terms_version: None,
        })
    }

    /// `new_ticket` with a reason for logging it despite a lapsed subscription.
    pub fn overriding(mutation: Mutation, reason: &str) -> Mutation {
        let Mutation::CreateTicket(mut t) = mutation else {
            panic!("only a new ticket takes an override");
        };
        t.lapsed_override = Some(ShortText::parse(reason).unwrap());
        Mutation::CreateTicket(t)
    }

    pub fn message(ticket_id: Uuid, body: &str, visibility: Visibility) -> Mutation {
        Mutation::AddMessage(NewMessage {
            id: Uuid::now_v7(),
            ticket_id,
            body: MessageBody::parse(body).unwrap(),
            visibility,
            attachments: vec![],
        })
    }

    pub fn set(ticket_id: Uuid, value: FieldValue, seen_version: i64) -> Mutation {
        Mutation::UpdateTicket(TicketUpdate {
            ticket_id,
            changes: vec![FieldChange {
                value,
                seen_version,
            }],
        })
    }
}
