//! Ticket behaviour through the API: last-writer-wins with overwritten values on the
//! timeline, escalation, response targets, the OpenAPI document, and live events that
//! reach only those who may see the change.

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::json;
use tadhkira_proto::{FieldValue, Status, Visibility};
use tadhkira_server::config::Target;
use tadhkira_server::routes::openapi::ROUTES;
use tadhkira_server::routes::NO_ROUTE;
use uuid::Uuid;

use crate::helpers::{m, test_settings, Db, TestApp};
use crate::on_both;

async fn a_stale_field_change_applies_and_records_what_it_overwrote(db: Db) {
    let app = TestApp::spawn(db).await;
    let c = app.cast().await;
    let t = Uuid::now_v7();
    app.push(
        &c.customer_a,
        &[m::envelope(m::new_ticket(t, "Scanner broken", None))],
    )
    .await;
    let (_, d) = app.get(&c.agent, &format!("/tickets/{t}")).await;
    let seen = d["ticket"]["versions"]["priority"].as_i64().unwrap();
    let normal_due = d["ticket"]["resolution_due_at"]
        .as_str()
        .unwrap()
        .to_owned();
    // Two agents saw the same version; the second write wins and the first value is kept.
    let first = app
        .push(
            &c.agent,
            &[m::envelope(m::set(
                t,
                FieldValue::Priority(tadhkira_proto::Priority::High),
                seen,
            ))],
        )
        .await;
    let second = app
        .push(
            &c.admin,
            &[m::envelope(m::set(
                t,
                FieldValue::Priority(tadhkira_proto::Priority::Urgent),
                seen,
            ))],
        )
        .await;
    assert_eq!(first[0]["outcome"], "applied");
    assert_eq!(second[0]["outcome"], "applied");
    let (_, d) = app.get(&c.agent, &format!("/tickets/{t}")).await;
    assert_eq!(d["ticket"]["priority"], "urgent");
    assert_eq!(
        d["ticket"]["versions"]["priority"],
        second[0]["result"]["seq"]
    );
    let kinds: Vec<_> = d["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].clone())
        .collect();
    assert!(
        kinds.contains(&json!({"type": "overwritten", "field": "priority", "value": "high"})),
        "{kinds:?}"
    );
    // Urgent targets are shorter than normal ones.
    assert!(d["ticket"]["resolution_due_at"].as_str().unwrap() < normal_due.as_str());
    app.finish().await;
}
on_both!(a_stale_field_change_applies_and_records_what_it_overwrote);

async fn escalation_must_go_up_and_forms_a_tier_queue(db: Db) {
    let app = TestApp::spawn(db).await;
    let c = app.cast().await;
    let t = Uuid::now_v7();
    app.push(
        &c.customer_a,
        &[m::envelope(m::new_ticket(t, "Database corrupt", None))],
    )
    .await;
    app.push(
        &c.customer_a,
        &[m::envelope(m::new_ticket(
            Uuid::now_v7(),
            "Other ticket",
            None,
        ))],
    )
    .await;
    let esc = |tier: i64| json!({"to_tier": tier, "reason": "needs a DBA"});
    assert_eq!(
        app.call(
            Method::POST,
            &format!("/tickets/{t}/escalate"),
            Some(&c.agent.token),
            Some(esc(1))
        )
        .await
        .0,
        StatusCode::BAD_REQUEST
    );
    let (s, d) = app
        .call(
            Method::POST,
            &format!("/tickets/{t}/escalate"),
            Some(&c.agent.token),
            Some(esc(2)),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{d}");
    assert_eq!(d["ticket"]["tier"], 2);
    let (_, queue) = app.get(&c.agent, "/tickets?tier=2").await;
    assert_eq!(queue["total"], 1);
    assert_eq!(queue["tickets"][0]["id"], t.to_string());
    let (_, q) = app.get(&c.agent, "/tickets?q=database").await;
    assert_eq!(q["total"], 1);
    app.finish().await;
}
on_both!(escalation_must_go_up_and_forms_a_tier_queue);

async fn pending_pauses_the_clock_and_breaches_show_in_the_list(db: Db) {
    let mut settings = test_settings();
    settings.sla.normal = Target {
        first_response_minutes: 0,
        resolution_minutes: 0,
    };
    let app = TestApp::spawn_with(db, settings).await;
    let c = app.cast().await;
    let (late, paused) = (Uuid::now_v7(), Uuid::now_v7());
    app.push(
        &c.customer_a,
        &[
            m::envelope(m::new_ticket(late, "Late ticket", None)),
            m::envelope(m::new_ticket(paused, "Waiting on customer", None)),
        ],
    )
    .await;
    app.push(
        &c.agent,
        &[m::envelope(m::set(
            paused,
            FieldValue::Status(Status::Pending),
            i64::MAX,
        ))],
    )
    .await;
    tokio::time::sleep(Duration::from_millis(20)).await;
    let (_, breaching) = app.get(&c.agent, "/tickets?breaching=true").await;
    assert_eq!(breaching["total"], 1, "{breaching}");
    assert_eq!(breaching["tickets"][0]["id"], late.to_string());
    let (_, d) = app.get(&c.agent, &format!("/tickets/{paused}")).await;
    assert!(d["ticket"]["sla_paused_at"].is_string());
    let due_before = d["ticket"]["resolution_due_at"]
        .as_str()
        .unwrap()
        .to_owned();
    // The customer answers: the ticket reopens, the clock runs again, later due time.
    tokio::time::sleep(Duration::from_millis(30)).await;
    app.push(
        &c.customer_a,
        &[m::envelope(m::message(
            paused,
            "Here is the log",
            Visibility::Public,
        ))],
    )
    .await;
    let (_, d) = app.get(&c.agent, &format!("/tickets/{paused}")).await;
    assert_eq!(d["ticket"]["status"], "open");
    assert!(d["ticket"]["sla_paused_at"].is_null());
    let due_after = d["ticket"]["resolution_due_at"].as_str().unwrap();
    assert!(
        due_after > due_before.as_str(),
        "{due_after} > {due_before}"
    );
    // First response = first public staff reply; an internal note does not count.
    app.push(
        &c.agent,
        &[m::envelope(m::message(late, "note", Visibility::Internal))],
    )
    .await;
    let (_, d) = app.get(&c.agent, &format!("/tickets/{late}")).await;
    assert!(d["ticket"]["first_response_at"].is_null());
    app.push(
        &c.agent,
        &[m::envelope(m::message(
            late,
            "We are on it",
            Visibility::Public,
        ))],
    )
    .await;
    let (_, d) = app.get(&c.agent, &format!("/tickets/{late}")).await;
    assert!(d["ticket"]["first_response_at"].is_string());
    app.finish().await;
}
on_both!(pending_pauses_the_clock_and_breaches_show_in_the_list);

async fn every_route_is_served_and_in_the_openapi_document(db: Db) {
    let app = TestApp::spawn(db).await;
    let c = app.cast().await;
    let (s, doc) = app.call(Method::GET, "/openapi.json", None, None).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(doc["openapi"], "3.1.0");
    let id = Uuid::now_v7();
    for route in ROUTES {
        let (method, path) = (route.method, route.path);
        assert!(
            doc["paths"][path][method].is_object(),
            "{method} {path} missing from the document"
        );
        let concrete = path
            .trim_start_matches("/api/v1")
            .replace("{id}", &id.to_string());
        let method: Method = method.to_uppercase().parse().unwrap();
        let req = app
            .http
            .request(method.clone(), app.url(&concrete))
            .bearer_auth(&c.agent.token)
            .json(&json!({}));
        let resp = tokio::time::timeout(Duration::from_secs(5), req.send())
            .await
            .expect("answers")
            .unwrap();
        if resp
            .headers()
            .get("content-type")
            .is_some_and(|v| v.to_str().unwrap_or("").starts_with("text/event-stream"))
        {
            continue;
        }
        let text = resp.text().await.unwrap_or_default();
        let body: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
        assert_ne!(
            body["message"], NO_ROUTE,
            "{method} {concrete} is not routed"
        );
    }
    app.finish().await;
}
on_both!(every_route_is_served_and_in_the_openapi_document);

async fn a_colleague_may_reply_but_not_change_someone_elses_ticket(db: Db) {
    let app = TestApp::spawn(db).await;
    let c = app.cast().await;
    let colleague = app
        .person(
            "colleague@org-a.example",
            tadhkira_proto::Role::Customer,
            Some("Org A"),
            None,
        )
        .await;
    let t = Uuid::now_v7();
    app.push(
        &c.customer_a,
        &[m::envelope(m::new_ticket(t, "Shared problem", None))],
    )
    .await;
    let reply = app
        .push(
            &colleague,
            &[m::envelope(m::message(t, "Same here", Visibility::Public))],
        )
        .await;
    assert_eq!(reply[0]["outcome"], "applied");
    let change = app
        .push(
            &colleague,
            &[m::envelope(m::set(
                t,
                FieldValue::Status(Status::Solved),
                i64::MAX,
            ))],
        )
        .await;
    assert_eq!(change[0]["code"], "forbidden");
    let own = app
        .push(
            &c.customer_a,
            &[m::envelope(m::set(
                t,
                FieldValue::Status(Status::Solved),
                i64::MAX,
            ))],
        )
        .await;
    assert_eq!(own[0]["outcome"], "applied");
    // The agent's own queue.
    app.push(
        &c.agent,
        &[m::envelope(m::set(
            t,
            FieldValue::Assignee(Some(c.agent.id)),
            i64::MAX,
        ))],
    )
    .await;
    let (_, mine) = app.get(&c.agent, "/tickets?assignee=me").await;
    assert_eq!(mine["total"], 1);
    let (_, unassigned) = app.get(&c.agent, "/tickets?assignee=none").await;
    assert_eq!(unassigned["total"], 0);
    app.finish().await;
}
on_both!(a_colleague_may_reply_but_not_change_someone_elses_ticket);

async fn staff_look_up_people_and_customers_may_not(db: Db) {
    let app = TestApp::spawn(db).await;
    let c = app.cast().await;
    let (s, body) = app.get(&c.customer_a, "/people").await;
    assert_eq!(
        (s, body["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("forbidden"))
    );
    let (s, body) = app.get(&c.agent, "/people?role=customer").await;
    assert_eq!(s, StatusCode::OK, "{body}");
    let people = body["people"].as_array().unwrap();
    assert_eq!(people.len(), 3, "{body}");
    assert!(people
        .iter()
        .all(|p| p["user"]["role"] == "customer" && p["organisation"]["name"].is_string()));
    let (_, found) = app.get(&c.admin, "/people?q=ORG-B").await;
    assert_eq!(found["people"].as_array().unwrap().len(), 1, "{found}");
    assert_eq!(found["people"][0]["user"]["email"], "b@org-b.example");
    let (_, staff) = app.get(&c.admin, "/people?role=agent").await;
    assert_eq!(staff["people"][0]["user"]["tier"], 1);
    assert_eq!(
        app.get(&c.agent, "/people?role=boss").await.0,
        StatusCode::BAD_REQUEST
    );
    app.finish().await;
}
on_both!(staff_look_up_people_and_customers_may_not);
