//! A link too slow for a whole push batch within the request timeout. The server drops
//! a request whose client gave up (its transaction rolls back), so the same full batch
//! sent again would time out again for ever: an engine with a long offline queue would
//! never drain. The engine halves its batches after a timeout and grows them back as
//! they are answered (`crates/client/src/sync.rs`, "Too slow for a whole batch"); here
//! every change still reaches the server exactly once.
//!
//! The same holds for pull pages too big to arrive within the timeout: the engine asks
//! for smaller pages after a timeout.
//!
//! The slow link is a real TCP relay on loopback that passes one direction at a fixed
//! rate and the other at full speed.

use std::time::Duration;

use tadhkira_client::api::Timeouts;
use tadhkira_client::NewTicketInput;
use tadhkira_proto::Visibility;
use tadhkira_tests::ledger::Queued;
use tadhkira_tests::server::{open_device_with, spawn_server, PASSWORD};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// Bytes per second the slow uplink passes from the client to the server.
const UPLINK: usize = 48 * 1024;
/// Bytes per second the slow downlink passes from the server to the client.
const DOWNLINK: usize = 128 * 1024;

/// Copies `from` to `to`, at most `rate` bytes a second when given.
async fn pass<R, W>(mut from: R, mut to: W, rate: Option<usize>)
where
    R: tokio::io::AsyncRead + Unpin,
    W: tokio::io::AsyncWrite + Unpin,
{
    // 1/20 s worth of bytes at a time, then the time they take.
    let mut buf = vec![0u8; rate.map_or(64 * 1024, |r| r / 20)];
    loop {
        let n = match from.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        if to.write_all(&buf[..n]).await.is_err() {
            break;
        }
        if let Some(rate) = rate {
            tokio::time::sleep(Duration::from_secs_f64(n as f64 / rate as f64)).await;
        }
    }
    let _ = to.shutdown().await;
}

/// Starts a relay in front of `upstream` passing the client's bytes at `up` and the
/// server's at `down` bytes a second (full speed for `None`); answers its address.
async fn slow_link(
    upstream: std::net::SocketAddr,
    up: Option<usize>,
    down: Option<usize>,
) -> std::net::SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind relay");
    let addr = listener.local_addr().expect("relay address");
    tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            tokio::spawn(async move {
                let Ok(server) = TcpStream::connect(upstream).await else {
                    return;
                };
                let (client_rx, client_tx) = client.into_split();
                let (server_rx, server_tx) = server.into_split();
                tokio::join!(
                    pass(client_rx, server_tx, up),
                    pass(server_rx, client_tx, down)
                );
            });
        }
    });
    addr
}

fn input(title: String) -> NewTicketInput {
    // About 1 KB a ticket on the wire, so that the engine's full batch (200) takes
    // about 4 s through the relay and 25 take half a second.
    let description = "The printer on the second floor shows offline. ".repeat(18);
    serde_json::from_value(serde_json::json!({ "title": title, "description": description }))
        .expect("input")
}

