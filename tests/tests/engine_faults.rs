//! Nothing lost, nothing twice, under the faults real networks produce: two devices of a
//! customer and an agent's device work at random through a fault-injecting proxy
//! (connections cut mid-request and mid-response, stalls past the client's timeout,
//! trickled answers, resets, a black hole), syncing whenever they like; then the network
//! heals and everyone syncs. Every change queued must be on the server exactly once,
//! every device must show the server's state, and every database must pass its
//! integrity check — on SQLite and on PostgreSQL.
//!
//! The schedule is random from a seed printed at the start; `TADHKIRA_FAULT_SEED=N`
//! replays the fault draws (not the timing), `TADHKIRA_FAULT_SECONDS=N` works longer
//! than the default 10 s (and on until at least ten faults struck).

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use tadhkira_client::api::Timeouts;
use tadhkira_client::{Engine, NewTicketInput};
use tadhkira_proto::{FieldValue, Priority, Visibility};
use tadhkira_tests::faults::{seed_from_env, FaultProxy, Schedule, SeedOnFailure};
use tadhkira_tests::ledger::Queued;
use tadhkira_tests::server::{
    open_device_with, spawn_server, spawn_server_pg, TestServer, PASSWORD,
};
use uuid::Uuid;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn under_network_faults_every_change_arrives_once_on_sqlite() {
    faults(spawn_server(), true).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn under_network_faults_every_change_arrives_once_on_postgresql() {
    faults(spawn_server_pg(), false).await;
}

fn env_u64(name: &str) -> Option<u64> {
    std::env::var(name).ok().and_then(|v| v.parse().ok())
}

/// One device working through the proxy, and what it queued.
struct Worker {
    engine: Engine,
    staff: bool,
    _dir: tempfile::TempDir,
}

/// Faults to inject at least, one of them a response cut after the server did the work.
const MIN_FAULTS: u64 = 10;

const CYCLE: [Priority; 4] = [
    Priority::Low,
    Priority::High,
    Priority::Urgent,
    Priority::Normal,
];

async fn faults(server: TestServer, sqlite: bool) {
    server.demo();
    let seed = seed_from_env("engine_faults");
    let _replay = SeedOnFailure {
        what: format!(
            "engine_faults ({})",
            if sqlite { "SQLite" } else { "PostgreSQL" }
        ),
        seed,
    };
    let seconds = env_u64("TADHKIRA_FAULT_SECONDS").unwrap_or(10);
    let proxy = FaultProxy::start(
        server.addr(),
        Schedule {
            seed,
            fault_rate: 0.4,
            // Longer than the request timeout below.
            stall_ms: 4_000,
        },
    )
    .await
    .expect("fault proxy");
    // Sign in and take the first sync cleanly; the faults are for the work after.
    proxy.heal();
    let timeouts = Timeouts {
        connect: Duration::from_secs(1),
        request: Duration::from_secs(3),
    };
    let mut workers = Vec::new();
    for (email, staff) in [
        ("customer@nile.example", false),
        ("customer@nile.example", false),
        ("l1@tadhkira.example", true),
    ] {
        let dir = tempfile::tempdir().expect("temp dir");
        let engine = open_device_with(dir.path(), Default::default(), timeouts).await;
        // Hashing a password can outlast the short timeout on a loaded machine: that is
        // not what this test is about, so sign-in may take a few tries.
        let mut tries = 0;
        while let Err(e) = engine.sign_in(&proxy.url(), email, PASSWORD).await {
            tries += 1;
            assert!(tries < 5, "sign in: {e}");
        }
        engine.sync_now().await.expect("first sync");
        // One mutation a push and five changes a page: a round with two changes on two
        // tickets has two pushes in flight, and pulls fetch pages ahead — the pipelined
        // paths (issue 22) are what the faults strike.
        engine.set_sync_batches(1, 5);
        workers.push(Worker {
            engine,
            staff,
            _dir: dir,
        });
    }
    proxy.strike();

    let mut rng = StdRng::seed_from_u64(seed);
    let mut queued = Queued::default();
    let (mut ops, mut syncs, mut failed_syncs) = (0u32, 0u32, 0u32);
    // Work for the time asked, and on until enough faults struck (a loaded machine
    // makes fewer connections per second), within a bound: 90 s was not enough twice
    // in fresh CI runs of 2 cores (about 32 connections in 90 s, 8 faults), the same
    // seeds then passing in 51 s on a quieter machine.
    let started = Instant::now();
    let enough = |p: &FaultProxy| p.faults_injected() >= MIN_FAULTS && p.counts()[2] >= 1;
    let tag = format!("fault{seed}");
    while started.elapsed() < Duration::from_secs(seconds)
        || (!enough(&proxy) && started.elapsed() < Duration::from_secs(seconds * 24))
    {
        for w in &workers {
            ops += 1;
            work_once(w, &mut rng, &mut queued, &tag).await;
            if rng.gen_bool(0.5) {
                syncs += 1;
                if let Err(e) = w.engine.sync_now().await {
                    if failed_syncs < 5 {
                        eprintln!("a sync failed (expected under faults): {e}");
                    }
                    failed_syncs += 1;
                }
            }
        }
    }

    // The network heals: everyone syncs until their outbox is empty, then once more
    // so that each has what the others sent.
    proxy.heal();
    for w in &workers {
        let mut tries = 0;
        loop {
            let synced = w.engine.sync_now().await;
            let outbox = w.engine.outbox().await.expect("outbox");
            if synced.is_ok() && outbox.is_empty() {
                break;
            }
            tries += 1;
            assert!(
                tries < 40,
                "seed {seed}: a device did not drain its outbox after the network healed: \
                 {synced:?}, {} left: {outbox:?}",
                outbox.len()
            );
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }
    for w in &workers {
        w.engine.sync_now().await.expect("sync after healing");
    }

    // What the server holds, read by people connected directly.
    let admin = server.device("admin@tadhkira.example").await;
    let customer = server.device("customer@nile.example").await;
    let lost_or_twice = queued
        .compare_with_server(&admin.engine, &tag)
        .await
        .problems;
    assert!(
        lost_or_twice.is_empty(),
        "seed {seed} ({}): {lost_or_twice:#?}",
        proxy.summary()
    );

    // Every device shows what the server holds for its role.
    for (i, w) in workers.iter().enumerate() {
        let reference = if w.staff {
            &admin.engine
        } else {
            &customer.engine
        };
        for id in &queued.tickets {
            let mine = w.engine.ticket(&id.to_string()).await.expect("ticket");
            let theirs = reference.ticket(&id.to_string()).await.expect("ticket");
            assert_eq!(
                mine.ticket, theirs.ticket,
                "seed {seed}: device {i} differs from the server on ticket {id}"
            );
            assert_eq!(mine.messages, theirs.messages, "seed {seed}: device {i}");
            assert_eq!(mine.events, theirs.events, "seed {seed}: device {i}");
            assert!(mine.pending.is_empty() && !mine.local_only);
        }
        assert_eq!(w.engine.integrity_check().await.expect("check"), "ok");
    }
    if sqlite {
        assert_eq!(server_integrity(&server).await, "ok");
    }
    assert!(
        enough(&proxy),
        "seed {seed}: too few faults to prove anything ({}; {ops} operations, {syncs} syncs, \
         {failed_syncs} failed)",
        proxy.summary()
    );
    eprintln!(
        "faults: {} injected ({}); {ops} operations, {syncs} syncs ({failed_syncs} failed); \
         {} tickets, {} messages; 0 lost, 0 duplicated, 0 integrity errors",
        proxy.faults_injected(),
        proxy.summary(),
        queued.tickets.len(),
        queued.messages.values().map(BTreeSet::len).sum::<usize>(),
    );
}

/// One random action of a worker: file a ticket, reply, or (the agent) change a
/// priority. Only on tickets the device already has.
async fn work_once(w: &Worker, rng: &mut StdRng, queued: &mut Queued, tag: &str) {
    let known: Vec<Uuid> = w
        .engine
        .list_tickets(&tadhkira_client::ListQuery {
            search: Some(tag.to_owned()),
            limit: 500,
            ..Default::default()
        })
        .await
        .expect("list")
        .rows
        .iter()
        .map(|r| r.id)
        .collect();
    let roll = rng.gen_range(0..10);
    if !w.staff && (roll < 3 || known.is_empty()) {
        let n = queued.tickets.len();
        let input: NewTicketInput = serde_json::from_value(serde_json::json!({
            "title": format!("{tag} ticket {n}"),
            "description": "filed through a faulty network",
        }))
        .expect("input");
        let id = w.engine.create_ticket(input).await.expect("create");
        queued.tickets.push(id);
        return;
    }
    let Some(&ticket) = known.get(rng.gen_range(0..known.len().max(1))) else {
        return;
    };
    if w.staff && roll < 5 {
        let done = queued.priority_changes.entry(ticket).or_default();
        let to = CYCLE[*done % CYCLE.len()];
        w.engine
            .update_ticket(ticket, vec![FieldValue::Priority(to)])
            .await
            .expect("update");
        *done += 1;
        return;
    }
    let visibility = if w.staff && roll == 9 {
        Visibility::Internal
    } else {
        Visibility::Public
    };
    let id = w
        .engine
        .add_message(ticket, "through the faulty network", visibility)
        .await
        .expect("reply");
    queued.messages.entry(ticket).or_default().insert(id);
}

/// `PRAGMA integrity_check` of the server's SQLite file, read while it runs.
async fn server_integrity(server: &TestServer) -> String {
    use sqlx::Connection;
    let path = server.data_dir().join("tadhkira.db");
    let mut conn = sqlx::SqliteConnection::connect(&format!("sqlite://{}?mode=ro", path.display()))
        .await
        .expect("open the server's database");
    let (result,): (String,) = sqlx::query_as("PRAGMA integrity_check")
        .fetch_one(&mut conn)
        .await
        .expect("integrity_check");
    result
}
