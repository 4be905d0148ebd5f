//! Crashes under a PostgreSQL helpdesk (issue 21), with clients connected to live
//! events the whole time:
//!
//! - the server SIGKILLed in the middle of a push batch, again and again, and started
//!   again on the same port (the machine's shared PostgreSQL, a fresh database);
//! - PostgreSQL itself restarted under a running server — once cleanly (`fast`, what
//!   `pg_ctlcluster … restart` does) and once as a crash (`immediate`) — on a private
//!   cluster of the test's own (`PrivatePostgres`), so the shared server that other
//!   suites use in parallel is never touched. The server must reconnect by itself.
//!
//! Each asserts: every queued mutation applied exactly once (mutation ids in
//! `applied_mutations`, and the tickets and messages in the tables), the live clients
//! converged to the server's state without being asked to sync, every local database
//! intact.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use tadhkira_client::{Engine, ListQuery, NewTicketInput};
use tadhkira_proto::{FieldValue, Status, Visibility};
use tadhkira_testkit::postgres::PrivatePostgres;
use tadhkira_testkit::server::PgDatabase;
use tadhkira_tests::server::{spawn_server_on_pg, spawn_server_pg, Device, TestServer};
use uuid::Uuid;

const TICKETS: usize = 600;

fn input(title: String) -> NewTicketInput {
    serde_json::from_value(serde_json::json!({ "title": title, "description": "reliability" }))
        .unwrap()
}

/// A writer with a large outbox, and two live clients (a second device of the same
/// customer, an agent) on background sync.
struct Scene {
    writer: Device,
    watchers: Vec<Device>,
    tag: String,
    /// Every mutation id the writer queued.
    queued: HashSet<Uuid>,
    /// Applied before the writer's batch (the demo data's).
    before: HashSet<Uuid>,
}

async fn scene(server: &TestServer) -> Scene {
    server.demo();
    let writer = server.device("customer@nile.example").await;
    let watchers = vec![
        server.device("customer@nile.example").await,
        server.device("l1@tadhkira.example").await,
    ];
    for w in &watchers {
        w.engine.start_background_sync();
    }
    let live = &watchers;
    wait_for(
        "the watchers' live streams",
        Duration::from_secs(20),
        move || async move { live.iter().all(|w| w.engine.sync_state().live) },
    )
    .await;
    let tag = format!("rel{}", Uuid::new_v4().simple());
    let e = &writer.engine;
    for i in 0..TICKETS {
        let id = e.create_ticket(input(format!("{tag} n{i}"))).await.unwrap();
        if i % 3 == 0 {
            e.add_message(id, "more detail", Visibility::Public)
                .await
                .unwrap();
        }
        if i % 5 == 0 {
            e.update_ticket(id, vec![FieldValue::Status(Status::Solved)])
                .await
                .unwrap();
        }
    }
    let queued: HashSet<Uuid> = e.outbox().await.unwrap().iter().map(|m| m.id).collect();
    assert_eq!(queued.len(), TICKETS + TICKETS / 3 + TICKETS / 5);
    Scene {
        writer,
        watchers,
        tag,
        queued,
        before: server.applied_mutation_ids().await,
    }
}

