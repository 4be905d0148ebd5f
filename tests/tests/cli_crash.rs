//! Crash safety: `tadhkira sync` killed with SIGKILL at random moments during a large
//! push (device A) and a large pull (device B), restarted each time, ends with every
//! queued change on the server exactly once and both local databases intact.

use std::collections::HashSet;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rand::Rng;
use tadhkira_client::{ListQuery, NewTicketInput, RecordingNotifier};
use tadhkira_proto::Visibility;
use tadhkira_tests::server::{open_device, spawn_server};
use tadhkira_tests::workspace_bin;

const TICKETS: usize = 3000;

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

/// Tickets tagged `tag` in a device's store: (count, distinct numbers, messages).
async fn count(e: &tadhkira_client::Engine, tag: &str) -> (usize, usize, usize) {
    let mut numbers = HashSet::new();
    let mut tickets = 0;
    let mut messages = 0;
    let mut offset = 0;
    loop {
        let q = ListQuery {
            search: Some(tag.into()),
            limit: 500,
            offset,
            ..Default::default()
        };
        let page = e.list_tickets(&q).await.unwrap();
        for r in &page.rows {
            tickets += 1;
            if let Some(n) = r.number {
                numbers.insert(n);
            }
            messages += e.ticket(&r.id.to_string()).await.unwrap().messages.len();
        }
        offset += page.rows.len() as u32;
        if page.rows.is_empty() {
            break;
        }
    }
    (tickets, numbers.len(), messages)
}

/// Queues `n` more tickets, each with a reply, on the device in `dir` (not synced).
async fn queue_tickets(dir: &Path, tag: &str, total: &mut usize, n: usize) {
    let e = open_device(dir, Arc::new(RecordingNotifier::default())).await;
    for _ in 0..n {
        let input: NewTicketInput = serde_json::from_value(serde_json::json!({
            "title": format!("{tag} crash ticket {total}"), "description": "queued before the crashes"
        }))
        .unwrap();
        let id = e.create_ticket(input).await.unwrap();
        e.add_message(id, "and a reply", Visibility::Public)
            .await
            .unwrap();
        *total += 1;
    }
    e.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkilled_syncs_lose_and_duplicate_nothing() {
    let server = spawn_server();
    server.demo();
    let tag = format!("crash{}", uuid::Uuid::new_v4().simple());
    let (dir_a, dir_b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());

    // Device A queues a large outbox; device B is signed in but has not synced.
    for dir in [&dir_a, &dir_b] {
        server
            .sign_in_for_cli(dir.path(), "customer@nile.example")
            .await;
    }
    let mut total = 0;
    queue_tickets(dir_a.path(), &tag, &mut total, TICKETS).await;

    // Kill syncs of A (pushing) and B (pulling) at random moments until both are done.
    let mut kills = 0;
    let mut rng = rand::thread_rng();
    let start = Instant::now();
    let (mut a_done, mut b_done) = (false, false);
    for round in 0..400 {
        if a_done && b_done {
            if kills >= 20 {
                break;
            }
            // Both caught up before enough crashes: give them more to push and pull.
            queue_tickets(dir_a.path(), &tag, &mut total, 1000).await;
            a_done = false;
            b_done = false;
        }
        let dir = if round % 2 == 0 {
            dir_a.path()
        } else {
            dir_b.path()
        };
        let mut child = sync(dir);
        let wait = Duration::from_millis(if kills >= 20 {
            30_000
        } else {
            rng.gen_range(15..200)
        });
        let deadline = Instant::now() + wait;
        let mut exited = None;
        while Instant::now() < deadline {
            if let Some(status) = child.try_wait().unwrap() {
                exited = Some(status);
                break;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        match exited {
            Some(status) => {
                if status.success() {
                    if round % 2 == 0 {
                        a_done = true;
                    } else {
                        b_done = true;
                    }
                }
            }
            None => {
                child.kill().unwrap();
                child.wait().unwrap();
                kills += 1;
                if round % 2 == 0 {
                    a_done = false;
                } else {
                    b_done = false;
                }
            }
        }
    }
    eprintln!(
        "{kills} SIGKILLs in {:?} ({total} tickets + {total} replies)",
        start.elapsed()
    );
    assert!(kills >= 20, "only {kills} kills landed during a sync");

    // B pulled after A's last push? Make sure with one last sync of each.
    for dir in [dir_a.path(), dir_b.path()] {
        let status = sync(dir).wait().unwrap();
        assert!(status.success(), "final sync failed: {status}");
    }
    for (name, dir) in [("A", dir_a.path()), ("B", dir_b.path())] {
        let e = open_device(dir, Arc::new(RecordingNotifier::default())).await;
        assert_eq!(e.integrity_check().await.unwrap(), "ok", "device {name}");
        assert!(
            e.outbox().await.unwrap().is_empty(),
            "device {name} still has an outbox"
        );
        let counted = count(&e, &tag).await;
        assert_eq!(counted, (total, total, total), "device {name}");
        e.close().await;
    }
    // The server holds each change exactly once: a fresh agent device sees the same.
    let agent = server.device("l3@tadhkira.example").await;
    assert_eq!(count(&agent.engine, &tag).await, (total, total, total));
}
