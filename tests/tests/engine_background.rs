//! The background sync the desktop app runs: it retries on its own (backoff) when the
//! server comes back, and pulls when the server's live events say so — no user action.
//! `sync_now` beside it runs one round, not one more in the loop.

use std::time::{Duration, Instant};

use tadhkira_client::{EngineEvent, NewTicketInput};
use tadhkira_proto::Visibility;
use tadhkira_tests::server::spawn_server;

async fn wait_for(what: &str, limit: Duration, mut check: impl AsyncFnMut() -> bool) -> Duration {
    let start = Instant::now();
    while start.elapsed() < limit {
        if check().await {
            return start.elapsed();
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("{what} did not happen within {limit:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn background_sync_retries_by_itself_and_follows_live_events() {
    let mut server = spawn_server();
    server.demo();
    let customer = server.device("customer@nile.example").await;
    let agent = server.device("l1@tadhkira.example").await;
    let c = &customer.engine;
    let mut events = c.subscribe();

    server.stop();
    c.start_background_sync();
    let input: NewTicketInput = serde_json::from_value(
        serde_json::json!({"title": "Queued while down", "description": "x"}),
    )
    .unwrap();
    let t = c.create_ticket(input).await.unwrap();
    wait_for("going offline", Duration::from_secs(5), async || {
        !c.sync_state().online
    })
    .await;
    assert_eq!(c.sync_state().queued, 1);
    // Let a few retries fail, then bring the server back: no one calls sync_now.
    tokio::time::sleep(Duration::from_secs(2)).await;
    server.start();
    let took = wait_for("the outbox draining", Duration::from_secs(35), async || {
        c.sync_state().queued == 0
    })
    .await;
    eprintln!("queued change delivered {took:?} after the server came back");
    assert!(c.sync_state().online);
    assert!(c.ticket(&t.to_string()).await.unwrap().ticket.number > 0);

    // A reply by the agent arrives through the live stream, with an alert.
    wait_for("the live stream", Duration::from_secs(35), async || {
        c.sync_state().live
    })
    .await;
    agent.engine.sync_now().await.unwrap();
    agent
        .engine
        .add_message(t, "on it", Visibility::Public)
        .await
        .unwrap();
    let sent = Instant::now();
    agent.engine.sync_now().await.unwrap();
    wait_for("the reply", Duration::from_secs(5), async || {
        !customer.alerts.alerts().is_empty()
    })
    .await;
    let latency = sent.elapsed();
    eprintln!("live reply alerted {latency:?} after the agent's push began");
    assert!(latency < Duration::from_secs(1));
    assert_eq!(c.ticket(&t.to_string()).await.unwrap().messages.len(), 1);
    let mut saw_state = false;
    while let Ok(e) = events.try_recv() {
        saw_state |= matches!(e, EngineEvent::SyncState(_));
    }
    assert!(saw_state, "sync state changes were announced");
    c.stop_background_sync();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn losing_the_server_shows_offline_at_once_without_a_local_change() {
    let mut server = spawn_server();
    server.demo();
    let customer = server.device("customer@nile.example").await;
    let c = &customer.engine;
    c.start_background_sync();
    wait_for("the live stream", Duration::from_secs(10), async || {
        c.sync_state().live && c.sync_state().online
    })
    .await;

    // Nothing changes locally: the end of the live stream alone must tell.
    server.stop();
    let took = wait_for("going offline", Duration::from_secs(5), async || {
        !c.sync_state().online
    })
    .await;
    eprintln!("offline shown {took:?} after the server stopped");
    c.stop_background_sync();
}

/// Waits until `events` has been silent for `quiet` (at most 10 s), dropping what came.
async fn settle(events: &mut tokio::sync::broadcast::Receiver<EngineEvent>, quiet: Duration) {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(10) {
        if tokio::time::timeout(quiet, events.recv()).await.is_err() {
            return;
        }
    }
    panic!("the engine did not settle");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_now_runs_one_round_while_the_background_loop_runs() {
    let server = spawn_server();
    server.demo();
    let customer = server.device("customer@nile.example").await;
    let c = &customer.engine;
    let mut events = c.subscribe();
    c.start_background_sync();
    wait_for("the live stream", Duration::from_secs(10), async || {
        c.sync_state().live && c.sync_state().online
    })
    .await;
    // The loop's first round and the one the live stream's connection wakes are over.
    settle(&mut events, Duration::from_millis(500)).await;

    c.sync_now().await.unwrap();
    // A second round, had sync_now woken the loop too, would start at once.
    tokio::time::sleep(Duration::from_millis(700)).await;
    let mut rounds = 0;
    while let Ok(e) = events.try_recv() {
        if let EngineEvent::SyncState(s) = e {
            rounds += usize::from(s.syncing);
        }
    }
    assert_eq!(rounds, 1, "sync rounds for one sync_now");
    c.stop_background_sync();
}
