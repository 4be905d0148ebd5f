//! The first sync by snapshot (issue 22) against a real server, on SQLite and on
//! PostgreSQL: a device's first sync through `GET /api/v1/sync/snapshot` ends with the
//! same store, row for row, as one paging through the feed from 0 — for an agent and
//! for a customer (whose snapshot holds nothing a customer may not see: no internal
//! note, no staff-only event, no other organisation's ticket, no assignee) — while
//! another device keeps writing during the snapshot: what it wrote then comes with the
//! next pull, once.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;

use tadhkira_client::{Engine, RecordingNotifier};
use tadhkira_proto::{FieldValue, Visibility};
use tadhkira_tests::rest::Rest;
use tadhkira_tests::server::{open_device, spawn_server, spawn_server_pg, TestServer, PASSWORD};
use tadhkira_tests::store_dump::{dump, first_difference};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_snapshot_first_sync_equals_paging_on_sqlite() {
    snapshot_equals_paging(spawn_server()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_snapshot_first_sync_equals_paging_on_postgresql() {
    snapshot_equals_paging(spawn_server_pg()).await;
}

/// A device of `email` signed in and not synced; with `snapshot` false it pages.
async fn fresh(server: &TestServer, email: &str, snapshot: bool) -> (Engine, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let e = open_device(dir.path(), Arc::new(RecordingNotifier::default())).await;
    e.sign_in(&server.url(), email, PASSWORD).await.unwrap();
    e.set_first_sync_snapshot(snapshot);
    // Small pages: the paging device goes through many of them.
    if !snapshot {
        e.set_sync_batches(200, 37);
    }
    (e, dir)
}

async fn snapshot_equals_paging(server: TestServer) {
    server.demo();
    // More than one feed page of tickets, messages and events for the snapshot: a
    // customer's tickets with replies, worked on by an agent (public replies,
    // internal notes, assignments); the demo's tickets of the other organisation
    // (Dunes Trading) are there too.
    let customer = Rest::sign_in(&server, "customer@nile.example").await;
    tadhkira_testkit::load::push_wire(
        &server.url(),
        customer.token(),
        tadhkira_testkit::load::creations(1_500, 3),
    )
    .await
    .unwrap();
    let agent = server.device("l1@tadhkira.example").await;
    let ae = &agent.engine;
    let me = ae.account().unwrap().user.id;
    let worked: Vec<uuid::Uuid> = ae
        .list_tickets(&tadhkira_client::ListQuery {
            search: Some("Bench".into()),
            limit: 30,
            ..Default::default()
        })
        .await
        .unwrap()
        .rows
        .iter()
        .map(|r| r.id)
        .collect();
    assert_eq!(worked.len(), 30);
    for (i, id) in worked.iter().enumerate() {
        ae.add_message(
            *id,
            &format!("internal note {i}: secret toner"),
            Visibility::Internal,
        )
        .await
        .unwrap();
        ae.add_message(*id, &format!("public answer {i}"), Visibility::Public)
            .await
            .unwrap();
        if i % 3 == 0 {
            ae.update_ticket(*id, vec![FieldValue::Assignee(Some(me))])
                .await
                .unwrap();
        }
    }
    ae.sync_now().await.unwrap();

    for (pass, email) in ["l1@tadhkira.example", "customer@nile.example"]
        .into_iter()
        .enumerate()
    {
        // A writer on another device, from before the snapshot until after it: replies
        // and new tickets, committed while the snapshot streams.
        let writer = server.device("l2@tadhkira.example").await;
        let stop = Arc::new(AtomicBool::new(false));
        let written = Arc::new(AtomicUsize::new(0));
        let task = {
            let (stop, written) = (stop.clone(), written.clone());
            let w = writer.engine.clone();
            let ids = worked.clone();
            tokio::spawn(async move {
                let mut i = 0;
                while !stop.load(Ordering::Relaxed) || i < 3 {
                    let id = ids[i % ids.len()];
                    w.add_message(
                        id,
                        &format!("written during snapshot {pass}, reply {i}."),
                        Visibility::Public,
                    )
                    .await
                    .unwrap();
                    w.sync_now().await.unwrap();
                    i += 1;
                    written.store(i, Ordering::Relaxed);
                }
            })
        };
        while written.load(Ordering::Relaxed) < 1 {
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
        let (snap, snap_dir) = fresh(&server, email, true).await;
        let report = snap.sync_now().await.unwrap();
        stop.store(true, Ordering::Relaxed);
        task.await.unwrap();
        let during = written.load(Ordering::Relaxed);
        assert!(report.pulled > 1_000, "{email}: {report:?}");
        // What was written during the snapshot comes with the next pull.
        snap.sync_now().await.unwrap();

        let (paged, paged_dir) = fresh(&server, email, false).await;
        paged.sync_now().await.unwrap();

        let (a, b) = (dump(snap_dir.path()).await, dump(paged_dir.path()).await);
        assert!(
            first_difference(&a, &b).is_none(),
            "{email}: the snapshot's store differs from paging's: {}",
            first_difference(&a, &b).unwrap()
        );
        // Each pass's replies are its own ("…reply 1." is not a prefix of "…reply 12.").
        let last = format!("written during snapshot {pass}, reply {}.", during - 1);
        assert_eq!(
            a.iter()
                .filter(|r| r.starts_with("messages:") && r.contains(&last))
                .count(),
            1,
            "{email}: the last reply written during the snapshot, once"
        );
        if email.starts_with("customer") {
            let text = a.join("\n");
            assert!(
                !text.contains("secret toner"),
                "a customer got an internal note"
            );
            assert!(
                !text.contains("Dunes Trading"),
                "a customer got another organisation's ticket"
            );
            assert!(
                !text.contains("\"type\":\"assigned\""),
                "a customer got an assignment event"
            );
            assert!(
                a.iter()
                    .filter(|r| r.starts_with("tickets:"))
                    .all(|r| r.contains("assignee_id= |")),
                "a customer's ticket names its assignee"
            );
        } else {
            let text = a.join("\n");
            assert!(text.contains("secret toner"), "staff see internal notes");
            assert!(
                text.contains("Dunes Trading"),
                "staff see every organisation"
            );
            assert!(
                text.contains("\"type\":\"assigned\""),
                "staff see assignments"
            );
        }
        for e in [snap, paged, writer.engine] {
            e.close().await;
        }
    }
}
