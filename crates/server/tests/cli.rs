//! The command-line contract others rely on, checked on the real binary: `serve`
//! prints exactly one `listening on http://127.0.0.1:PORT` line and stops cleanly on
//! SIGTERM; `demo` loads once and its sign-ins work; the admin subcommands do what they
//! say. Runs on SQLite and (for serve + demo) PostgreSQL.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use sqlx::Connection;

const BIN: &str = env!("CARGO_BIN_EXE_tadhkira-server");

fn run<S: AsRef<std::ffi::OsStr> + std::fmt::Debug>(args: &[S], envs: &[(&str, &str)]) -> String {
    let out = Command::new(BIN)
        .args(args)
        .envs(envs.iter().copied())
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "{args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Starts `serve` and answers the process and its base URL.
fn serve(db_args: &[&str]) -> (Child, String) {
    let mut child = Command::new(BIN)
        .args(["serve", "--bind", "127.0.0.1:0"])
        .args(db_args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("serve starts");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("a line");
    let url = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"));
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    (child, url.to_owned())
}

fn stop(mut child: Child) {
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().expect("wait") {
            assert!(status.success(), "exit status {status}");
            return;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "did not stop on SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

async fn call(
    url: &str,
    method: reqwest::Method,
    path: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> (u16, Value) {
    let mut req = reqwest::Client::new().request(method, format!("{url}/api/v1{path}"));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    if let Some(b) = body {
        req = req.json(&b);
    }
    let resp = req.send().await.expect("request");
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

async fn login(url: &str, email: &str, password: &str) -> (u16, Value) {
    call(
        url,
        reqwest::Method::POST,
        "/auth/login",
        None,
        Some(json!({"email": email, "password": password})),
    )
    .await
}

async fn demo_then_serve(db_args: &[&str]) {
    let mut args = vec!["demo"];
    args.extend_from_slice(db_args);
    let first = run(&args, &[]);
    assert!(
        first.contains("Demo data loaded") && first.contains("customer@nile.example"),
        "{first}"
    );
    assert!(run(&args, &[]).contains("already loaded"));
    let (child, url) = serve(db_args);
    let (s, _) = call(&url, reqwest::Method::GET, "/health", None, None).await;
    assert_eq!(s, 200);
    let (s, agent) = login(&url, "l1@tadhkira.example", "demo1234").await;
    assert_eq!(s, 200, "{agent}");
    let (_, list) = call(
        &url,
        reqwest::Method::GET,
        "/tickets?limit=1",
        agent["token"].as_str(),
        None,
    )
    .await;
    assert_eq!(list["total"], 50);
    let (s, dunes) = login(&url, "customer@dunes.example", "demo1234").await;
    assert_eq!(s, 200);
    let new = json!({"id": uuid::Uuid::now_v7(), "title": "Lapsed asks", "description": "d", "priority": "low", "channel": "desktop"});
    let (s, err) = call(
        &url,
        reqwest::Method::POST,
        "/tickets",
        dunes["token"].as_str(),
        Some(new),
    )
    .await;
    assert_eq!(
        (s, err["code"].as_str()),
        (402, Some("subscription_inactive"))
    );
    let (_, mine) = call(
        &url,
        reqwest::Method::GET,
        "/tickets?limit=500",
        dunes["token"].as_str(),
        None,
    )
    .await;
    let n = mine["total"].as_i64().unwrap();
    assert!(n > 0 && n < 50, "Dunes sees only its own tickets: {n}");
    assert!(
        !mine.to_string().contains("Internal:"),
        "no internal notes in the list"
    );
    stop(child);
}

/// A nonsense setting stops `serve` at start with the key named, before it listens or
/// touches the database: no panic, no half-started server.
#[test]
fn serve_refuses_nonsense_settings_at_start_naming_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (
            "[sla.urgent]\nfirst_response_minutes = 0\nresolution_minutes = 480\n",
            "sla.urgent.first_response_minutes = 0",
        ),
        (
            "[sla.high]\nfirst_response_minutes = -30\nresolution_minutes = 480\n",
            "sla.high.first_response_minutes = -30",
        ),
        (
            "[sla.normal]\nfirst_response_minutes = 600\nresolution_minutes = 60\n",
            "sla.normal.resolution_minutes = 60",
        ),
        ("token_ttl_hours = 0\n", "token_ttl_hours = 0"),
        ("[write_quota]\nburst = 0\n", "write_quota.burst = 0"),
        (
            "[event_streams]\nmax_per_user = 0\n",
            "event_streams.max_per_user = 0",
        ),
    ];
    for (i, (toml_text, key)) in cases.into_iter().enumerate() {
        let config = dir.path().join(format!("bad-{i}.toml"));
        std::fs::write(&config, toml_text).unwrap();
        let data = dir.path().join(format!("data-{i}"));
        let out = Command::new(BIN)
            .args(["serve", "--bind", "127.0.0.1:0", "--data-dir"])
            .arg(&data)
            .arg("--config")
            .arg(&config)
            .output()
            .expect("runs");
        assert!(!out.status.success(), "{key}: serve must refuse to start");
        assert_eq!(
            out.status.code(),
            Some(1),
            "{key}: an error exit, not a panic"
        );
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains(key) && stderr.contains("bad config"),
            "{key}: {stderr}"
        );
        assert!(!stderr.contains("panicked"), "{stderr}");
        assert!(
            String::from_utf8_lossy(&out.stdout).is_empty(),
            "nothing listened"
        );
        assert!(!data.join("tadhkira.db").exists(), "no database was made");
    }
}

#[test]
fn demo_refuses_a_database_with_other_users_unless_forced() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    run(
        &[
            "user",
            "create",
            "--email",
            "l2@help.example",
            "--name",
            "Lina",
            "--role",
            "agent",
            "--tier",
            "2",
            "--data-dir",
            d,
        ],
        &[("TADHKIRA_PASSWORD", "first-pass")],
    );
    let refused = Command::new(BIN)
        .args(["demo", "--data-dir", d])
        .output()
        .expect("runs");
    assert!(!refused.status.success(), "demo must refuse");
    let why = String::from_utf8_lossy(&refused.stderr);
    assert!(
        why.contains("already has users") && why.contains("--force"),
        "{why}"
    );
    assert!(run(&["demo", "--force", "--data-dir", d], &[]).contains("Demo data loaded."));
    // Loaded once, a later run (as `cargo xtask run` does each time) is fine.
    assert!(run(&["demo", "--data-dir", d], &[]).contains("Demo data was already loaded."));
}

#[tokio::test]
async fn demo_and_serve_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    demo_then_serve(&["--data-dir", dir.path().to_str().unwrap()]).await;
}

#[tokio::test]
async fn demo_and_serve_on_postgres() {
    let admin = std::env::var("TADHKIRA_TEST_PG_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    let mut conn = sqlx::PgConnection::connect(&admin)
        .await
        .unwrap_or_else(|e| {
            panic!(
                "PostgreSQL is needed but unreachable at {admin} (set TADHKIRA_TEST_PG_URL): {e}"
            )
        });
    let name = format!("tadhkira_cli_{}", uuid::Uuid::new_v4().simple());
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut conn)
        .await
        .unwrap();
    let base = admin.rsplit_once('/').map(|(b, _)| b.to_owned()).unwrap();
    let url = format!("{base}/{name}");
    let dir = tempfile::tempdir().unwrap();
    demo_then_serve(&[
        "--data-dir",
        dir.path().to_str().unwrap(),
        "--database-url",
        &url,
    ])
    .await;
    sqlx::query(&format!("DROP DATABASE {name} WITH (FORCE)"))
        .execute(&mut conn)
        .await
        .unwrap();
}

#[tokio::test]
async fn admin_commands_manage_organisations_users_and_tokens() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    let db = |args: &[&'static str]| -> Vec<String> {
        args.iter()
            .map(|a| a.to_string())
            .chain(["--data-dir".to_string(), d.to_string()])
            .collect()
    };
    run(
        &db(&[
            "org",
            "create",
            "--name",
            "Oasis Foods",
            "--paid-until",
            "2099-01-01",
        ]),
        &[],
    );
    run(
        &db(&[
            "user",
            "create",
            "--email",
            "Amal@Oasis.example",
            "--name",
            "Amal",
            "--role",
            "customer",
            "--org",
            "Oasis Foods",
        ]),
        &[("TADHKIRA_PASSWORD", "first-pass")],
    );
    run(
        &db(&[
            "user",
            "create",
            "--email",
            "l2@help.example",
            "--name",
            "Lina",
            "--role",
            "agent",
            "--tier",
            "2",
            "--locale",
            "ar",
        ]),
        &[("TADHKIRA_PASSWORD", "agent-pass")],
    );
    let bad = Command::new(BIN)
        .args(db(&[
            "user",
            "create",
            "--email",
            "x@y.example",
            "--name",
            "X",
            "--role",
            "customer",
        ]))
        .env("TADHKIRA_PASSWORD", "long-enough")
        .output()
        .unwrap();
    assert!(!bad.status.success(), "a customer needs an organisation");
    let (child, url) = serve(&["--data-dir", d]);
    let (s, amal) = login(&url, "amal@oasis.example", "first-pass").await;
    assert_eq!(s, 200, "{amal}");
    assert_eq!(amal["organisation"]["name"], "Oasis Foods");
    let (_, lina) = login(&url, "l2@help.example", "agent-pass").await;
    assert_eq!(lina["user"]["tier"], 2);
    // Revoking tokens signs the user out everywhere.
    assert!(run(
        &db(&["tokens", "revoke", "--email", "l2@help.example"]),
        &[]
    )
    .contains("revoked 1"));
    let (s, _) = call(
        &url,
        reqwest::Method::GET,
        "/me",
        lina["token"].as_str(),
        None,
    )
    .await;
    assert_eq!(s, 401);
    // A password reset takes effect at once; the old password no longer works.
    run(
        &db(&["user", "password", "--email", "amal@oasis.example"]),
        &[("TADHKIRA_PASSWORD", "second-pass")],
    );
    assert_eq!(login(&url, "amal@oasis.example", "first-pass").await.0, 401);
    assert_eq!(
        login(&url, "amal@oasis.example", "second-pass").await.0,
        200
    );
    // A lapsed subscription stops new tickets.
    run(
        &db(&[
            "org",
            "subscription",
            "--name",
            "Oasis Foods",
            "--paid-until",
            "2001-01-01",
        ]),
        &[],
    );
    let (_, amal) = login(&url, "amal@oasis.example", "second-pass").await;
    let new = json!({"id": uuid::Uuid::now_v7(), "title": "After lapse", "description": "d", "priority": "low", "channel": "desktop"});
    let (s, _) = call(
        &url,
        reqwest::Method::POST,
        "/tickets",
        amal["token"].as_str(),
        Some(new),
    )
    .await;
    assert_eq!(s, 402);
    stop(child);
    assert!(Path::new(d).join("tadhkira.db").exists());
}
