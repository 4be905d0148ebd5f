//! A full disk (issue 21), on a real small file system: a tmpfs of a few megabytes the
//! test mounts on a temporary folder and unmounts at the end (tests run as root here
//! and in CI; without root the mount fails and the test says so).
//!
//! - The engine's data folder fills up while the user queues changes and while a sync
//!   pulls: each action that cannot be saved fails with `EngineError::DiskFull` (the
//!   app shows `error.disk_full`), nothing is half-written (the integrity check passes,
//!   every change saved before is still queued), reading goes on, and once space is
//!   freed the same engine saves again and everything reaches the server once.
//! - The server's data folder (its SQLite file) fills up: pushes are answered with an
//!   error the engine retries, not an acknowledgement — every change stays queued and
//!   nothing counts as applied that the server did not store — and once space is freed
//!   the same server process takes them all, once.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use tadhkira_client::{Engine, EngineError, EngineErrorCode, ListQuery, NewTicketInput};
use tadhkira_proto::Visibility;
use tadhkira_tests::server::{open_device, spawn_server, spawn_server_in, TestServer, PASSWORD};

/// A tmpfs of `size` mounted on a fresh temporary folder; unmounted when dropped.
struct Tmpfs {
    dir: tempfile::TempDir,
}

impl Tmpfs {
    fn mount(size: &str) -> Tmpfs {
        let dir = tempfile::Builder::new()
            .prefix("tadhkira-full-")
            .tempdir()
            .unwrap();
        let out = Command::new("mount")
            .args([
                "-t",
                "tmpfs",
                "-o",
                &format!("size={size},mode=0755"),
                "tmpfs",
            ])
            .arg(dir.path())
            .output()
            .expect("mount runs");
        assert!(
            out.status.success(),
            "mounting a tmpfs on {} failed (the disk-full tests need root): {}",
            dir.path().display(),
            String::from_utf8_lossy(&out.stderr)
        );
        Tmpfs { dir }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        // Lazy: a file still open (a server being killed) must not keep it mounted.
        let _ = Command::new("umount")
            .arg("-l")
            .arg(self.dir.path())
            .status();
    }
}

/// Moves what a SQLite database's write-ahead log holds into the file and empties the
/// log (it keeps its size otherwise, and a later write would reuse that room instead of
/// needing new space). Safe beside the process that has it open.
async fn truncate_wal(db: &Path) {
    use sqlx::Connection;
    let mut c = sqlx::SqliteConnection::connect(&format!("sqlite://{}", db.display()))
        .await
        .unwrap_or_else(|e| panic!("open {}: {e}", db.display()));
    sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
        .execute(&mut c)
        .await
        .unwrap();
    c.close().await.unwrap();
}

/// The account's database in a data folder (`accounts/<user id>/local.db`).
fn local_db(dir: &Path) -> PathBuf {
    let user = std::fs::read_dir(dir.join("accounts"))
        .unwrap()
        .next()
        .expect("one account")
        .unwrap()
        .path();
    user.join("local.db")
}

/// Fills the file system of `dir` to the last byte with a ballast file; returns its
/// path (remove it to free the space).
fn fill(dir: &Path) -> PathBuf {
    let path = dir.join("ballast");
    let mut f = std::fs::File::create(&path).unwrap();
    let block = vec![0xA5u8; 64 * 1024];
    loop {
        match f.write(&block) {
            Ok(0) => break,
            Ok(_) => {}
            Err(e) if e.raw_os_error() == Some(28) => break,
            Err(e) => panic!("filling {}: {e}", dir.display()),
        }
    }
    // The last partial block, byte by byte.
    while f.write(&[0]).is_ok_and(|n| n == 1) {}
    let _ = f.sync_all();
    path
}

fn input(title: String) -> NewTicketInput {
    serde_json::from_value(serde_json::json!({
        "title": title,
        // Big enough that a few of them need new pages.
        "description": "disk full ".repeat(1900),
    }))
    .unwrap()
}

async fn tagged(e: &Engine, tag: &str) -> Vec<tadhkira_client::TicketRow> {
    e.list_tickets(&ListQuery {
        search: Some(tag.to_owned()),
        limit: 500,
        ..Default::default()
    })
    .await
    .unwrap()
    .rows
}

