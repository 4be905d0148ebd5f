//! Offline first: changes made while the server is down all arrive, exactly once, in one
//! sync when it is back; and a server killed mid-batch loses and duplicates nothing.

use std::collections::HashSet;

use tadhkira_client::{EngineError, ListQuery, NewTicketInput};
use tadhkira_proto::Visibility;
use tadhkira_tests::server::spawn_server;

fn input(title: String) -> NewTicketInput {
    serde_json::from_value(serde_json::json!({ "title": title, "description": "made offline" }))
        .expect("input")
}

/// Every ticket whose title starts with `tag`, as `agent` sees them after a full sync,
/// with the number of messages on them.
async fn on_server(agent: &tadhkira_client::Engine, tag: &str) -> (usize, usize, HashSet<i64>) {
    agent.sync_now().await.expect("agent sync");
    let q = ListQuery {
        search: Some(tag.into()),
        limit: 500,
        ..Default::default()
    };
    let mut tickets = 0;
    let mut messages = 0;
    let mut numbers = HashSet::new();
    let mut offset = 0;
    loop {
        let page = agent
            .list_tickets(&ListQuery {
                offset,
                ..q.clone()
            })
            .await
            .unwrap();
        for r in &page.rows {
            tickets += 1;
            numbers.insert(r.number.expect("server tickets have numbers"));
            messages += agent
                .ticket(&r.id.to_string())
                .await
                .unwrap()
                .messages
                .len();
        }
        offset += page.rows.len() as u32;
        if page.rows.is_empty() || offset as i64 >= page.total {
            break;
        }
    }
    (tickets, messages, numbers)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn offline_then_online_one_sync_delivers_everything_exactly_once() {
    let mut server = spawn_server();
    server.demo();
    let customer = server.device("customer@nile.example").await;
    let agent = server.device("l1@tadhkira.example").await;
    let tag = format!("offline{}", uuid::Uuid::new_v4().simple());

    server.stop();
    let e = &customer.engine;
    let start = std::time::Instant::now();
    for i in 0..100 {
        let id = e
            .create_ticket(input(format!("{tag} ticket {i}")))
            .await
            .unwrap();
        for j in 0..3 {
            e.add_message(id, &format!("follow-up {j}"), Visibility::Public)
                .await
                .unwrap();
        }
    }
    eprintln!(
        "100 tickets + 300 messages queued locally in {:?}",
        start.elapsed()
    );
    assert_eq!(e.sync_state().queued, 400);
    assert!(matches!(e.sync_now().await, Err(EngineError::Offline(_))));
    assert!(!e.sync_state().online);

    server.start();
    let start = std::time::Instant::now();
    let report = e.sync_now().await.expect("sync after the server is back");
    eprintln!("one sync pushed {} in {:?}", report.pushed, start.elapsed());
    assert_eq!(
        (report.pushed, report.accepted, report.rejected),
        (400, 400, 0)
    );
    assert_eq!(e.sync_state().queued, 0);
    assert!(e.outbox().await.unwrap().is_empty());

    // The server's numbers came back to the device that made the tickets.
    let mine = e
        .list_tickets(&ListQuery {
            search: Some(tag.clone()),
            limit: 500,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(mine.total, 100);
    let numbers: HashSet<i64> = mine
        .rows
        .iter()
        .map(|r| r.number.expect("numbered"))
        .collect();
    assert_eq!(numbers.len(), 100);

    // And the server holds each exactly once.
    let (tickets, messages, server_numbers) = on_server(&agent.engine, &tag).await;
    assert_eq!((tickets, messages), (100, 300));
    assert_eq!(server_numbers, numbers);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_killed_or_restarted_mid_batch_loses_and_duplicates_nothing() {
    let mut server = spawn_server();
    server.demo();
    let customer = server.device("customer@nile.example").await;
    let agent = server.device("l2@tadhkira.example").await;
    let tag = format!("midbatch{}", uuid::Uuid::new_v4().simple());
    let e = &customer.engine;
    for i in 0..600 {
        let id = e.create_ticket(input(format!("{tag} n{i}"))).await.unwrap();
        if i % 3 == 0 {
            e.add_message(id, "more detail", Visibility::Public)
                .await
                .unwrap();
        }
        if i % 5 == 0 {
            e.update_ticket(
                id,
                vec![tadhkira_proto::FieldValue::Status(
                    tadhkira_proto::Status::Solved,
                )],
            )
            .await
            .unwrap();
        }
    }
    let total = e.sync_state().queued;
    let mut interruptions = 0;
    // Kill (SIGKILL) or restart (SIGTERM) the server while pushes are in flight.
    for round in 0..6u64 {
        let sync = {
            let e = e.clone();
            tokio::spawn(async move { e.sync_now().await })
        };
        tokio::time::sleep(std::time::Duration::from_millis(40 + round * 60)).await;
        if round % 2 == 0 {
            server.kill();
        } else {
            server.stop();
        }
        let result = sync.await.unwrap();
        if result.is_err() {
            interruptions += 1;
        }
        server.start();
        if e.sync_state().queued == 0 {
            break;
        }
    }
    let report = e.sync_now().await.expect("final sync");
    eprintln!(
        "{interruptions} interrupted rounds; final round pushed {}",
        report.pushed
    );
    assert!(
        interruptions >= 1,
        "no round was interrupted; make the batch larger"
    );
    assert_eq!(e.sync_state().queued, 0);
    assert_eq!(e.sync_state().rejected, 0);
    let (tickets, messages, numbers) = on_server(&agent.engine, &tag).await;
    assert_eq!((tickets, messages, numbers.len()), (600, 200, 600));
    assert!(total >= 800);
}
