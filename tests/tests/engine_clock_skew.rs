//! Clock skew (issue 21): a device whose clock is a day ahead or a day behind the
//! server's shows the same thing as a device with a right clock — the same tickets past
//! their response targets (the due times come from the server, and the engine judges
//! them by the server's time, measured from its answers), a reply queued offline after
//! the messages it answers and the ticket on top of the list, the server's order once
//! synced, and a "last synced" time by the machine's own clock, which the app compares
//! with that same clock.
//!
//! The wrong clock is the engine's test seam `Engine::set_machine_clock_skew`: every
//! reading of the machine's clock by this engine is off by the skew, as a real skewed
//! machine's would be.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};
use tadhkira_client::{Engine, ListQuery, NewTicketInput};
use tadhkira_proto::Visibility;
use tadhkira_tests::server::{open_device, spawn_server, TestServer, PASSWORD};

const AGENT: &str = "l1@tadhkira.example";

fn input(title: &str) -> NewTicketInput {
    serde_json::from_value(serde_json::json!({
        "title": title, "description": "clock skew", "priority": "urgent"
    }))
    .unwrap()
}

/// A signed-in, synced engine of `email` whose machine clock reads `skew` off.
async fn skewed_device(
    server: &TestServer,
    email: &str,
    skew: Duration,
) -> (Engine, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let e = open_device(dir.path(), Default::default()).await;
    e.set_machine_clock_skew(skew);
    e.sign_in(&server.url(), email, PASSWORD).await.unwrap();
    e.sync_now().await.unwrap();
    (e, dir)
}

/// What the response-time clocks show, ticket by ticket: the due times and whether
/// one has passed.
type Targets = BTreeMap<uuid::Uuid, (Option<DateTime<Utc>>, Option<DateTime<Utc>>, bool)>;

async fn targets(e: &Engine) -> Targets {
    e.list_tickets(&ListQuery {
        limit: 500,
        ..Default::default()
    })
    .await
    .unwrap()
    .rows
    .into_iter()
    .map(|r| {
        (
            r.id,
            (r.first_response_due_at, r.resolution_due_at, r.breaching),
        )
    })
    .collect()
}

fn close_to(a: DateTime<Utc>, b: DateTime<Utc>, within: Duration) -> bool {
    (a - b).abs() <= within
}

