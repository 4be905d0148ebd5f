//! Bounded pull pages: each entity once at its newest state (not once per change), a
//! page capped in bytes as well as rows, and a cursor that continues where a capped
//! page stopped without losing anything.

use std::collections::{HashMap, HashSet};

use serde_json::Value;
use tadhkira_proto::{Description, FieldValue, Mutation, Priority, TicketTitle};
use uuid::Uuid;

use crate::helpers::{m, test_settings, Db, Person, TestApp};
use crate::on_both;

async fn a_pull_after_a_thousand_updates_of_one_ticket_carries_it_once(db: Db) {
    let app = TestApp::spawn(db).await;
    let c = app.cast().await;
    let t = Uuid::now_v7();
    app.push(
        &c.customer_a,
        &[m::envelope(m::new_ticket(t, "Busy ticket", None))],
    )
    .await;
    let priorities = [Priority::Low, Priority::High];
    for round in 0..2 {
        let batch: Vec<_> = (0..500)
            .map(|i| {
                let p = priorities[(round * 500 + i) % 2];
                m::envelope(m::set(t, FieldValue::Priority(p), 0))
            })
            .collect();
        let results = app.push(&c.agent, &batch).await;
        assert!(
            results.iter().all(|r| r["outcome"] == "applied"),
            "{:?}",
            results[0]
        );
    }
    for who in [&c.customer_a, &c.agent] {
        let all = app.pull_all(who).await;
        let copies: Vec<&Value> = all
            .iter()
            .filter(|ch| {
                ch["entity"]["kind"] == "ticket" && ch["entity"]["data"]["id"] == t.to_string()
            })
            .collect();
        assert_eq!(copies.len(), 1, "the ticket once, not once per change");
        // Its newest state, at its newest seq.
        let ticket = &copies[0]["entity"]["data"];
        assert_eq!(ticket["priority"], "high", "{ticket}");
        assert_eq!(copies[0]["seq"], ticket["versions"]["priority"]);
    }
    app.finish().await;
}
on_both!(a_pull_after_a_thousand_updates_of_one_ticket_carries_it_once);

/// One pull page as `who`: its changes, cursor and `has_more`.
async fn page(app: &TestApp, who: &Person, cursor: i64) -> (Vec<Value>, i64, bool) {
    let (s, body) = app
        .get(who, &format!("/sync/pull?cursor={cursor}&limit=500"))
        .await;
    assert_eq!(s, reqwest::StatusCode::OK, "{body}");
    (
        body["changes"].as_array().unwrap().clone(),
        body["cursor"].as_i64().unwrap(),
        body["has_more"].as_bool().unwrap(),
    )
}

fn big_ticket(title: &str) -> Mutation {
    let Mutation::CreateTicket(mut new) = m::new_ticket(Uuid::now_v7(), title, None) else {
        unreachable!()
    };
    new.description = Description::parse("x".repeat(10_000)).unwrap();
    Mutation::CreateTicket(new)
}

async fn a_page_of_big_entities_stops_at_the_byte_cap_and_the_next_continues(db: Db) {
    const CAP: usize = 64 * 1024;
    let mut settings = test_settings();
    settings.pull_page_bytes = CAP;
    let app = TestApp::spawn_with(db, settings).await;
    let c = app.cast().await;
    let batch: Vec<_> = (0..20)
        .map(|i| m::envelope(big_ticket(&format!("Big ticket {i}"))))
        .collect();
    app.push(&c.customer_a, &batch).await;

    let mut cursor = 0;
    let mut pages = 0;
    let mut latest: HashMap<String, Value> = HashMap::new();
    let mut seen_seqs = HashSet::new();
    let mut changed_between = None;
    loop {
        let (changes, next, has_more) = page(&app, &c.customer_a, cursor).await;
        pages += 1;
        let bytes = serde_json::to_vec(&changes).unwrap().len();
        assert!(
            bytes <= CAP + 64 || changes.len() == 1,
            "page {pages}: {bytes} bytes in {} changes",
            changes.len()
        );
        for ch in &changes {
            let seq = ch["seq"].as_i64().unwrap();
            assert!(
                seq > cursor && seq <= next,
                "seq {seq} outside ({cursor}, {next}]"
            );
            assert!(seen_seqs.insert(seq), "seq {seq} twice");
            if ch["entity"]["kind"] == "ticket" {
                let data = &ch["entity"]["data"];
                latest.insert(data["id"].as_str().unwrap().to_owned(), data.clone());
            }
        }
        assert!(next > cursor || !has_more, "the cursor moves on");
        cursor = next;
        if pages == 1 {
            // Between two pages: a ticket already sent changes and a new one arrives;
            // both must come in a later page.
            assert!(has_more, "20 tickets of 10 KB do not fit in 64 KB");
            let sent = changes
                .iter()
                .find(|ch| ch["entity"]["kind"] == "ticket")
                .map(|ch| {
                    ch["entity"]["data"]["id"]
                        .as_str()
                        .unwrap()
                        .parse::<Uuid>()
                        .unwrap()
                })
                .expect("a ticket on the first page");
            app.push(
                &c.customer_a,
                &[
                    m::envelope(m::set(
                        sent,
                        FieldValue::Title(TicketTitle::parse("Renamed mid-pull").unwrap()),
                        0,
                    )),
                    m::envelope(big_ticket("Filed mid-pull")),
                ],
            )
            .await;
            changed_between = Some(sent);
        }
        if !has_more {
            break;
        }
    }
    assert!(pages >= 4, "capped pages: {pages}");
    assert_eq!(latest.len(), 21, "every ticket arrived");
    let renamed = &latest[&changed_between.unwrap().to_string()];
    assert_eq!(renamed["title"], "Renamed mid-pull");
    assert!(latest.values().any(|t| t["title"] == "Filed mid-pull"));
    // And a pull from the end has nothing more.
    let (rest, end, has_more) = page(&app, &c.customer_a, cursor).await;
    assert!(rest.is_empty() && end == cursor && !has_more);
    app.finish().await;
}
on_both!(a_page_of_big_entities_stops_at_the_byte_cap_and_the_next_continues);
