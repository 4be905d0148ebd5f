//! Two devices of one customer and an agent, working at once, converge; a stale field
//! change wins (last writer in server order) and leaves the overwritten value on the
//! timeline.

use std::collections::BTreeSet;

use tadhkira_client::{Engine, NewTicketInput};
use tadhkira_proto::{EventKind, FieldValue, Status, Visibility};
use tadhkira_tests::server::{spawn_server, spawn_server_pg, TestServer};

fn input(title: &str) -> NewTicketInput {
    serde_json::from_value(serde_json::json!({ "title": title, "description": "converge" }))
        .unwrap()
}

/// What must be equal on every device: fields and the set of (public) messages.
async fn view(e: &Engine, id: uuid::Uuid) -> (String, Status, i64, BTreeSet<uuid::Uuid>) {
    let d = e.ticket(&id.to_string()).await.unwrap();
    let messages = d
        .messages
        .iter()
        .filter(|m| m.visibility == Visibility::Public)
        .map(|m| m.id)
        .collect();
    (d.ticket.title, d.ticket.status, d.ticket.number, messages)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_devices_and_an_agent_converge_and_a_stale_change_is_kept_on_the_timeline() {
    converge(spawn_server()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_convergence_holds_on_postgresql() {
    converge(spawn_server_pg()).await;
}

async fn converge(server: TestServer) {
    server.demo();
    let a = server.device("customer@nile.example").await;
    let b = server.device("customer@nile.example").await;
    let c = server.device("l1@tadhkira.example").await;
    let (a, b, c) = (&a.engine, &b.engine, &c.engine);
    assert_ne!(a.client_id().await.unwrap(), b.client_id().await.unwrap());

    // Both devices file a ticket at once, then everyone syncs.
    let t1 = a
        .create_ticket(input("Scanner jams on page two"))
        .await
        .unwrap();
    let t2 = b
        .create_ticket(input("VPN drops every hour"))
        .await
        .unwrap();
    let (ra, rb) = tokio::join!(a.sync_now(), b.sync_now());
    ra.unwrap();
    rb.unwrap();
    for e in [a, b, c] {
        e.sync_now().await.unwrap();
    }

    // All three work on the same tickets without syncing in between.
    a.add_message(t1, "it happens with duplex only", Visibility::Public)
        .await
        .unwrap();
    b.add_message(t1, "also on the second floor", Visibility::Public)
        .await
        .unwrap();
    c.add_message(t1, "we are looking into it", Visibility::Public)
        .await
        .unwrap();
    b.add_message(t2, "logs attached", Visibility::Public)
        .await
        .unwrap();
    // Device A and the agent change the status from the same version: A first, then
    // the agent's (now stale) change.
    a.update_ticket(t1, vec![FieldValue::Status(Status::Solved)])
        .await
        .unwrap();
    c.update_ticket(t1, vec![FieldValue::Status(Status::Pending)])
        .await
        .unwrap();
    let (ra, rb) = tokio::join!(a.sync_now(), b.sync_now());
    ra.unwrap();
    rb.unwrap();
    c.sync_now().await.unwrap();
    for e in [a, b, c, a, b] {
        e.sync_now().await.unwrap();
    }

    for t in [t1, t2] {
        let va = view(a, t).await;
        assert_eq!(va, view(b, t).await, "device B differs on {t}");
        assert_eq!(va, view(c, t).await, "the agent differs on {t}");
        assert!(va.2 > 0, "numbered");
    }
    let (_, status, _, messages) = view(a, t1).await;
    assert_eq!(status, Status::Pending, "last writer in server order wins");
    assert_eq!(messages.len(), 3);

    // The value the stale change replaced is visible on everyone's timeline.
    for e in [a, b, c] {
        let d = e.ticket(&t1.to_string()).await.unwrap();
        assert!(
            d.events.iter().any(|ev| matches!(&ev.kind,
                EventKind::Overwritten { field, value } if field == "status" && value == "solved")),
            "no overwritten event in {:?}",
            d.events.iter().map(|e| &e.kind).collect::<Vec<_>>()
        );
    }
}