/// A device of `email` signed in and synced through `relay`, with 2 s request timeouts.
async fn device_behind(
    relay: std::net::SocketAddr,
    email: &str,
) -> (tadhkira_client::Engine, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("temp dir");
    let timeouts = Timeouts {
        connect: Duration::from_secs(2),
        request: Duration::from_secs(2),
    };
    let engine = open_device_with(dir.path(), Default::default(), timeouts).await;
    engine
        .sign_in(&format!("http://{relay}"), email, PASSWORD)
        .await
        .expect("sign in through the relay");
    engine.sync_now().await.expect("first sync");
    (engine, dir)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_queue_too_big_for_the_timeout_drains_in_smaller_batches_exactly_once() {
    let mut server = spawn_server();
    server.demo();
    let relay = slow_link(server.addr(), Some(UPLINK), None).await;
    let (engine, _dir) = device_behind(relay, "customer@nile.example").await;

    // A long queue made offline: 300 tickets and 100 replies.
    server.stop();
    let tag = format!("slowlink{}", uuid::Uuid::new_v4().simple());
    let mut queued = Queued::default();
    for i in 0..300 {
        let id = engine
            .create_ticket(input(format!("{tag} ticket {i}")))
            .await
            .expect("queue a ticket");
        queued.tickets.push(id);
        if i % 3 == 0 {
            let m = engine
                .add_message(id, "and it still does", Visibility::Public)
                .await
                .expect("queue a reply");
            queued.messages.entry(id).or_default().insert(m);
        }
    }
    assert_eq!(engine.sync_state().queued, 400);
    server.start();

    // The first push (a full batch) runs out of time; the batches shrink until they get
    // through. Without that every round times out on the same batch.
    let mut rounds = 0;
    let mut timed_out = 0;
    loop {
        rounds += 1;
        let result = engine.sync_now().await;
        if result.is_err() {
            timed_out += 1;
        }
        if result.is_ok() && engine.outbox().await.expect("outbox").is_empty() {
            break;
        }
        assert!(
            rounds < 40,
            "the queue did not drain through the slow link in {rounds} rounds \
             ({} left, batch now {}): {result:?}",
            engine.outbox().await.expect("outbox").len(),
            engine.push_batch_now()
        );
    }
    eprintln!(
        "drained 400 changes through a {} KiB/s uplink in {rounds} rounds ({timed_out} timed \
         out); batch size at the end {}",
        UPLINK / 1024,
        engine.push_batch_now()
    );
    assert!(
        timed_out > 0,
        "the full batch got through in time: the link is not slow enough to test anything"
    );

    // Exactly once: every ticket with its number, every reply once, nothing else.
    let admin = server.device("admin@tadhkira.example").await;
    let effects = queued.compare_with_server(&admin.engine, &tag).await;
    assert_eq!(
        (effects.lost, effects.duplicated),
        (0, 0),
        "{:?}",
        effects.problems
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_too_big_for_the_timeout_arrive_in_smaller_pages() {
    let server = spawn_server();
    server.demo();
    let relay = slow_link(server.addr(), None, Some(DOWNLINK)).await;
    let (reader, _dir) = device_behind(relay, "l1@tadhkira.example").await;

    // 1,000 tickets of about 1 KB filed by a customer on a direct line: a full page
    // (1,000 changes) is about 1 MB, some 8 s through the 128 KiB/s downlink.
    let writer = server.device("customer@nile.example").await;
    let tag = format!("slowpull{}", uuid::Uuid::new_v4().simple());
    for i in 0..1_000 {
        writer
            .engine
            .create_ticket(input(format!("{tag} ticket {i}")))
            .await
            .expect("queue a ticket");
    }
    writer.engine.sync_now().await.expect("the writer's push");
    assert_eq!(writer.engine.sync_state().queued, 0);

    let mut rounds = 0;
    let mut timed_out = 0;
    loop {
        rounds += 1;
        let result = reader.sync_now().await;
        if result.is_ok() {
            break;
        }
        timed_out += 1;
        assert!(
            rounds < 40,
            "the changes did not arrive through the slow link in {rounds} rounds \
             (page now {}): {result:?}",
            reader.pull_page_now()
        );
    }
    eprintln!(
        "pulled 1,000 tickets through a {} KiB/s downlink in {rounds} rounds ({timed_out} \
         timed out); page size at the end {}",
        DOWNLINK / 1024,
        reader.pull_page_now()
    );
    assert!(
        timed_out > 0,
        "a full page arrived in time: the link is not slow enough to test anything"
    );
    let q = tadhkira_client::ListQuery {
        search: Some(tag.clone()),
        limit: 10,
        ..Default::default()
    };
    let listed = reader.list_tickets(&q).await.expect("list");
    assert_eq!(listed.total, 1_000, "every ticket pulled once");
}
