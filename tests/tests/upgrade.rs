//! Upgrade from the last release (issue 21): a server database and a customer's data
//! folder left by the previous release's own code — with a synced ticket, an agent's
//! answer, a rejected ticket and two changes queued offline — are opened by this build.
//! The server migrates its database (a SQLite file; or a PostgreSQL dump restored into
//! a fresh database), the engine migrates the local store, and one sync sends the queued
//! changes. The test fails when a migration loses or alters what the old release
//! stored, when an old outbox entry is dropped, sent twice or loses its rejection
//! reason, or when either database fails its integrity check.
//!
//! The fixtures, and how they were made, are in `tests/fixtures/upgrade/` (README.md;
//! `make.sh COMMIT` makes them again from another release).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use sqlx::Connection;
use tadhkira_client::{Engine, ListQuery, OutboxState};
use tadhkira_proto::ErrorCode;
use tadhkira_testkit::server::PgDatabase;
use tadhkira_tests::server::{
    open_device, spawn_server_on_pg, spawn_server_on_sqlite_copy, TestServer,
};

const PG_ADMIN_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// The server's user data, as one `id|…` line per row, table by table: what the old
/// release stored must read the same after the migrations.
const SERVER_ROWS: [(&str, &str); 6] = [
    (
        "organisations",
        "SELECT id || '|' || name FROM organisations",
    ),
    (
        "users",
        "SELECT id || '|' || email || '|' || role FROM users",
    ),
    (
        "tickets",
        "SELECT id || '|' || number || '|' || title FROM tickets",
    ),
    (
        "messages",
        "SELECT id || '|' || ticket_id || '|' || body FROM messages",
    ),
    (
        "ticket_events",
        "SELECT id || '|' || ticket_id || '|' || kind FROM ticket_events",
    ),
    ("applied_mutations", "SELECT id FROM applied_mutations"),
];

/// The same for the local store.
const LOCAL_ROWS: [(&str, &str); 3] = [
    (
        "tickets",
        "SELECT id || '|' || number || '|' || title FROM tickets",
    ),
    (
        "messages",
        "SELECT id || '|' || ticket_id || '|' || data FROM messages",
    ),
    (
        "outbox",
        "SELECT id || '|' || state || '|' || mutation FROM outbox",
    ),
];

/// Rows per table, as read by [`SERVER_ROWS`] or [`LOCAL_ROWS`].
type Snapshot = Vec<(&'static str, BTreeSet<String>)>;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/upgrade")
        .join(name)
}

async fn sqlite_texts(db: &Path, sql: &str) -> Vec<String> {
    let mut c = sqlx::SqliteConnection::connect(&format!("sqlite://{}?mode=ro", db.display()))
        .await
        .unwrap_or_else(|e| panic!("open {}: {e}", db.display()));
    let rows = sqlx::query_scalar(sql)
        .fetch_all(&mut c)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
    c.close().await.expect("close");
    rows
}

async fn pg_texts(url: &str, sql: &str) -> Vec<String> {
    let mut c = sqlx::PgConnection::connect(url)
        .await
        .unwrap_or_else(|e| panic!("connect to {url}: {e}"));
    let rows = sqlx::query_scalar(sql)
        .fetch_all(&mut c)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
    c.close().await.expect("close");
    rows
}

