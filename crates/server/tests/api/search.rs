//! `GET /tickets?q=`: a substring of the title or description (any case, Arabic too)
//! or a ticket number, answered from a trigram index on both engines (migration 0009)
//! that follows every new and edited ticket.

use tadhkira_proto::{FieldValue, TicketTitle, Visibility};
use uuid::Uuid;

use crate::helpers::{m, Db, TestApp};
use crate::on_both;

async fn ticket_search_finds_substrings_from_an_index_that_follows_edits(db: Db) {
    let app = TestApp::spawn(db).await;
    let c = app.cast().await;
    let printer = Uuid::now_v7();
    let titles = [
        (printer, "Printer jams on tray 2"),
        (Uuid::now_v7(), "VPN drops every hour"),
        (Uuid::now_v7(), "الطابعة لا تطبع بعد التحديث"),
        (Uuid::now_v7(), "He said \"restart\" and it worked"),
    ];
    let batch: Vec<_> = titles
        .iter()
        .map(|(id, title)| m::envelope(m::new_ticket(*id, title, None)))
        .collect();
    app.push(&c.customer_a, &batch).await;

    let found = |q: &str| {
        let q = q.to_owned();
        let app = &app;
        let who = &c.agent;
        async move {
            let (status, body) = app.get(who, &format!("/tickets?q={}", urlencode(&q))).await;
            assert_eq!(status, reqwest::StatusCode::OK, "{q}: {body}");
            let mut titles: Vec<String> = body["tickets"]
                .as_array()
                .unwrap()
                .iter()
                .map(|t| t["title"].as_str().unwrap().to_owned())
                .collect();
            titles.sort();
            assert_eq!(body["total"], titles.len(), "{q}");
            titles
        }
    };
    assert_eq!(found("PRINTER").await, ["Printer jams on tray 2"]);
    assert_eq!(found("jams on tr").await, ["Printer jams on tray 2"]);
    assert_eq!(found("الطابعة").await, ["الطابعة لا تطبع بعد التحديث"]);
    assert_eq!(
        found("\"restart\"").await,
        ["He said \"restart\" and it worked"]
    );
    // In the description of every ticket (the test builder's text).
    assert_eq!(found("details of the").await.len(), 4);
    // Shorter than a trigram: still found, by reading the rows.
    assert_eq!(found("VP").await, ["VPN drops every hour"]);
    assert_eq!(found("1001").await, ["Printer jams on tray 2"]);
    assert!(found("nothing like this").await.is_empty());

    // An edited title is found by its new words only.
    let r = app
        .push(
            &c.agent,
            &[m::envelope(m::set(
                printer,
                FieldValue::Title(TicketTitle::parse("Scanner feeds two sheets").unwrap()),
                1,
            ))],
        )
        .await;
    assert_eq!(r[0]["outcome"], "applied", "{r:?}");
    assert_eq!(found("scanner feeds").await, ["Scanner feeds two sheets"]);
    assert!(found("printer jams").await.is_empty());
    // A reply saves the ticket with its title unchanged (SQLite rewrites the index rows
    // only for changed text, migration 0021): still found by it, and only by it.
    let r = app
        .push(
            &c.agent,
            &[m::envelope(m::message(
                printer,
                "Please try the rear tray.",
                Visibility::Public,
            ))],
        )
        .await;
    assert_eq!(r[0]["outcome"], "applied", "{r:?}");
    assert_eq!(found("scanner feeds").await, ["Scanner feeds two sheets"]);
    assert!(found("printer jams").await.is_empty());

    // The index is there (and, on SQLite, holds every ticket).
    match db {
        Db::Sqlite => assert_eq!(
            app.count_on_database("SELECT COUNT(*) AS n FROM ticket_search")
                .await,
            4
        ),
        Db::Postgres => assert_eq!(
            app.count_on_database(
                "SELECT COUNT(*) AS n FROM pg_indexes WHERE indexname IN \
                 ('tickets_title_trgm', 'tickets_description_trgm')",
            )
            .await,
            2
        ),
    }
    app.finish().await;
}
on_both!(ticket_search_finds_substrings_from_an_index_that_follows_edits);

/// Percent-encodes a query value.
fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
