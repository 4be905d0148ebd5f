//! The demo data looks like a real helpdesk: two organisations (one lapsed), fifty
//! tickets in Arabic and English across every status, priority and channel, with public
//! replies and internal notes — all in the change feed, loaded once.

use std::collections::BTreeSet;

use reqwest::{Method, StatusCode};
use serde_json::json;
use tadhkira_proto::Channel;

use crate::helpers::{Db, Person, TestApp};
use crate::on_both;

async fn sign_in(app: &TestApp, email: &str) -> Person {
    let (s, body) = app
        .call(
            Method::POST,
            "/auth/login",
            None,
            Some(json!({"email": email, "password": "demo1234"})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{email}: {body}");
    Person {
        id: body["user"]["id"].as_str().unwrap().parse().unwrap(),
        email: email.into(),
        token: body["token"].as_str().unwrap().into(),
    }
}

async fn the_demo_data_covers_the_helpdesk_and_loads_once(db: Db) {
    let app = TestApp::spawn(db).await;
    let store = &app.server.store;
    assert!(tadhkira_server::demo::load(store, &app.settings)
        .await
        .unwrap());
    assert!(
        !tadhkira_server::demo::load(store, &app.settings)
            .await
            .unwrap(),
        "idempotent"
    );
    let agent = sign_in(&app, "l1@tadhkira.example").await;
    for email in [
        "customer@nile.example",
        "customer@dunes.example",
        "l2@tadhkira.example",
        "l3@tadhkira.example",
        "admin@tadhkira.example",
    ] {
        sign_in(&app, email).await;
    }
    let (_, list) = app.get(&agent, "/tickets?limit=100").await;
    assert_eq!(list["total"], 50);
    let tickets = list["tickets"].as_array().unwrap();
    let set = |key: &str| {
        tickets
            .iter()
            .map(|t| t[key].as_str().unwrap().to_owned())
            .collect::<BTreeSet<_>>()
    };
    assert_eq!(set("status").len(), 6, "every status");
    assert_eq!(set("priority").len(), 4, "every priority");
    assert_eq!(set("channel").len(), Channel::ALL.len(), "every channel");
    assert_eq!(
        set("org_name"),
        BTreeSet::from(["Dunes Trading".to_owned(), "Nile Logistics".to_owned()])
    );
    let arabic = tickets
        .iter()
        .filter(|t| {
            t["title"]
                .as_str()
                .unwrap()
                .chars()
                .any(|c| ('\u{0600}'..='\u{06FF}').contains(&c))
        })
        .count();
    assert!(
        (15..=35).contains(&arabic),
        "Arabic and English: {arabic} Arabic"
    );
    assert!(tickets.iter().any(|t| t["tier"] == 3));
    let feed = app.pull_all(&agent).await;
    let internal = feed
        .iter()
        .filter(|c| {
            c["entity"]["kind"] == "message" && c["entity"]["data"]["visibility"] == "internal"
        })
        .count();
    let public = feed
        .iter()
        .filter(|c| {
            c["entity"]["kind"] == "message" && c["entity"]["data"]["visibility"] == "public"
        })
        .count();
    assert!(
        internal >= 5 && public >= 30,
        "{internal} internal notes, {public} public replies"
    );
    // The lapsed organisation's customer sees only their own tickets, and no notes.
    let dunes = sign_in(&app, "customer@dunes.example").await;
    let (_, theirs) = app.get(&dunes, "/tickets?limit=100").await;
    assert!(theirs["tickets"]
        .as_array()
        .unwrap()
        .iter()
        .all(|t| t["org_name"] == "Dunes Trading"));
    let seen = format!("{:?}", app.pull_all(&dunes).await);
    assert!(!seen.contains("\"internal\"") && !seen.contains("Nile Logistics"));
    app.finish().await;
}
on_both!(the_demo_data_covers_the_helpdesk_and_loads_once);
