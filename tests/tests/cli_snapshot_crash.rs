//! A first sync by snapshot killed with SIGKILL (issue 22): `tadhkira sync` of a new
//! device, with tickets and replies queued offline before each run, is killed at random
//! moments, and every other time as soon as the snapshot's load has begun (the store's
//! `loading` marker is found set after the kill), and restarted each time. At the end the store
//! is intact and holds, row for row, what a device paging from 0 holds; every queued
//! change reached the server exactly once.

use std::collections::HashSet;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rand::Rng;
use tadhkira_client::{ListQuery, NewTicketInput, RecordingNotifier};
use tadhkira_proto::Visibility;
use tadhkira_tests::rest::Rest;
use tadhkira_tests::server::{open_device, spawn_server, PASSWORD};
use tadhkira_tests::store_dump::{dump, find_store, first_difference, meta};
use tadhkira_tests::workspace_bin;

/// Tickets (with 3 replies each) on the server before the device's first sync: 8,000
/// mutations from one user, under the server's write quota (a burst of 10,000).
const LOADED: usize = 2_000;

fn sync(dir: &Path) -> std::process::Child {
    Command::new(workspace_bin("tadhkira"))
        .arg("--data-dir")
        .arg(dir)
        .arg("sync")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("tadhkira runs")
}

/// Queues `n` tickets, each with a reply, on the device in `dir` (not synced).
async fn queue_tickets(dir: &Path, tag: &str, total: &mut usize, n: usize) {
    let e = open_device(dir, Arc::new(RecordingNotifier::default())).await;
    for _ in 0..n {
        let input: NewTicketInput = serde_json::from_value(serde_json::json!({
            "title": format!("{tag} offline ticket {total}"), "description": "queued before the first sync"
        }))
        .unwrap();
        let id = e.create_ticket(input).await.unwrap();
        e.add_message(id, "and its reply", Visibility::Public)
            .await
            .unwrap();
        *total += 1;
    }
    e.close().await;
}

/// Tickets tagged `tag` in a device's store: (count, distinct numbers, messages).
async fn count(e: &tadhkira_client::Engine, tag: &str) -> (usize, usize, usize) {
    let page = e
        .list_tickets(&ListQuery {
            search: Some(tag.into()),
            limit: 500,
            ..Default::default()
        })
        .await
        .unwrap();
    let mut numbers = HashSet::new();
    let mut messages = 0;
    for r in &page.rows {
        if let Some(n) = r.number {
            numbers.insert(n);
        }
        messages += e.ticket(&r.id.to_string()).await.unwrap().messages.len();
    }
    (page.rows.len(), numbers.len(), messages)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkilled_snapshot_loads_start_over_cleanly_and_send_queued_changes_once() {
    let server = spawn_server();
    server.demo();
    let loader = Rest::sign_in(&server, "customer@nile.example").await;
    tadhkira_testkit::load::push_wire(
        &server.url(),
        loader.token(),
        tadhkira_testkit::load::creations(LOADED, 3),
    )
    .await
    .unwrap();
    let tag = format!("snapkill{}", uuid::Uuid::new_v4().simple());
    let dir = tempfile::tempdir().unwrap();
    server
        .sign_in_for_cli(dir.path(), "customer@nile.example")
        .await;

    // How long one whole first sync takes here (a scratch device of the same customer,
    // by the same CLI): the kills land within it, most of them during the load. A sync
    // let run to its end would leave nothing to kill in later rounds.
    let whole = {
        let scratch = tempfile::tempdir().unwrap();
        server
            .sign_in_for_cli(scratch.path(), "customer@nile.example")
            .await;
        let started = Instant::now();
        assert!(sync(scratch.path()).wait().unwrap().success());
        started.elapsed().as_millis() as u64
    };
    let mut total = 0;
    let mut rng = rand::thread_rng();
    queue_tickets(dir.path(), &tag, &mut total, 2).await;
    let store = find_store(dir.path());
    let (mut kills, mut mid_load) = (0, 0);
    let start = Instant::now();
    let mut done = false;
    for round in 0..60 {
        if round > 0 {
            queue_tickets(dir.path(), &tag, &mut total, 2).await;
        }
        let last = mid_load >= 5 && kills >= 8;
        let mut child = sync(dir.path());
        let wait = if last {
            Duration::from_secs(300)
        } else {
            Duration::from_millis(rng.gen_range(whole / 10..=(whole / 2).max(whole / 10 + 1)))
        };
        // Every other round watches the store and kills as soon as the load's marker
        // is there: the load is the end of a first sync, and how long the rest takes
        // (sign-in, push, the server's answer) varies with the machine, so a random
        // moment alone may seldom land in it.
        let watch = !last && round % 2 == 1;
        let deadline = Instant::now()
            + if watch {
                Duration::from_millis(whole)
            } else {
                wait
            };
        let mut exited = None;
        while Instant::now() < deadline {
            if let Some(status) = child.try_wait().unwrap() {
                exited = Some(status);
                break;
            }
            if watch && meta(&store, "snapshot_loading").await.is_some() {
                break;
            }
            std::thread::sleep(Duration::from_millis(2));
        }
        match exited {
            Some(status) => {
                assert!(status.success(), "round {round}: sync failed: {status}");
                assert!(
                    last,
                    "round {round}: the first sync finished before its kill ({wait:?}; a whole one took {whole} ms), after {mid_load} kills mid-load"
                );
                done = true;
                break;
            }
            None => {
                child.kill().unwrap();
                child.wait().unwrap();
                kills += 1;
                if meta(&store, "snapshot_loading").await.is_some() {
                    mid_load += 1;
                }
            }
        }
    }
    eprintln!(
        "{kills} SIGKILLs, {mid_load} in the middle of a snapshot load, in {:?} ({total} tickets queued offline)",
        start.elapsed()
    );
    assert!(done, "the last sync did not finish");
    assert!(
        mid_load >= 5,
        "only {mid_load} kills landed during a snapshot load"
    );

    // The store: intact, nothing half-loaded, the outbox sent, each change once.
    let e = open_device(dir.path(), Arc::new(RecordingNotifier::default())).await;
    assert_eq!(e.integrity_check().await.unwrap(), "ok");
    assert!(
        e.outbox().await.unwrap().is_empty(),
        "the outbox was not sent"
    );
    assert_eq!(count(&e, &tag).await, (total, total, total));
    e.close().await;
    drop(e);
    assert_eq!(
        meta(&find_store(dir.path()), "snapshot_loading").await,
        None
    );
    let agent = server.device("l3@tadhkira.example").await;
    assert_eq!(count(&agent.engine, &tag).await, (total, total, total));

    // Row for row what a device paging from 0 holds.
    let paged_dir = tempfile::tempdir().unwrap();
    let paged = open_device(paged_dir.path(), Arc::new(RecordingNotifier::default())).await;
    paged
        .sign_in(&server.url(), "customer@nile.example", PASSWORD)
        .await
        .unwrap();
    paged.set_first_sync_snapshot(false);
    paged.sync_now().await.unwrap();
    paged.close().await;
    // The killed device pulls what the agent device's sign-in changed since, if anything.
    let status = sync(dir.path()).wait().unwrap();
    assert!(status.success());
    let (a, b) = (dump(dir.path()).await, dump(paged_dir.path()).await);
    assert!(
        first_difference(&a, &b).is_none(),
        "the restarted snapshot's store differs from paging's: {}",
        first_difference(&a, &b).unwrap()
    );
}
