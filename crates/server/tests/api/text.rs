//! Clean text and one change per field: control characters and bidi overrides are
//! refused at the edge with `invalid` naming the field and the character, and an update
//! that names a field twice is refused, whichever way the change arrives (REST or push).

use reqwest::{Method, StatusCode};
use serde_json::json;
use tadhkira_proto::{FieldChange, FieldValue, Mutation, Status, TicketUpdate};
use uuid::Uuid;

use crate::helpers::{m, Db, TestApp};
use crate::on_both;

async fn control_characters_are_refused_naming_the_field_and_character(db: Db) {
    let app = TestApp::spawn(db).await;
    let c = app.cast().await;
    let token = Some(c.customer_a.token.as_str());
    let ticket = |title: &str| json!({"id": Uuid::now_v7(), "title": title, "description": "d", "priority": "low", "channel": "desktop"});

    // An ESC (the start of a terminal escape sequence) in a title.
    let (s, body) = app
        .call(
            Method::POST,
            "/tickets",
            token,
            Some(ticket("Printer \u{1b}[2J offline")),
        )
        .await;
    assert_eq!(
        (s, body["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid")),
        "{body}"
    );
    let message = body["message"].as_str().unwrap();
    assert!(
        message.contains("title") && message.contains("U+001B"),
        "{body}"
    );

    // The same in the other free-text fields: a C1 control, a bidi override, DEL.
    let mut t = ticket("Contact check");
    t["contact"] = json!({"name": "Sara\u{202E}txt.exe"});
    let (s, body) = app.call(Method::POST, "/tickets", token, Some(t)).await;
    assert_eq!(
        (s, body["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid"))
    );
    assert!(
        body["message"].as_str().unwrap().contains("U+202E"),
        "{body}"
    );
    let mut t = ticket("System info check");
    t["system_info"] = json!("OS \u{9b}31m");
    let (s, body) = app.call(Method::POST, "/tickets", token, Some(t)).await;
    assert_eq!(
        (s, body["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid"))
    );
    assert!(
        body["message"].as_str().unwrap().contains("U+009B"),
        "{body}"
    );
    let mut t = ticket("Checks check");
    t["checks"] = json!(["restarted\u{7f}"]);
    let (s, body) = app.call(Method::POST, "/tickets", token, Some(t)).await;
    assert_eq!(
        (s, body["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid")),
        "{body}"
    );

    // Newlines, tabs and the bidi isolates mixed Arabic and English need are text.
    let mut t = ticket("Printer \u{2067}الطابعة\u{2069} offline");
    t["description"] = json!("line one\r\n\tline two");
    t["system_info"] = json!("Debian 12\n\tkernel 6.1");
    let (s, body) = app.call(Method::POST, "/tickets", token, Some(t)).await;
    assert_eq!(s, StatusCode::CREATED, "{body}");
    assert_eq!(body["ticket"]["description"], "line one\n\tline two");
    let id = body["ticket"]["id"].as_str().unwrap().to_owned();

    // A reply with an ESC, over REST.
    let reply = json!({"id": Uuid::now_v7(), "ticket_id": id, "body": "ok\u{1b}]0;x\u{7}", "visibility": "public"});
    let (s, body) = app
        .call(
            Method::POST,
            &format!("/tickets/{id}/messages"),
            token,
            Some(reply),
        )
        .await;
    assert_eq!(
        (s, body["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid")),
        "{body}"
    );
    assert!(
        body["message"].as_str().unwrap().contains("message"),
        "{body}"
    );

    // A pushed ticket whose contact holds a control character is rejected, not queued
    // forever, and the rest of the batch applies.
    let bad = Uuid::now_v7();
    let Mutation::CreateTicket(mut new) = m::new_ticket(bad, "Pushed ticket", None) else {
        unreachable!()
    };
    new.contact.phone = Some("+20\u{1b}100".into());
    let good = Uuid::now_v7();
    let results = app
        .push(
            &c.customer_a,
            &[
                m::envelope(Mutation::CreateTicket(new)),
                m::envelope(m::new_ticket(good, "Fine ticket", None)),
            ],
        )
        .await;
    assert_eq!(results[0]["outcome"], "rejected", "{results:?}");
    assert_eq!(results[0]["code"], "invalid");
    assert!(results[0]["message"]
        .as_str()
        .unwrap()
        .contains("contact phone"));
    assert_eq!(results[1]["outcome"], "applied", "{results:?}");
    app.finish().await;
}
on_both!(control_characters_are_refused_naming_the_field_and_character);

async fn an_update_naming_a_field_twice_is_invalid(db: Db) {
    let app = TestApp::spawn(db).await;
    let c = app.cast().await;
    let t = Uuid::now_v7();
    app.push(
        &c.customer_a,
        &[m::envelope(m::new_ticket(t, "Twice ticket", None))],
    )
    .await;
    let change =
        |status: &str| json!({"value": {"field": "status", "value": status}, "seen_version": 0});
    // Over REST.
    let (s, body) = app
        .call(
            Method::PATCH,
            &format!("/tickets/{t}"),
            Some(&c.agent.token),
            Some(json!({"changes": [change("open"), change("solved")]})),
        )
        .await;
    assert_eq!(
        (s, body["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid")),
        "{body}"
    );
    assert!(
        body["message"].as_str().unwrap().contains("status"),
        "{body}"
    );
    // Over push.
    let twice = Mutation::UpdateTicket(TicketUpdate {
        ticket_id: t,
        changes: [Status::Open, Status::Solved]
            .map(|s| FieldChange {
                value: FieldValue::Status(s),
                seen_version: 0,
            })
            .to_vec(),
    });
    let results = app.push(&c.agent, &[m::envelope(twice)]).await;
    assert_eq!(
        (results[0]["outcome"].as_str(), results[0]["code"].as_str()),
        (Some("rejected"), Some("invalid")),
        "{results:?}"
    );
    // Nothing changed: the ticket is still new, with only its creation on the timeline.
    let (_, detail) = app.get(&c.agent, &format!("/tickets/{t}")).await;
    assert_eq!(detail["ticket"]["status"], "new", "{detail}");
    // Two different fields in one update are fine.
    let (s, body) = app
        .call(
            Method::PATCH,
            &format!("/tickets/{t}"),
            Some(&c.agent.token),
            Some(json!({"changes": [change("open"), {"value": {"field": "priority", "value": "high"}, "seen_version": 0}]})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    app.finish().await;
}
on_both!(an_update_naming_a_field_twice_is_invalid);

async fn an_overlong_search_text_is_a_clear_400(db: Db) {
    let app = TestApp::spawn(db).await;
    let c = app.cast().await;
    let long = "a".repeat(201);
    for path in [format!("/tickets?q={long}"), format!("/people?q={long}")] {
        let (s, body) = app.get(&c.agent, &path).await;
        assert_eq!(
            (s, body["code"].as_str()),
            (StatusCode::BAD_REQUEST, Some("invalid")),
            "{path}: {body}"
        );
        assert!(body["message"].as_str().unwrap().contains("200"), "{body}");
    }
    let ok = "ا".repeat(200);
    assert_eq!(
        app.get(&c.agent, &format!("/tickets?q={ok}")).await.0,
        StatusCode::OK
    );
    app.finish().await;
}
on_both!(an_overlong_search_text_is_a_clear_400);
