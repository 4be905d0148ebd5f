//! Throughput of push: tickets created per second (each with a message) with 1 and 8
//! concurrent clients, on SQLite and PostgreSQL. Ignored by default; run with
//! `cargo test -p tadhkira-server --release --test api bench -- --ignored --nocapture`.

use std::sync::Arc;
use std::time::Instant;

use tadhkira_proto::Visibility;
use uuid::Uuid;

use crate::helpers::{m, Db, TestApp};

const TICKETS: usize = 10_000;
/// Tickets per push (each is two mutations, so 500 mutations per batch).
const PER_BATCH: usize = 250;

async fn measure(db: Db, clients: usize) {
    let app = Arc::new(TestApp::spawn(db).await);
    let c = app.cast().await;
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..clients {
        let (app, who) = (app.clone(), c.customer_a.clone());
        tasks.push(tokio::spawn(async move {
            for _ in 0..TICKETS / clients / PER_BATCH {
                let mut batch = Vec::with_capacity(PER_BATCH * 2);
                for i in 0..PER_BATCH {
                    let t = Uuid::now_v7();
                    batch.push(m::envelope(m::new_ticket(
                        t,
                        &format!("Bench ticket {i}"),
                        None,
                    )));
                    batch.push(m::envelope(m::message(t, "details", Visibility::Public)));
                }
                let results = app.push(&who, &batch).await;
                assert!(results.iter().all(|r| r["outcome"] == "applied"));
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let secs = started.elapsed().as_secs_f64();
    let made = (TICKETS / clients / PER_BATCH) * clients * PER_BATCH;
    println!(
        "BENCH {db:?} clients={clients}: {made} tickets (+{made} messages) in {secs:.2}s = {:.0} tickets/s, {:.0} mutations/s",
        made as f64 / secs,
        2.0 * made as f64 / secs
    );
    let (_, list) = app.get(&c.agent, "/tickets?limit=1").await;
    assert_eq!(list["total"], made as i64);
    Arc::into_inner(app).expect("sole owner").finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "benchmark: run with --ignored --nocapture"]
async fn bench_push_throughput() {
    for db in [Db::Sqlite, Db::Postgres] {
        for clients in [1, 8] {
            measure(db, clients).await;
        }
    }
}
