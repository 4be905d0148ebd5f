//! Concurrent writers and a reader: the feed never lets a cursor pass a change that has
//! not committed, so the reader ends with every change exactly once.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use tadhkira_proto::Visibility;
use uuid::Uuid;

use crate::helpers::{m, Db, TestApp};
use crate::on_both;

async fn eight_writers_and_a_pulling_reader_see_every_change_once(db: Db) {
    let app = Arc::new(TestApp::spawn(db).await);
    let c = app.cast().await;
    let rounds = 15;
    let mut writers = Vec::new();
    for w in 0..8 {
        let (app, who) = (app.clone(), c.agent.clone());
        let requester = c.customer_a.id;
        writers.push(tokio::spawn(async move {
            let mut written = 0;
            for r in 0..rounds {
                let t = Uuid::now_v7();
                let results = app
                    .push(
                        &who,
                        &[
                            m::envelope(m::new_ticket(
                                t,
                                &format!("Writer {w} round {r}"),
                                Some(requester),
                            )),
                            m::envelope(m::message(t, "first", Visibility::Public)),
                            m::envelope(m::message(t, "note", Visibility::Internal)),
                        ],
                    )
                    .await;
                assert!(
                    results.iter().all(|r| r["outcome"] == "applied"),
                    "{results:?}"
                );
                written += 1;
            }
            written
        }));
    }
    let done = Arc::new(AtomicBool::new(false));
    let reader = {
        let (app, who, done) = (app.clone(), c.admin.clone(), done.clone());
        tokio::spawn(async move {
            let mut cursor = 0;
            let mut seen: Vec<i64> = Vec::new();
            loop {
                // Read the flag before pulling: once writers are done, a pull that
                // reaches the head has seen everything.
                let finished = done.load(Ordering::SeqCst);
                let (_, page) = app
                    .get(&who, &format!("/sync/pull?cursor={cursor}&limit=37"))
                    .await;
                for ch in page["changes"].as_array().unwrap() {
                    seen.push(ch["seq"].as_i64().unwrap());
                }
                cursor = page["cursor"].as_i64().unwrap();
                if page["has_more"] == false {
                    if finished {
                        return seen;
                    }
                    tokio::time::sleep(std::time::Duration::from_millis(2)).await;
                }
            }
        })
    };
    let mut tickets = 0;
    for w in writers {
        tickets += w.await.unwrap();
    }
    done.store(true, Ordering::SeqCst);
    let seen = reader.await.unwrap();
    assert_eq!(tickets, 8 * rounds);
    // Per ticket at least: ticket, created event, two messages.
    let head = app.server.store.head_seq().await.unwrap();
    let unique: BTreeSet<i64> = seen.iter().copied().collect();
    assert_eq!(unique.len(), seen.len(), "no change twice");
    // A pull carries each entity at its newest change (a ticket written twice comes
    // once); a fresh pull now names every entity's newest change, and the reader,
    // which pulled while the writers wrote, must have seen each of them.
    let newest: BTreeSet<i64> = app
        .pull_all(&c.admin)
        .await
        .iter()
        .map(|ch| ch["seq"].as_i64().unwrap())
        .collect();
    let missed: Vec<_> = newest.difference(&unique).collect();
    assert!(
        missed.is_empty(),
        "every entity's newest change, none skipped: missed {missed:?}"
    );
    assert!(unique.iter().all(|s| (1..=head).contains(s)));
    assert!(head >= (8 * rounds * 4) as i64);
    Arc::into_inner(app).expect("sole owner").finish().await;
}
on_both!(eight_writers_and_a_pulling_reader_see_every_change_once);