async fn sqlite_snapshot(db: &Path, queries: &[(&'static str, &str)]) -> Snapshot {
    let mut s = Vec::new();
    for (table, sql) in queries {
        s.push((*table, sqlite_texts(db, sql).await.into_iter().collect()));
    }
    s
}

async fn server_snapshot(server: &TestServer) -> Snapshot {
    let mut s = Vec::new();
    for (table, sql) in SERVER_ROWS {
        s.push((table, server.query_texts(sql).await.into_iter().collect()));
    }
    s
}

/// Every row of `before` is in `after`, unchanged (`after` may hold more: the test's
/// own changes, or a lifecycle job's on the server).
fn assert_kept(before: &Snapshot, after: &Snapshot, side: &str) {
    for ((table, old), (_, new)) in before.iter().zip(after) {
        let lost: Vec<&String> = old.difference(new).collect();
        assert!(
            lost.is_empty(),
            "{side}: the upgrade lost or altered {} row(s) of {table}: {lost:?}",
            lost.len()
        );
    }
}

/// A copy of the old customer's data folder, its account pointed at `server_url` (the
/// fixture was made against a server on another port; nothing else is touched).
fn client_copy(name: &str, server_url: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    copy_tree(&fixture(name).join("client"), dir.path());
    let account = dir.path().join("account.json");
    let mut json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&account).expect("account.json"))
            .expect("account.json is JSON");
    json["server_url"] = serde_json::Value::String(format!("{server_url}/"));
    std::fs::write(&account, json.to_string()).expect("write account.json");
    dir
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).unwrap_or_else(|e| panic!("{}: {e}", from.display())) {
        let entry = entry.expect("dir entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("file type").is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

/// The account's database in a data folder (`accounts/<user id>/local.db`).
fn local_db(dir: &Path) -> PathBuf {
    let mut accounts: Vec<PathBuf> = std::fs::read_dir(dir.join("accounts"))
        .expect("an accounts folder")
        .map(|e| e.expect("dir entry").path())
        .collect();
    assert_eq!(accounts.len(), 1, "one account: {accounts:?}");
    accounts.remove(0).join("local.db")
}

/// What the old CLI listed as the outbox (`tadhkira --json outbox`) when the fixture
/// was made: (id, kind, state).
fn outbox_before(name: &str) -> Vec<(String, String, String)> {
    let text = std::fs::read_to_string(fixture(name).join("outbox-before.json"))
        .expect("outbox-before.json");
    let items: Vec<serde_json::Value> = serde_json::from_str(&text).expect("a JSON list");
    items
        .iter()
        .map(|i| {
            let field = |k: &str| i[k].as_str().unwrap_or_default().to_owned();
            (field("id"), field("kind"), field("state"))
        })
        .collect()
}

async fn health(server: &TestServer) -> serde_json::Value {
    let r = reqwest::get(format!("{}/api/v1/health", server.url()))
        .await
        .expect("health answers");
    assert_eq!(r.status(), 200, "health is OK after the migrations");
    r.json().await.expect("health is JSON")
}

async fn count_on_server(server: &TestServer, sql: &str) -> usize {
    server.query_texts(sql).await.len()
}

/// The story after the server has migrated the old database: the engine migrates the
/// old store, keeps every old row and outbox entry, sends the two queued changes once,
/// keeps the rejected one with its reason, and both sides stay intact.
async fn upgrade_and_sync(name: &str, server: &TestServer, server_before: Snapshot) {
    let h = health(server).await;
    assert_eq!(h["migrations_current"], true, "{h}");
    let server_after = server_snapshot(server).await;
    assert_kept(&server_before, &server_after, "server");

    let folder = client_copy(name, &server.url());
    let db = local_db(folder.path());
    let local_before = sqlite_snapshot(&db, &LOCAL_ROWS).await;
    let old_outbox = outbox_before(name);
    assert_eq!(old_outbox.len(), 3, "the fixture's outbox: {old_outbox:?}");

    let engine = open_device(folder.path(), Default::default()).await;
    assert!(
        engine.store_recovery().await.unwrap().is_none(),
        "the old store was taken for damaged"
    );
    assert_eq!(engine.integrity_check().await.unwrap(), "ok");
    assert!(engine.account().is_some(), "still signed in");
    let local_after = sqlite_snapshot(&db, &LOCAL_ROWS).await;
    assert_kept(&local_before, &local_after, "local store");

    // The outbox as the old release listed it: same entries, order, kinds and states.
    let outbox = engine.outbox().await.unwrap();
    let now: Vec<(String, String, String)> = outbox
        .iter()
        .map(|i| {
            let state = serde_json::to_value(i.state).unwrap();
            (
                i.id.to_string(),
                i.kind.clone(),
                state.as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(now, old_outbox);
    let rejected = outbox
        .iter()
        .find(|i| i.state == OutboxState::Rejected)
        .expect("the rejected entry")
        .clone();
    let reason = rejected
        .error
        .clone()
        .expect("a rejection keeps its reason");
    assert_eq!(reason.code, ErrorCode::SubscriptionInactive);
    assert!(!reason.message.is_empty());
    let queued: Vec<uuid::Uuid> = outbox
        .iter()
        .filter(|i| i.state == OutboxState::Queued)
        .map(|i| i.id)
        .collect();
    assert_eq!(queued.len(), 2);

    let report = engine.sync_now().await.expect("the upgraded engine syncs");
    assert_eq!((report.pushed, report.accepted), (2, 2), "{report:?}");
    let left = engine.outbox().await.unwrap();
    assert_eq!(left.len(), 1, "only the rejected entry stays: {left:?}");
    assert_eq!(left[0].id, rejected.id);
    assert_eq!(left[0].state, OutboxState::Rejected);
    assert_eq!(left[0].error, rejected.error, "with its reason");

    // Each queued change on the server exactly once; the rejected one not at all.
    let applied = server.applied_mutation_ids().await;
    for id in &queued {
        assert!(applied.contains(id), "{id} reached the server");
    }
    assert!(!applied.contains(&rejected.id));
    let once = |sql: &'static str| async move { count_on_server(server, sql).await };
    assert_eq!(
        once("SELECT id FROM tickets WHERE title = 'Upgrade: queued before the upgrade'").await,
        1
    );
    assert_eq!(
        once("SELECT id FROM messages WHERE body = 'Upgrade: a reply queued before the upgrade.'")
            .await,
        1
    );
    assert_eq!(
        once("SELECT id FROM tickets WHERE title = 'Upgrade: rejected before the upgrade'").await,
        0
    );
    // A second sync sends nothing again.
    let again = engine.sync_now().await.unwrap();
    assert_eq!(again.pushed, 0, "{again:?}");
    let after_again = server.applied_mutation_ids().await;
    assert_eq!(after_again, applied);

    // The rejected entry still works as one: resent, it goes through, once.
    engine.resend(rejected.id, None).await.unwrap();
    let r = engine.sync_now().await.unwrap();
    assert_eq!((r.pushed, r.accepted, r.rejected), (1, 1, 0), "{r:?}");
    assert!(engine.outbox().await.unwrap().is_empty());
    assert_eq!(
        once("SELECT id FROM tickets WHERE title = 'Upgrade: rejected before the upgrade'").await,
        1
    );

    // The upgraded device shows what a fresh device of the same customer shows.
    let fresh = server.device("customer@nile.example").await;
    assert_same_tickets(&engine, &fresh.engine).await;
    let synced_id =
        std::fs::read_to_string(fixture(name).join("synced-ticket-id")).expect("synced-ticket-id");
    let synced = engine.ticket(synced_id.trim()).await.unwrap();
    let bodies: Vec<&str> = synced.messages.iter().map(|m| m.body.as_str()).collect();
    assert_eq!(
        bodies,
        [
            "Upgrade: the agent answered before the upgrade.",
            "Upgrade: a reply queued before the upgrade."
        ]
    );

    assert_eq!(engine.integrity_check().await.unwrap(), "ok");
    if let Some(check) = server.sqlite_integrity().await {
        assert_eq!(check, "ok");
    }
    let h = health(server).await;
    assert_eq!(h["database_reachable"], true, "{h}");
    engine.close().await;
    fresh.engine.close().await;
}

/// The tickets two engines list, with their numbers, titles and message counts.
async fn assert_same_tickets(a: &Engine, b: &Engine) {
    async fn tickets(e: &Engine) -> Vec<(uuid::Uuid, Option<i64>, String, usize)> {
        let rows = e
            .list_tickets(&ListQuery {
                limit: 500,
                ..Default::default()
            })
            .await
            .unwrap()
            .rows;
        let mut out = Vec::new();
        for r in rows {
            let v = e.ticket(&r.id.to_string()).await.unwrap();
            out.push((r.id, r.number, r.title.clone(), v.messages.len()));
        }
        out.sort();
        out
    }
    assert_eq!(tickets(a).await, tickets(b).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_old_releases_sqlite_server_and_local_store_migrate_and_sync_their_outbox() {
    let work = tempfile::tempdir().unwrap();
    let old = work.path().join("tadhkira.db");
    std::fs::copy(fixture("sqlite/tadhkira.db"), &old).expect("the SQLite fixture");
    assert_eq!(sqlite_texts(&old, "PRAGMA integrity_check").await, ["ok"]);
    let before = sqlite_snapshot(&old, &SERVER_ROWS).await;
    let server = spawn_server_on_sqlite_copy(&old);
    upgrade_and_sync("sqlite", &server, before).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_old_releases_postgresql_dump_and_local_store_migrate_and_sync_their_outbox() {
    let pg =
        PgDatabase::create(PG_ADMIN_URL, "tadhkira_upgrade").unwrap_or_else(|e| panic!("{e:#}"));
    let dump = fixture("postgres/server.sql");
    let out = Command::new("psql")
        .args(["-q", "-v", "ON_ERROR_STOP=1", "-d", pg.url(), "-f"])
        .arg(&dump)
        .output()
        .expect("psql runs");
    assert!(
        out.status.success(),
        "restoring {}: {}",
        dump.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    let mut before = Vec::new();
    for (table, sql) in SERVER_ROWS {
        before.push((table, pg_texts(pg.url(), sql).await.into_iter().collect()));
    }
    let server = spawn_server_on_pg(pg);
    upgrade_and_sync("postgres", &server, before).await;
}