async fn wait_for<F, Fut>(what: &str, limit: Duration, mut done: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let started = Instant::now();
    while !done().await {
        assert!(started.elapsed() < limit, "{what}: not within {limit:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn tagged(e: &Engine, tag: &str) -> Vec<tadhkira_client::TicketRow> {
    let mut rows = Vec::new();
    let mut offset = 0;
    loop {
        let page = e
            .list_tickets(&ListQuery {
                search: Some(tag.to_owned()),
                limit: 500,
                offset,
                ..Default::default()
            })
            .await
            .unwrap();
        let n = page.rows.len() as u32;
        rows.extend(page.rows);
        if n < 500 {
            return rows;
        }
        offset += n;
    }
}

/// The writer drains its outbox (the server or the database may need a moment), then
/// the checks of the module's header.
async fn finish(server: &TestServer, s: &Scene, what: &str) {
    let e = &s.writer.engine;
    let mut tries = 0;
    loop {
        let r = e.sync_now().await;
        if r.is_ok() && e.sync_state().queued == 0 {
            break;
        }
        tries += 1;
        assert!(tries < 60, "{what}: the writer did not drain: {r:?}");
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    assert_eq!(e.sync_state().rejected, 0, "{what}: {:?}", e.outbox().await);

    // Exactly once, by mutation id.
    let applied = server.applied_mutation_ids().await;
    let new: HashSet<Uuid> = applied.difference(&s.before).copied().collect();
    let lost: Vec<_> = s.queued.difference(&new).collect();
    let unknown: Vec<_> = new.difference(&s.queued).collect();
    assert!(
        lost.is_empty() && unknown.is_empty(),
        "{what}: {} queued mutations not applied, {} applied that were never queued",
        lost.len(),
        unknown.len()
    );
    // And in the tables.
    let tickets = server
        .query_texts(&format!(
            "SELECT id FROM tickets WHERE title LIKE '{} n%'",
            s.tag
        ))
        .await;
    let messages = server
        .query_texts(&format!(
            "SELECT m.id FROM messages m JOIN tickets t ON t.id = m.ticket_id \
             WHERE t.title LIKE '{} n%'",
            s.tag
        ))
        .await;
    assert_eq!(
        (tickets.len(), messages.len()),
        (TICKETS, TICKETS / 3),
        "{what}: tickets and messages on the server"
    );

    // The live clients converge without being asked: live events (or their reconnects)
    // wake their background sync, well before its idle round.
    let reference = server.device("customer@nile.example").await;
    let reference_staff = server.device("admin@tadhkira.example").await;
    let started = Instant::now();
    let (watchers, tag) = (&s.watchers, s.tag.as_str());
    wait_for(
        &format!("{what}: the live clients converging"),
        Duration::from_secs(45),
        move || async move {
            let mut all = true;
            for w in watchers {
                let rows = tagged(&w.engine, tag).await;
                all &= rows.len() == TICKETS && rows.iter().all(|r| r.number.is_some());
            }
            all
        },
    )
    .await;
    eprintln!(
        "{what}: the live clients had all {TICKETS} tickets {:.1?} after the writer's last sync",
        started.elapsed()
    );
    // Background rounds may still be applying the last page; give them a moment, then
    // compare every ticket with a fresh device of the same role.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let ids: Vec<Uuid> = tagged(&reference.engine, &s.tag)
        .await
        .iter()
        .map(|r| r.id)
        .collect();
    assert_eq!(ids.len(), TICKETS);
    for (w, r) in s
        .watchers
        .iter()
        .zip([&reference.engine, &reference_staff.engine])
    {
        for id in &ids {
            let (mine, theirs) = (
                w.engine.ticket(&id.to_string()).await.unwrap(),
                r.ticket(&id.to_string()).await.unwrap(),
            );
            assert_eq!(mine.ticket, theirs.ticket, "{what}: ticket {id}");
            assert_eq!(mine.messages, theirs.messages, "{what}: ticket {id}");
        }
    }
    for d in [&s.writer]
        .into_iter()
        .chain(&s.watchers)
        .chain([&reference, &reference_staff])
    {
        assert_eq!(d.engine.integrity_check().await.unwrap(), "ok");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_server_sigkilled_mid_batch_on_postgresql_with_live_clients_loses_and_duplicates_nothing()
{
    let mut server = spawn_server_pg();
    let s = scene(&server).await;
    let e = &s.writer.engine;
    let (mut kills, mut interrupted) = (0, 0);
    for round in 0..8u64 {
        let sync = {
            let e = e.clone();
            tokio::spawn(async move { e.sync_now().await })
        };
        tokio::time::sleep(Duration::from_millis(60 + round * 50)).await;
        tokio::task::block_in_place(|| server.kill());
        kills += 1;
        if sync.await.unwrap().is_err() {
            interrupted += 1;
        }
        tokio::task::block_in_place(|| server.start());
        if e.sync_state().queued == 0 {
            break;
        }
    }
    eprintln!("{kills} SIGKILLs of the server, {interrupted} pushes interrupted");
    assert!(
        interrupted >= 1,
        "no push was interrupted; make the batch larger"
    );
    finish(&server, &s, "server SIGKILLed").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgresql_restarted_under_a_running_server_loses_nothing_and_the_server_reconnects() {
    let pg = PrivatePostgres::start().unwrap_or_else(|e| panic!("{e:#}"));
    let db =
        PgDatabase::create(&pg.url("postgres"), "tadhkira_rel").unwrap_or_else(|e| panic!("{e:#}"));
    let mut server = spawn_server_on_pg(db);
    let s = scene(&server).await;
    let e = &s.writer.engine;
    let mut interrupted = 0;
    for (round, mode) in ["fast", "immediate", "fast", "immediate"]
        .into_iter()
        .enumerate()
    {
        let sync = {
            let e = e.clone();
            tokio::spawn(async move { e.sync_now().await })
        };
        tokio::time::sleep(Duration::from_millis(80 + round as u64 * 60)).await;
        // pg_ctl waits for the restart; the live clients' tasks run elsewhere meanwhile.
        tokio::task::block_in_place(|| pg.restart(mode)).unwrap_or_else(|e| panic!("{e:#}"));
        if sync.await.unwrap().is_err() {
            interrupted += 1;
        }
        assert!(
            server.is_running(),
            "the server exited when PostgreSQL restarted ({mode}); its log is in {}",
            server.data_dir().display()
        );
        if e.sync_state().queued == 0 {
            break;
        }
    }
    eprintln!("PostgreSQL restarted under the server; {interrupted} pushes interrupted");
    finish(&server, &s, "PostgreSQL restarted").await;
    assert!(server.is_running(), "the same server process throughout");
    drop(server);
    drop(pg);
}
