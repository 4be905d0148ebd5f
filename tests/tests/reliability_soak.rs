//! The soak (issue 21): many engines in one process — real HTTP, a real SQLite file
//! each — create tickets, reply, edit priorities and sync at random against one real
//! server, first on SQLite, then on PostgreSQL; a third of them talk to it through the
//! fault-injecting proxy, and the server is SIGKILLed and restarted in the middle. Then
//! the network heals and everyone syncs, and the test proves:
//!
//! - every mutation queued is in the server's `applied_mutations` exactly once, and
//!   nothing else is (mutation ids);
//! - every ticket, message and priority change queued is on the server exactly once;
//! - every engine shows the server's state of every ticket it can see;
//! - every local database and the server's SQLite file pass `PRAGMA integrity_check`,
//!   and PostgreSQL's row counts match what was queued.
//!
//! It prints one line of figures:
//! `reliability: faults N, kills N, operations N, lost 0, duplicated 0, integrity errors 0`.
//!
//! Bounded by default (200 engines, 60 s of work split between the two databases).
//! Longer: `TADHKIRA_SOAK_MINUTES=N` (N minutes on EACH database; `cargo xtask test
//! --soak-minutes N` sets it), `TADHKIRA_SOAK_ENGINES=N`, and `TADHKIRA_FAULT_SEED=N`
//! replays the fault draws and the engines' choices (not the machine's timing).
//! `TADHKIRA_SOAK_DATABASE=sqlite` or `=postgresql` soaks that one only (two processes,
//! one per database, then run side by side).

use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use tadhkira_client::api::Timeouts;
use tadhkira_client::{Engine, ListQuery, NewTicketInput};
use tadhkira_proto::{FieldValue, Priority, Visibility};
use tadhkira_tests::faults::{seed_from_env, FaultProxy, Schedule, SeedOnFailure};
use tadhkira_tests::ledger::Queued;
use tadhkira_tests::server::{
    open_device_with, spawn_server, spawn_server_pg, TestServer, PASSWORD,
};
use uuid::Uuid;

fn env_u64(name: &str) -> Option<u64> {
    let v = std::env::var(name).ok()?;
    Some(
        v.trim()
            .parse()
            .unwrap_or_else(|_| panic!("{name}={v:?} is not a whole number")),
    )
}

/// Figures of one database's run.
#[derive(Debug, Default, Clone, Copy)]
struct Figures {
    faults: u64,
    kills: u64,
    operations: u64,
    lost: u64,
    duplicated: u64,
    integrity_errors: u64,
}

impl std::ops::Add for Figures {
    type Output = Figures;
    fn add(self, o: Figures) -> Figures {
        Figures {
            faults: self.faults + o.faults,
            kills: self.kills + o.kills,
            operations: self.operations + o.operations,
            lost: self.lost + o.lost,
            duplicated: self.duplicated + o.duplicated,
            integrity_errors: self.integrity_errors + o.integrity_errors,
        }
    }
}

impl std::fmt::Display for Figures {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "faults {}, kills {}, operations {}, lost {}, duplicated {}, integrity errors {}",
            self.faults,
            self.kills,
            self.operations,
            self.lost,
            self.duplicated,
            self.integrity_errors
        )
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_soak_of_many_engines_through_faults_and_kills_loses_and_duplicates_nothing() {
    let seed = seed_from_env("reliability_soak");
    let _replay = SeedOnFailure {
        what: "reliability_soak".into(),
        seed,
    };
    let engines = env_u64("TADHKIRA_SOAK_ENGINES").unwrap_or(200) as usize;
    assert!(engines >= 3, "TADHKIRA_SOAK_ENGINES must be at least 3");
    // 60 s of work in all by default; N minutes on each database when asked.
    let per_db = match env_u64("TADHKIRA_SOAK_MINUTES") {
        Some(m) => Duration::from_secs(m * 60),
        None => Duration::from_secs(30),
    };
    let only = std::env::var("TADHKIRA_SOAK_DATABASE").unwrap_or_default();
    assert!(
        ["", "sqlite", "postgresql"].contains(&only.as_str()),
        "TADHKIRA_SOAK_DATABASE is sqlite or postgresql, not {only:?}"
    );
    let started = Instant::now();
    let mut all = Figures::default();
    if only != "postgresql" {
        let sqlite = soak("SQLite", spawn_server(), seed, engines, per_db).await;
        eprintln!("reliability (SQLite): {sqlite}");
        all = all + sqlite;
    }
    if only != "sqlite" {
        let pg = soak("PostgreSQL", spawn_server_pg(), seed ^ 1, engines, per_db).await;
        eprintln!("reliability (PostgreSQL): {pg}");
        all = all + pg;
    }
    println!("reliability: {all}");
    eprintln!(
        "soak: {engines} engines, {per_db:?} of work per database, {:.0?} in all",
        started.elapsed()
    );
    assert_eq!(
        (all.lost, all.duplicated, all.integrity_errors),
        (0, 0, 0),
        "seed {seed}"
    );
}