fn assert_disk_full<T: std::fmt::Debug>(r: Result<T, EngineError>, what: &str) {
    match r {
        Err(e) => assert_eq!(e.code(), EngineErrorCode::DiskFull, "{what}: {e}"),
        Ok(v) => panic!("{what} succeeded on a full disk: {v:?}"),
    }
}

/// Queues tickets until the disk refuses one; answers how many were saved.
async fn queue_until_full(e: &Engine, tag: &str) -> usize {
    for i in 0..400 {
        match e.create_ticket(input(format!("{tag} q{i}"))).await {
            Ok(_) => {}
            Err(err) => {
                assert_eq!(err.code(), EngineErrorCode::DiskFull, "{err}");
                return i;
            }
        }
    }
    panic!("400 tickets fitted on a full disk");
}

/// Removes the ballast and syncs until the outbox is empty, or panics after `secs`.
async fn drain_after_freeing(e: &Engine, ballast: &Path, secs: u64) {
    std::fs::remove_file(ballast).unwrap();
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        let r = e.sync_now().await;
        if r.is_ok() && e.outbox().await.unwrap().is_empty() {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "not drained after space was freed: {r:?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Each queued title on the server exactly once.
async fn assert_once_on_server(server: &TestServer, tag: &str, count: usize) {
    for i in 0..count {
        let sql = format!("SELECT id FROM tickets WHERE title = '{tag} q{i}'");
        let found = server.query_texts(&sql).await.len();
        assert_eq!(found, 1, "{tag} q{i} is on the server {found} times");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_local_disk_fails_clearly_keeps_everything_and_recovers() {
    let started = Instant::now();
    let server = spawn_server();
    server.demo();
    let tag = format!("full{}", uuid::Uuid::new_v4().simple());
    let disk = Tmpfs::mount("6m");
    let data = disk.path().join("data");
    let e = open_device(&data, Default::default()).await;
    e.sign_in(&server.url(), "customer@nile.example", PASSWORD)
        .await
        .unwrap();
    e.sync_now().await.unwrap();
    let before = e.list_tickets(&ListQuery::default()).await.unwrap().total;
    let customer_tickets: Vec<uuid::Uuid> = e
        .list_tickets(&ListQuery::default())
        .await
        .unwrap()
        .rows
        .iter()
        .map(|r| r.id)
        .take(5)
        .collect();
    assert_eq!(customer_tickets.len(), 5, "the demo customer has tickets");

    // Full, but for a slack of 300 KiB that is freed later.
    let slack = disk.path().join("slack");
    std::fs::write(&slack, vec![0u8; 300 * 1024]).unwrap();
    truncate_wal(&local_db(&data)).await;
    let ballast = fill(disk.path());

    // Pulling: an agent's long replies arrive while the disk is full. The page is not
    // applied (nor the cursor moved): the sync fails, and says why.
    let agent = server.device("l1@tadhkira.example").await;
    for t in &customer_tickets {
        for _ in 0..4 {
            agent
                .engine
                .add_message(*t, &"a long answer ".repeat(1400), Visibility::Public)
                .await
                .unwrap();
        }
    }
    agent.engine.sync_now().await.unwrap();
    assert_disk_full(e.sync_now().await, "a sync pulling onto a full disk");
    assert!(
        e.sync_state().last_error.is_some(),
        "the sync state says it failed"
    );
    assert_eq!(e.integrity_check().await.unwrap(), "ok");
    assert_eq!(
        e.list_tickets(&ListQuery::default()).await.unwrap().total,
        before,
        "reading goes on"
    );

    // Queueing: with the slack freed, the user files tickets until the disk is full
    // again; each is saved whole or refused.
    std::fs::remove_file(&slack).unwrap();
    let saved = queue_until_full(&e, &tag).await;
    assert!(saved > 0, "300 KiB took no ticket");
    assert_eq!(e.integrity_check().await.unwrap(), "ok");
    let outbox = e.outbox().await.unwrap();
    assert_eq!(
        outbox.len(),
        saved,
        "every saved change is queued: {outbox:?}"
    );
    assert_eq!(tagged(&e, &tag).await.len(), saved, "and shown");
    // A short reply may still fit in a page with room; it is saved whole or refused.
    let replied = match e
        .add_message(customer_tickets[0], "no room", Visibility::Public)
        .await
    {
        Ok(_) => 1,
        Err(err) => {
            assert_eq!(err.code(), EngineErrorCode::DiskFull, "{err}");
            0
        }
    };
    assert_eq!(e.outbox().await.unwrap().len(), saved + replied);
    // A sync now: when the server's answers cannot be recorded, the changes stay
    // queued (the server answers `duplicate` later: applied once either way).
    match e.sync_now().await {
        Err(err) => {
            assert_eq!(err.code(), EngineErrorCode::DiskFull, "{err}");
            assert_eq!(
                e.outbox().await.unwrap().len(),
                saved + replied,
                "the outbox is intact"
            );
        }
        Ok(report) => assert_eq!(report.rejected, 0, "{report:?}"),
    }
    assert_eq!(e.integrity_check().await.unwrap(), "ok");

    // Space is freed: the same engine saves, sends everything once, and pulls.
    std::fs::remove_file(&ballast).unwrap();
    e.create_ticket(input(format!("{tag} q{saved}")))
        .await
        .expect("saving works again once space is freed");
    let report = e.sync_now().await.expect("a sync works again");
    assert_eq!(report.rejected, 0, "{report:?}");
    assert!(e.outbox().await.unwrap().is_empty());
    assert_once_on_server(&server, &tag, saved + 1).await;
    agent.engine.sync_now().await.unwrap();
    for t in &customer_tickets {
        let mine = e.ticket(&t.to_string()).await.unwrap().messages.len();
        let theirs = agent.engine.ticket(&t.to_string()).await.unwrap().messages;
        let public = theirs
            .iter()
            .filter(|m| m.visibility == Visibility::Public)
            .count();
        assert_eq!(mine, public, "ticket {t} has every public reply");
    }
    assert_eq!(
        e.list_tickets(&ListQuery::default()).await.unwrap().total,
        before + saved as i64 + 1
    );
    assert_eq!(e.integrity_check().await.unwrap(), "ok");
    e.close().await;
    drop(e);
    eprintln!(
        "disk full (client): {saved} tickets queued before the disk filled; {:.1} s",
        started.elapsed().as_secs_f64()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_server_disk_acknowledges_nothing_it_did_not_store_and_recovers() {
    let started = Instant::now();
    let disk = Tmpfs::mount("24m");
    let server = spawn_server_in(tempfile::tempdir_in(disk.path()).unwrap());
    server.demo();
    let tag = format!("sfull{}", uuid::Uuid::new_v4().simple());
    let device = server.device("customer@nile.example").await;
    let e = &device.engine;

    truncate_wal(&server.data_dir().join("tadhkira.db")).await;
    let ballast = fill(disk.path());
    let count = 30;
    for i in 0..count {
        e.create_ticket(input(format!("{tag} q{i}"))).await.unwrap();
    }
    let queued: Vec<uuid::Uuid> = e.outbox().await.unwrap().iter().map(|i| i.id).collect();
    // Several rounds against the full disk: never an acknowledgement of what the server
    // could not store, never a rejection (the user would have to act), and the server
    // keeps answering.
    let mut failed_rounds = 0;
    for _ in 0..3 {
        let r = e.sync_now().await;
        let applied = server.applied_mutation_ids().await;
        let outbox = e.outbox().await.unwrap();
        for item in &outbox {
            assert_eq!(
                item.state,
                tadhkira_client::OutboxState::Queued,
                "a full disk is not a rejection: {item:?}"
            );
        }
        for id in &queued {
            let still_queued = outbox.iter().any(|i| i.id == *id);
            assert!(
                still_queued || applied.contains(id),
                "{id} left the outbox but the server did not store it"
            );
        }
        if r.is_err() {
            failed_rounds += 1;
        }
        if let Ok(report) = r {
            assert_eq!(report.rejected, 0, "{report:?}");
        }
    }
    assert!(failed_rounds > 0, "the full disk never showed");
    assert!(
        !e.outbox().await.unwrap().is_empty(),
        "30 large tickets fitted on a full disk"
    );
    let health = reqwest::get(format!("{}/api/v1/health", server.url()))
        .await
        .expect("the server still answers");
    assert!(health.status().is_success() || health.status() == 503);

    // Space is freed: the same server process takes everything, once.
    drain_after_freeing(e, &ballast, 20).await;
    let applied = server.applied_mutation_ids().await;
    for id in &queued {
        assert!(applied.contains(id), "{id} applied");
    }
    assert_once_on_server(&server, &tag, count).await;
    assert_eq!(server.sqlite_integrity().await.as_deref(), Some("ok"));
    let health = reqwest::get(format!("{}/api/v1/health", server.url()))
        .await
        .unwrap();
    assert_eq!(health.status(), 200);
    eprintln!(
        "disk full (server): {failed_rounds} sync rounds refused, {count} tickets then applied once; {:.1} s",
        started.elapsed().as_secs_f64()
    );
}

/// The server's file store fills up under an attachment: the database still has room
/// (the message's row would fit), the file's bytes do not. The message stays queued
/// with its file, never half-stored or acknowledged; once space is freed the same
/// server takes it, once, and the file downloads whole.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_server_file_store_keeps_an_attachment_queued_until_its_bytes_are_stored() {
    let disk = Tmpfs::mount("24m");
    let server = spawn_server_in(tempfile::tempdir_in(disk.path()).unwrap());
    server.demo();
    let tag = format!("bfull{}", uuid::Uuid::new_v4().simple());
    let device = server.device("customer@nile.example").await;
    let e = &device.engine;
    let ticket = e.create_ticket(input(format!("{tag} q0"))).await.unwrap();
    e.sync_now().await.unwrap();
    truncate_wal(&server.data_dir().join("tadhkira.db")).await;

    // Room for a few database pages (512 KiB), not for a 3 MiB log.
    let ballast = fill(disk.path());
    let full = std::fs::metadata(&ballast).unwrap().len();
    std::fs::OpenOptions::new()
        .write(true)
        .open(&ballast)
        .unwrap()
        .set_len(full - 512 * 1024)
        .unwrap();
    let log: Vec<u8> = (0..60_000)
        .flat_map(|i| format!("{i:08} spooler: job stalled at page {}\n", i % 97).into_bytes())
        .take(3 * 1024 * 1024)
        .collect();
    let staged = e.stage_bytes("spooler.log", log.clone()).await.unwrap();
    let message = e
        .add_message_staged(
            ticket,
            "The spooler's log.",
            Visibility::Public,
            &[staged.id],
        )
        .await
        .unwrap();

    let mut refused = 0;
    let mut said = String::new();
    for _ in 0..3 {
        let r = e.sync_now().await;
        if let Err(err) = &r {
            said = err.to_string();
        }
        if let Ok(report) = &r {
            assert_eq!(
                report.rejected, 0,
                "a full disk is not a rejection: {report:?}"
            );
        }
        let outbox = e.outbox().await.unwrap();
        assert!(
            outbox
                .iter()
                .any(|i| i.state == tadhkira_client::OutboxState::Queued),
            "the message left the outbox although its file could not be stored: {r:?}"
        );
        let on_server = server
            .query_texts(&format!("SELECT id FROM messages WHERE id = '{message}'"))
            .await;
        assert!(
            on_server.is_empty(),
            "the message was stored without its file"
        );
        refused += 1;
    }
    let health = reqwest::get(format!("{}/api/v1/health", server.url()))
        .await
        .expect("the server still answers");
    assert!(health.status().is_success() || health.status() == 503);

    // Space is freed: the same server process takes the file and the message, once.
    drain_after_freeing(e, &ballast, 30).await;
    let stored = server
        .query_texts(&format!("SELECT id FROM messages WHERE id = '{message}'"))
        .await;
    assert_eq!(stored.len(), 1, "the message is on the server once");
    let out = tempfile::tempdir().unwrap();
    let path = e
        .download_attachment(&ticket.to_string(), "spooler.log", Some(out.path()))
        .await
        .unwrap();
    assert!(
        std::fs::read(path).unwrap() == log,
        "the file came back whole"
    );
    assert_eq!(server.sqlite_integrity().await.as_deref(), Some("ok"));
    eprintln!("disk full (server files): {refused} sync rounds kept the 3 MiB file queued ({said}), then it was stored once");
}
