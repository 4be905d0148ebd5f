//! The pipelined push and pull (issue 22): with small batches and pages, many push
//! batches are in flight two at a time and many pull pages are fetched ahead. Every
//! change must arrive exactly once, each ticket's changes in the order they were made
//! (a reply after its ticket's creation), a rejection must hold only its own ticket's
//! later changes with its reason, and a device pulling page by page must end with the
//! same store as one pulling in one page — on SQLite and on PostgreSQL.

use std::collections::{BTreeMap, HashSet};

use tadhkira_client::{Engine, ListQuery, NewTicketInput, OutboxState};
use tadhkira_proto::{ErrorCode, FieldValue, Priority, Visibility};
use tadhkira_tests::server::{open_device, spawn_server, spawn_server_pg, TestServer, PASSWORD};
use uuid::Uuid;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn pipelined_sync_keeps_order_and_sends_each_change_once_on_sqlite() {
    pipelined(spawn_server()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn pipelined_sync_keeps_order_and_sends_each_change_once_on_postgresql() {
    pipelined(spawn_server_pg()).await;
}

const TICKETS: usize = 12;
/// Tickets whose creation and replies are queued one after the other.
const TOGETHER: usize = 8;
/// The ticket whose priority change the server refuses (customers may not).
const REFUSED: usize = 5;

fn input(title: &str) -> NewTicketInput {
    serde_json::from_value(serde_json::json!({ "title": title, "description": "pipelined" }))
        .unwrap()
}

/// Every ticket this device holds: number, message ids in order, events.
async fn store_of(e: &Engine) -> BTreeMap<Uuid, (i64, Vec<Uuid>, usize)> {
    let page = e
        .list_tickets(&ListQuery {
            limit: 500,
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(
        page.total <= 500,
        "more tickets than one page: {}",
        page.total
    );
    let mut all = BTreeMap::new();
    for row in page.rows {
        let view = e.ticket(&row.id.to_string()).await.unwrap();
        let messages = view.messages.iter().map(|m| m.id).collect();
        all.insert(row.id, (view.ticket.number, messages, view.events.len()));
    }
    all
}

async fn pipelined(server: TestServer) {
    server.demo();
    let dev = server.device("customer@nile.example").await;
    let e = &dev.engine;
    // Three mutations a batch, four changes a page: dozens of batches and pages.
    e.set_sync_batches(3, 4);

    // Interleaved across tickets, so that every batch holds several tickets and the
    // batch sent beside it holds others: the creations, then three rounds of replies,
    // a refused priority change on one ticket before its replies.
    let mut tickets = Vec::new();
    for i in 0..TICKETS {
        tickets.push(
            e.create_ticket(input(&format!("Pipelined {i}")))
                .await
                .unwrap(),
        );
    }
    let mut replies: BTreeMap<Uuid, Vec<Uuid>> = BTreeMap::new();
    for round in 0..3 {
        for (i, t) in tickets.iter().enumerate() {
            if round == 0 && i == REFUSED {
                e.update_ticket(*t, vec![FieldValue::Priority(Priority::Urgent)])
                    .await
                    .unwrap();
                continue;
            }
            let id = e
                .add_message(*t, &format!("reply {round} on {i}"), Visibility::Public)
                .await
                .unwrap();
            replies.entry(*t).or_default().push(id);
        }
    }
    // Then tickets whose changes follow each other in the queue: a batch ends inside
    // a ticket's changes, and the batch sent beside it must not carry the rest (it
    // could overtake the ticket's creation on the server).
    for i in 0..TOGETHER {
        let t = e
            .create_ticket(input(&format!("Together {i}")))
            .await
            .unwrap();
        for round in 0..3 {
            let id = e
                .add_message(
                    t,
                    &format!("reply {round} together {i}"),
                    Visibility::Public,
                )
                .await
                .unwrap();
            replies.entry(t).or_default().push(id);
        }
        tickets.push(t);
    }
    let queued: Vec<Uuid> = e.outbox().await.unwrap().iter().map(|o| o.id).collect();
    assert_eq!(queued.len(), (TICKETS + TOGETHER) * 4);

    let report = e.sync_now().await.unwrap();
    // The refused change, and the two replies queued after it on its ticket: those were
    // never sent beside it, so they are held behind it, not applied.
    let refused = tickets[REFUSED];
    let outbox = e.outbox().await.unwrap();
    assert_eq!(outbox.len(), 3, "{outbox:?}");
    assert!(outbox.iter().all(|o| o.ticket_id == refused), "{outbox:?}");
    assert_eq!(outbox[0].kind, "update_ticket");
    assert_eq!(outbox[0].state, OutboxState::Rejected);
    let reason = outbox[0].error.as_ref().expect("a reason");
    assert_eq!(reason.code, ErrorCode::Forbidden);
    assert!(!reason.message.is_empty());
    for held in &outbox[1..] {
        assert_eq!(held.state, OutboxState::Rejected);
        assert_eq!(
            held.error.as_ref().unwrap().code,
            ErrorCode::DependsOnRejected
        );
        assert_eq!(held.depends_on, Some(outbox[0].id));
    }
    assert_eq!(
        report.accepted as usize,
        (TICKETS + TOGETHER) * 4 - 3,
        "{report:?}"
    );
    assert_eq!(report.rejected, 3, "{report:?}");

    // On the server: each accepted change once, each ticket's messages in the order
    // they were written, nothing of the held ones.
    let applied = server.applied_mutation_ids().await;
    let held: HashSet<Uuid> = outbox.iter().map(|o| o.id).collect();
    for id in &queued {
        assert_eq!(applied.contains(id), !held.contains(id), "mutation {id}");
    }
    for (i, t) in tickets.iter().enumerate() {
        let on_server: Vec<Uuid> = server
            .query_texts(&format!(
                "SELECT entity_id FROM changes WHERE entity_kind = 'message' \
                 AND ticket_id = '{t}' ORDER BY seq"
            ))
            .await
            .iter()
            .map(|s| Uuid::parse_str(s).unwrap())
            .collect();
        let expected: Vec<Uuid> = match i {
            REFUSED => Vec::new(),
            _ => replies[t].clone(),
        };
        assert_eq!(on_server, expected, "ticket {i}'s messages on the server");
        let count = server
            .query_texts(&format!(
                "SELECT CAST(COUNT(*) AS TEXT) FROM messages WHERE ticket_id = '{t}'"
            ))
            .await;
        assert_eq!(count, [expected.len().to_string()], "ticket {i}");
    }

    // Another device pulls everything four changes a page (pages fetched ahead) and
    // ends with what the first device holds from the server.
    let dir = tempfile::tempdir().unwrap();
    let other = open_device(dir.path(), Default::default()).await;
    other
        .sign_in(&server.url(), "customer@nile.example", PASSWORD)
        .await
        .unwrap();
    other.set_sync_batches(3, 4);
    let pulled = other.sync_now().await.unwrap();
    assert!(pulled.pulled > 40, "{pulled:?}");
    // The first device takes the server's copy of what it pushed.
    e.sync_now().await.unwrap();
    let mut mine = store_of(e).await;
    // Its held replies are local only.
    let entry = mine.get_mut(&refused).unwrap();
    entry.1.retain(|m| !replies[&refused].contains(m));
    assert_eq!(store_of(&other).await, mine);
    for t in &tickets {
        assert!(mine[t].0 > 0, "ticket {t} numbered");
    }
    other.close().await;
}