/// Everything the engines queued, to compare with the server afterwards.
#[derive(Default)]
struct Ledger {
    /// Every mutation id queued.
    mutations: HashSet<Uuid>,
    /// Tickets, messages and priority changes queued.
    queued: Queued,
    /// Which agent device edits each ticket's priority (one writer per ticket, so each
    /// change sets a new value and must leave exactly one `priority_changed` event).
    editor: HashMap<Uuid, usize>,
    operations: u64,
    syncs: u64,
    failed_syncs: u64,
}

const CYCLE: [Priority; 4] = [
    Priority::Low,
    Priority::High,
    Priority::Urgent,
    Priority::Normal,
];

/// One device of the soak.
struct Worker {
    engine: Engine,
    /// Its index among the agent devices, for agents.
    agent: Option<usize>,
    _dir: tempfile::TempDir,
}

async fn soak(
    name: &'static str,
    mut server: TestServer,
    seed: u64,
    engines: usize,
    work: Duration,
) -> Figures {
    server.demo();
    let tag = format!("soak{seed}x");
    let proxy = FaultProxy::start(
        server.addr(),
        Schedule {
            seed,
            fault_rate: 0.3,
            stall_ms: 4_000,
        },
    )
    .await
    .expect("fault proxy");
    // Sign-ins and first syncs go through a healed proxy: the faults are for the work.
    proxy.heal();
    let setup = Instant::now();
    let n_agents = engines / 3;
    let workers = open_workers(&server, &proxy, engines, n_agents).await;
    eprintln!(
        "{name}: {} engines signed in and synced in {:.1?}",
        workers.len(),
        setup.elapsed()
    );
    let before: HashSet<Uuid> = server.applied_mutation_ids().await;
    proxy.strike();

    let ledger = Arc::new(Mutex::new(Ledger::default()));
    let deadline = Instant::now() + work;
    let workers = Arc::new(workers);
    let mut tasks = Vec::new();
    for i in 0..workers.len() {
        let (workers, ledger, tag) = (workers.clone(), ledger.clone(), tag.clone());
        tasks.push(tokio::spawn(async move {
            let mut rng = StdRng::seed_from_u64(seed.wrapping_add(i as u64 * 7919));
            let w = &workers[i];
            while Instant::now() < deadline {
                // Paced, so that 200 devices on 2 cores leave the server room to answer.
                tokio::time::sleep(Duration::from_millis(rng.gen_range(100..1_500))).await;
                work_once(w, n_agents, &mut rng, &ledger, &tag).await;
            }
        }));
    }
    // The server dies (SIGKILL) in the middle of the work, more than once on long runs,
    // and comes back on the same port and database.
    let mut kills = 0u64;
    let kill_every = (work / 2).min(Duration::from_secs(60));
    let mut next_kill = Instant::now() + kill_every;
    while Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
        if Instant::now() >= next_kill && Instant::now() + Duration::from_secs(3) < deadline {
            // Starting blocks this thread until the server listens: let the runtime
            // move its other tasks (the workers) elsewhere meanwhile.
            tokio::task::block_in_place(|| server.kill());
            kills += 1;
            tokio::time::sleep(Duration::from_millis(300)).await;
            tokio::task::block_in_place(|| server.start());
            next_kill += kill_every;
        }
    }
    for t in tasks {
        t.await.expect("a soak worker panicked");
    }
    assert!(
        server.is_running(),
        "{name}: the server died by itself; see its log in {}",
        server.data_dir().display()
    );

    // The network heals: everyone drains the outbox, then everyone syncs once more so
    // that each has what the others sent.
    proxy.heal();
    let healed = Instant::now();
    drain_all(&workers, seed).await;
    sync_all(&workers).await;
    eprintln!("{name}: drained and converged in {:.1?}", healed.elapsed());

    let ledger = Arc::into_inner(ledger)
        .expect("the workers are done")
        .into_inner()
        .expect("ledger");
    let mut figures = Figures {
        faults: proxy.faults_injected(),
        kills,
        operations: ledger.operations,
        ..Default::default()
    };
    let mut problems = Vec::new();

    // Mutation ids: every one queued applied exactly once, nothing else applied.
    let applied = server.applied_mutation_ids().await;
    let new: HashSet<Uuid> = applied.difference(&before).copied().collect();
    for id in ledger.mutations.difference(&new) {
        figures.lost += 1;
        problems.push(format!("mutation {id} queued, not applied"));
    }
    for id in new.difference(&ledger.mutations) {
        figures.duplicated += 1;
        problems.push(format!("mutation {id} applied, never queued"));
    }

    // Effects, as people who connect now see them.
    let admin = server.device("admin@tadhkira.example").await;
    let customer = server.device("customer@nile.example").await;
    let effects = ledger.queued.compare_with_server(&admin.engine, &tag).await;
    figures.lost += effects.lost;
    figures.duplicated += effects.duplicated;
    problems.extend(effects.problems);
    // The database's own counts, read from its tables.
    let counts = server_counts(&server, &tag).await;
    let expected = (
        ledger.queued.tickets.len() as i64,
        ledger
            .queued
            .messages
            .values()
            .map(BTreeSet::len)
            .sum::<usize>() as i64,
    );
    if counts != expected {
        problems.push(format!(
            "the server's tables hold (tickets, messages) {counts:?} of the soak, {expected:?} were queued"
        ));
        figures.lost +=
            expected.0.saturating_sub(counts.0) as u64 + expected.1.saturating_sub(counts.1) as u64;
        figures.duplicated +=
            counts.0.saturating_sub(expected.0) as u64 + counts.1.saturating_sub(expected.1) as u64;
    }

    // Every engine converged to the server's state.
    let (admin_view, customer_view) = (
        views(&admin.engine, &ledger.queued.tickets).await,
        views(&customer.engine, &ledger.queued.tickets).await,
    );
    for (i, w) in workers.iter().enumerate() {
        let reference = if w.agent.is_some() {
            &admin_view
        } else {
            &customer_view
        };
        let mine = views(&w.engine, &ledger.queued.tickets).await;
        if &mine != reference {
            let differing = ledger
                .queued
                .tickets
                .iter()
                .zip(mine.iter().zip(reference))
                .filter(|(_, (a, b))| a != b)
                .map(|(id, _)| *id)
                .collect::<Vec<_>>();
            problems.push(format!(
                "engine {i} differs from the server on {} tickets, e.g. {:?}",
                differing.len(),
                differing.first()
            ));
        }
        let outbox = w.engine.outbox().await.expect("outbox");
        if !outbox.is_empty() {
            problems.push(format!(
                "engine {i} still holds {} in its outbox",
                outbox.len()
            ));
        }
        match w.engine.integrity_check().await {
            Ok(r) if r == "ok" => {}
            other => {
                figures.integrity_errors += 1;
                problems.push(format!("engine {i}: integrity check {other:?}"));
            }
        }
    }
    if let Some(r) = server.sqlite_integrity().await {
        if r != "ok" {
            figures.integrity_errors += 1;
            problems.push(format!("the server's SQLite file: {r}"));
        }
    }

    eprintln!(
        "{name}: {} tickets, {} messages, {} priority changes, {} mutations; {} syncs ({} failed); \
         proxy {}",
        ledger.queued.tickets.len(),
        expected.1,
        ledger.queued.priority_changes.values().sum::<usize>(),
        ledger.mutations.len(),
        ledger.syncs,
        ledger.failed_syncs,
        proxy.summary()
    );
    assert!(
        problems.is_empty(),
        "{name}, seed {seed}: {} problems: {:#?}",
        problems.len(),
        &problems[..problems.len().min(30)]
    );
    // A soak that met no faults or no kill proves less than it claims.
    assert!(
        figures.faults >= 10 && kills >= 1 && ledger.queued.tickets.len() >= 10,
        "{name}, seed {seed}: too little happened to prove anything: {figures}, {} tickets",
        ledger.queued.tickets.len()
    );
    figures
}