async fn a_clock_off_by(skew: Duration) {
    let server = spawn_server();
    server.demo();
    // The offset is known to within the clock's tolerance (2 s), so a due time less
    // than that ago may honestly read as not yet passed on the skewed device; the
    // demo's tickets overdue since filing age past it first.
    tokio::time::sleep(
        (tadhkira_client::clock::TOLERANCE + Duration::seconds(1))
            .to_std()
            .unwrap(),
    )
    .await;
    let right = server.device(AGENT).await;
    let (skewed, _dir) = skewed_device(&server, AGENT, skew).await;
    let offset = skewed.server_clock_offset();
    assert!(
        (offset + skew).abs() <= Duration::seconds(3),
        "measured offset {offset} for a skew of {skew}"
    );

    // Response targets: the same due times, and the same tickets past them. The demo
    // has tickets overdue since filing and others due hours from now, so a clock a day
    // ahead (all overdue) or behind (none) would differ.
    let (a, b) = (targets(&right.engine).await, targets(&skewed).await);
    let breaching = a.values().filter(|t| t.2).count();
    assert!(
        breaching > 0 && breaching < a.len(),
        "the demo has both: {breaching} of {}",
        a.len()
    );
    assert_eq!(a, b, "response targets differ on the skewed device");

    // A customer files an urgent ticket; the agent with the right clock answers.
    let customer = server.device("customer@nile.example").await;
    let ticket = customer
        .engine
        .create_ticket(input("Skewed clocks"))
        .await
        .unwrap();
    customer.engine.sync_now().await.unwrap();
    right.engine.sync_now().await.unwrap();
    right
        .engine
        .add_message(ticket, "first answer", Visibility::Public)
        .await
        .unwrap();
    right.engine.sync_now().await.unwrap();
    skewed.sync_now().await.unwrap();
    // The offset is known to about a second (the `Date` header counts whole seconds);
    // a person's next reply comes later than that.
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;

    // The skewed device queues a reply without syncing: it comes after the answer it
    // follows, stamped with the server's time, and its ticket is on top of the list.
    skewed
        .add_message(ticket, "second answer, queued", Visibility::Public)
        .await
        .unwrap();
    let view = skewed.ticket(&ticket.to_string()).await.unwrap();
    let bodies: Vec<&str> = view.messages.iter().map(|m| m.body.as_str()).collect();
    assert_eq!(bodies, ["first answer", "second answer, queued"]);
    let queued_at = view.messages[1].created_at;
    assert!(
        close_to(queued_at, Utc::now(), Duration::seconds(5)),
        "stamped {queued_at} by a clock {skew} off"
    );
    let top = skewed
        .list_tickets(&ListQuery::default())
        .await
        .unwrap()
        .rows;
    assert_eq!(
        top.first().map(|r| r.id),
        Some(ticket),
        "the changed ticket leads"
    );

    // Synced: both devices show the server's copy, in the server's order.
    let report = skewed.sync_now().await.unwrap();
    assert_eq!((report.pushed, report.accepted), (1, 1), "{report:?}");
    right.engine.sync_now().await.unwrap();
    let timeline = |e: Engine| async move {
        let v = e.ticket(&ticket.to_string()).await.unwrap();
        let messages: Vec<(uuid::Uuid, DateTime<Utc>)> =
            v.messages.iter().map(|m| (m.id, m.created_at)).collect();
        let events: Vec<(uuid::Uuid, DateTime<Utc>)> =
            v.events.iter().map(|ev| (ev.id, ev.created_at)).collect();
        (
            messages,
            events,
            v.ticket.first_response_due_at,
            v.ticket.resolution_due_at,
        )
    };
    assert_eq!(
        timeline(skewed.clone()).await,
        timeline(right.engine.clone()).await
    );
    assert_eq!(targets(&right.engine).await, targets(&skewed).await);

    // "Last synced" is by the machine's own clock, which the app reads too: just now.
    let last = skewed.sync_state().last_sync_at.expect("synced");
    assert!(
        close_to(last, Utc::now() + skew, Duration::seconds(5)),
        "last synced {last} on a machine whose clock reads {}",
        Utc::now() + skew
    );
    skewed.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_clock_a_day_ahead_changes_no_order_target_or_last_synced_time() {
    a_clock_off_by(Duration::days(1)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_clock_a_day_behind_changes_no_order_target_or_last_synced_time() {
    a_clock_off_by(Duration::days(-1)).await;
}

/// A skewed machine that starts offline judges by the offset its last run measured:
/// the engine keeps it in the account's store, and the app is told it with the sync
/// state (its countdowns add it to the machine's clock).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_offset_measured_in_one_run_is_used_by_the_next_started_offline() {
    let mut server = spawn_server();
    server.demo();
    tokio::time::sleep(
        (tadhkira_client::clock::TOLERANCE + Duration::seconds(1))
            .to_std()
            .unwrap(),
    )
    .await;
    let skew = Duration::days(1);
    let right = server.device(AGENT).await;
    let (skewed, dir) = skewed_device(&server, AGENT, skew).await;
    let offset = skewed.server_clock_offset();
    assert!((offset + skew).abs() <= Duration::seconds(3), "{offset}");
    assert_eq!(
        skewed.sync_state().server_clock_offset_ms,
        offset.num_milliseconds(),
        "the app is told the offset"
    );
    skewed.close().await;
    drop(skewed);

    // The next run starts with the server away.
    server.stop();
    let again = open_device(dir.path(), Default::default()).await;
    again.set_machine_clock_skew(skew);
    assert_eq!(again.server_clock_offset(), offset, "the kept offset");
    assert_eq!(
        again.sync_state().server_clock_offset_ms,
        offset.num_milliseconds()
    );
    assert_eq!(
        targets(&right.engine).await,
        targets(&again).await,
        "offline, the skewed device judges the targets by the server's clock"
    );
    again.close().await;
    right.engine.close().await;
}