/// Opens `engines` engines: a third agents (the first `n_agents`), the rest customers;
/// every third through the proxy. Sign-ins run a few at a time (password hashing is
/// the server's slowest answer) and are retried when the loaded machine times one out.
async fn open_workers(
    server: &TestServer,
    proxy: &FaultProxy,
    engines: usize,
    n_agents: usize,
) -> Vec<Worker> {
    let gate = Arc::new(tokio::sync::Semaphore::new(6));
    let mut tasks = Vec::new();
    for i in 0..engines {
        let proxied = i % 3 == 1;
        let url = if proxied { proxy.url() } else { server.url() };
        let gate = gate.clone();
        tasks.push(tokio::spawn(async move {
            let _permit = gate.acquire().await.expect("gate");
            let agent = (i < n_agents).then_some(i);
            let email = if agent.is_some() {
                "l1@tadhkira.example"
            } else {
                "customer@nile.example"
            };
            // Short timeouts through the proxy (its stalls outlast them), the defaults
            // on a direct line.
            let timeouts = if proxied {
                Timeouts {
                    connect: Duration::from_secs(2),
                    request: Duration::from_secs(3),
                }
            } else {
                Timeouts::default()
            };
            let dir = tempfile::tempdir().expect("temp dir");
            let engine = open_device_with(dir.path(), Default::default(), timeouts).await;
            let mut tries = 0;
            while let Err(e) = engine.sign_in(&url, email, PASSWORD).await {
                tries += 1;
                assert!(tries < 10, "engine {i}: sign in: {e}");
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            let mut tries = 0;
            while let Err(e) = engine.sync_now().await {
                tries += 1;
                assert!(tries < 10, "engine {i}: first sync: {e}");
            }
            Worker {
                engine,
                agent,
                _dir: dir,
            }
        }));
    }
    let mut workers = Vec::new();
    for t in tasks {
        workers.push(t.await.expect("opening an engine"));
    }
    workers
}

/// One random action of a device: file a ticket, reply, change a priority (agents, on
/// the tickets they edit), or sync. Records what it queued with its mutation id.
async fn work_once(
    w: &Worker,
    n_agents: usize,
    rng: &mut StdRng,
    ledger: &Mutex<Ledger>,
    tag: &str,
) {
    let roll = rng.gen_range(0..10);
    if roll >= 7 {
        let r = w.engine.sync_now().await;
        let mut l = ledger.lock().expect("ledger");
        l.operations += 1;
        l.syncs += 1;
        if r.is_err() {
            l.failed_syncs += 1;
        }
        return;
    }
    let known: Vec<Uuid> = w
        .engine
        .list_tickets(&ListQuery {
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
    match w.agent {
        None if roll < 3 || known.is_empty() => {
            let input: NewTicketInput = serde_json::from_value(serde_json::json!({
                "title": format!("{tag} ticket {}", rng.gen::<u32>()),
                "description": "filed during the soak",
            }))
            .expect("input");
            let id = w.engine.create_ticket(input).await.expect("create");
            let mut l = ledger.lock().expect("ledger");
            let editor = l.queued.tickets.len() % n_agents.max(1);
            l.queued.tickets.push(id);
            l.editor.insert(id, editor);
        }
        Some(me) if roll < 3 => {
            let mine: Vec<Uuid> = {
                let l = ledger.lock().expect("ledger");
                known
                    .iter()
                    .copied()
                    .filter(|t| l.editor.get(t) == Some(&me))
                    .collect()
            };
            let Some(&ticket) = mine.get(rng.gen_range(0..mine.len().max(1))) else {
                return;
            };
            let to = {
                let l = ledger.lock().expect("ledger");
                CYCLE[l.queued.priority_changes.get(&ticket).copied().unwrap_or(0) % CYCLE.len()]
            };
            w.engine
                .update_ticket(ticket, vec![FieldValue::Priority(to)])
                .await
                .expect("update");
            *ledger
                .lock()
                .expect("ledger")
                .queued
                .priority_changes
                .entry(ticket)
                .or_default() += 1;
        }
        _ => {
            let Some(&ticket) = known.get(rng.gen_range(0..known.len().max(1))) else {
                return;
            };
            let visibility = if w.agent.is_some() && roll == 6 {
                Visibility::Internal
            } else {
                Visibility::Public
            };
            let id = w
                .engine
                .add_message(ticket, "written during the soak", visibility)
                .await
                .expect("reply");
            ledger
                .lock()
                .expect("ledger")
                .queued
                .messages
                .entry(ticket)
                .or_default()
                .insert(id);
        }
    }
    // The mutation just queued is the outbox's newest entry (this task alone writes
    // and syncs this engine).
    let newest = w
        .engine
        .outbox()
        .await
        .expect("outbox")
        .into_iter()
        .max_by_key(|m| m.seq)
        .expect("the change just made is queued");
    let mut l = ledger.lock().expect("ledger");
    l.operations += 1;
    assert!(l.mutations.insert(newest.id), "a mutation id was reused");
}

/// Every engine syncs until its outbox is empty, a few at a time.
async fn drain_all(workers: &Arc<Vec<Worker>>, seed: u64) {
    let mut tasks = Vec::new();
    let gate = Arc::new(tokio::sync::Semaphore::new(16));
    for i in 0..workers.len() {
        let (workers, gate) = (workers.clone(), gate.clone());
        tasks.push(tokio::spawn(async move {
            let _p = gate.acquire().await.expect("gate");
            let e = &workers[i].engine;
            let mut tries = 0;
            loop {
                let synced = e.sync_now().await;
                let outbox = e.outbox().await.expect("outbox");
                if synced.is_ok() && outbox.is_empty() {
                    return;
                }
                tries += 1;
                assert!(
                    tries < 40,
                    "seed {seed}: engine {i} did not drain its outbox after the network \
                     healed: {synced:?}, {} left: {:?}",
                    outbox.len(),
                    outbox.first()
                );
                tokio::time::sleep(Duration::from_millis(250)).await;
            }
        }));
    }
    for t in tasks {
        t.await.expect("draining");
    }
}

/// Every engine syncs once more (a few at a time), trying again as the app does when a
/// round fails: a busy server may not answer a whole page within an engine's short
/// timeout, and the next round asks for a smaller one (`request_size.rs`).
async fn sync_all(workers: &Arc<Vec<Worker>>) {
    let gate = Arc::new(tokio::sync::Semaphore::new(16));
    let mut tasks = Vec::new();
    for i in 0..workers.len() {
        let (workers, gate) = (workers.clone(), gate.clone());
        tasks.push(tokio::spawn(async move {
            let _p = gate.acquire().await.expect("gate");
            let mut tries = 0;
            while let Err(e) = workers[i].engine.sync_now().await {
                tries += 1;
                assert!(tries < 40, "engine {i}: sync after healing: {e}");
                tokio::time::sleep(Duration::from_millis(250)).await;
            }
        }));
    }
    for t in tasks {
        t.await.expect("syncing");
    }
}

/// What must be equal on every device of a role: the ticket, its messages and its
/// timeline, as JSON (`None` for a ticket the device does not have).
async fn views(e: &Engine, tickets: &[Uuid]) -> Vec<Option<serde_json::Value>> {
    let mut out = Vec::with_capacity(tickets.len());
    for id in tickets {
        out.push(match e.ticket(&id.to_string()).await {
            Ok(v) => Some(serde_json::json!({
                "ticket": v.ticket,
                "messages": v.messages,
                "events": v.events,
                "pending": v.pending.len(),
            })),
            Err(_) => None,
        });
    }
    out
}

/// (tickets, messages) of the soak in the server's tables.
async fn server_counts(server: &TestServer, tag: &str) -> (i64, i64) {
    let tickets = format!("SELECT id FROM tickets WHERE title LIKE '{tag} %'");
    let messages = format!(
        "SELECT m.id FROM messages m JOIN tickets t ON t.id = m.ticket_id \
         WHERE t.title LIKE '{tag} %'"
    );
    (
        server.query_texts(&tickets).await.len() as i64,
        server.query_texts(&messages).await.len() as i64,
    )
}
