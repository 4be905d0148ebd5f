//! The authorisation matrix: every endpoint × customer of org A / customer of org B /
//! agent / admin / no token / expired token — and no leak of another organisation's
//! ticket or of any internal note, through the list, the detail, the feed (pulled or as
//! the first-sync snapshot) or events.

use reqwest::{Method, StatusCode};
use serde_json::json;
use tadhkira_proto::{FieldValue, Priority, Visibility};
use uuid::Uuid;

use crate::helpers::{m, Db, Person, TestApp};
use crate::on_both;

const SECRET_NOTE: &str = "INTERNAL-ONLY: customer owes us two invoices";
const SECRET_REASON: &str = "INTERNAL-REASON: vendor escalation";
const B_TITLE: &str = "Org B confidential ticket";

async fn every_endpoint_answers_each_role_as_it_should(db: Db) {
    let app = TestApp::spawn(db).await;
    let c = app.cast().await;
    let ta = Uuid::now_v7();
    let tb = Uuid::now_v7();
    app.push(
        &c.customer_a,
        &[
            m::envelope(m::new_ticket(ta, "Org A printer", None)),
            m::envelope(m::message(ta, "public words", Visibility::Public)),
        ],
    )
    .await;
    app.push(
        &c.customer_b,
        &[m::envelope(m::new_ticket(tb, B_TITLE, None))],
    )
    .await;
    let staff = app
        .push(
            &c.agent,
            &[
                m::envelope(m::message(ta, SECRET_NOTE, Visibility::Internal)),
                m::envelope(m::set(ta, FieldValue::Assignee(Some(c.agent.id)), i64::MAX)),
            ],
        )
        .await;
    assert!(staff.iter().all(|r| r["outcome"] == "applied"), "{staff:?}");
    let (s, _) = app
        .call(
            Method::POST,
            &format!("/tickets/{ta}/escalate"),
            Some(&c.agent.token),
            Some(json!({"to_tier": 2, "reason": SECRET_REASON})),
        )
        .await;
    assert_eq!(s, StatusCode::OK);

    let expired = Person {
        token: app.expired_token(&c.customer_a).await,
        ..c.customer_a.clone()
    };
    let nobody = Person {
        token: String::new(),
        ..c.customer_a.clone()
    };
    for anonymous in [&nobody, &expired] {
        let token = (!anonymous.token.is_empty()).then_some(anonymous.token.as_str());
        for (method, path) in [
            (Method::GET, "/me".to_string()),
            (Method::GET, "/tickets".into()),
            (Method::GET, format!("/tickets/{ta}")),
            (Method::POST, "/tickets".into()),
            (Method::PATCH, format!("/tickets/{ta}")),
            (Method::POST, format!("/tickets/{ta}/messages")),
            (Method::POST, format!("/tickets/{ta}/escalate")),
            (Method::POST, "/sync/push".into()),
            (Method::GET, "/sync/pull?cursor=0".into()),
            (Method::GET, "/sync/snapshot".into()),
            (Method::GET, "/events".into()),
            (Method::POST, "/auth/logout".into()),
        ] {
            let (status, body) = app
                .call(method.clone(), &path, token, Some(json!({})))
                .await;
            assert_eq!(
                status,
                StatusCode::UNAUTHORIZED,
                "{method} {path} with token {token:?}: {body}"
            );
            assert_eq!(body["code"], "unauthorized");
        }
    }
    for path in ["/health", "/openapi.json"] {
        assert_eq!(
            app.call(Method::GET, path, None, None).await.0,
            StatusCode::OK
        );
    }

    // Reading: each customer sees only their organisation, never internal things.
    for (who, own, other) in [(&c.customer_a, ta, tb), (&c.customer_b, tb, ta)] {
        assert_eq!(app.get(who, "/me").await.0, StatusCode::OK);
        let (_, list) = app.get(who, "/tickets").await;
        assert_eq!(list["total"], 1);
        assert_eq!(list["tickets"][0]["id"], own.to_string());
        assert_eq!(
            app.get(who, &format!("/tickets/{own}")).await.0,
            StatusCode::OK
        );
        let (s, body) = app.get(who, &format!("/tickets/{other}")).await;
        assert_eq!(
            (s, body["code"].as_str()),
            (StatusCode::NOT_FOUND, Some("not_found"))
        );
        // The first-sync snapshot brings exactly what pulling from 0 brings.
        let (_, snapshot) = app.snapshot_all(who).await;
        assert_eq!(
            snapshot,
            app.pull_all(who).await,
            "{}'s snapshot",
            who.email
        );
        let seen = format!(
            "{list} {} {:?} {snapshot:?}",
            app.get(who, &format!("/tickets/{own}")).await.1,
            app.pull_all(who).await
        );
        for secret in [SECRET_NOTE, SECRET_REASON, &other.to_string()] {
            assert!(!seen.contains(secret), "{} saw {secret}", who.email);
        }
    }
    let a_seen = format!("{:?}", app.pull_all(&c.customer_a).await);
    assert!(a_seen.contains("public words") && !a_seen.contains(B_TITLE));
    for who in [&c.agent, &c.admin] {
        let (_, list) = app.get(who, "/tickets").await;
        assert_eq!(list["total"], 2);
        let (_, detail) = app.get(who, &format!("/tickets/{ta}")).await;
        assert!(
            detail.to_string().contains(SECRET_NOTE) && detail.to_string().contains(SECRET_REASON)
        );
        let feed = format!("{:?}", app.pull_all(who).await);
        assert!(feed.contains(SECRET_NOTE) && feed.contains(B_TITLE));
        let (_, snapshot) = app.snapshot_all(who).await;
        assert_eq!(
            snapshot,
            app.pull_all(who).await,
            "{}'s snapshot",
            who.email
        );
    }

    // Writing.
    let reply = |id: Uuid, vis: &str| json!({"id": Uuid::now_v7(), "ticket_id": id, "body": "hello", "visibility": vis});
    let cases: Vec<(&Person, Method, String, serde_json::Value, StatusCode)> = vec![
        (
            &c.customer_a,
            Method::POST,
            format!("/tickets/{ta}/messages"),
            reply(ta, "public"),
            StatusCode::CREATED,
        ),
        (
            &c.customer_a,
            Method::POST,
            format!("/tickets/{ta}/messages"),
            reply(ta, "internal"),
            StatusCode::FORBIDDEN,
        ),
        (
            &c.customer_b,
            Method::POST,
            format!("/tickets/{ta}/messages"),
            reply(ta, "public"),
            StatusCode::NOT_FOUND,
        ),
        (
            &c.agent,
            Method::POST,
            format!("/tickets/{ta}/messages"),
            reply(ta, "internal"),
            StatusCode::CREATED,
        ),
        (
            &c.admin,
            Method::POST,
            format!("/tickets/{ta}/messages"),
            reply(ta, "public"),
            StatusCode::CREATED,
        ),
        (
            &c.customer_a,
            Method::PATCH,
            format!("/tickets/{ta}"),
            json!({"changes": [{"value": {"field": "priority", "value": "urgent"}, "seen_version": 0}]}),
            StatusCode::FORBIDDEN,
        ),
        (
            &c.customer_a,
            Method::PATCH,
            format!("/tickets/{ta}"),
            json!({"changes": [{"value": {"field": "assignee", "value": null}, "seen_version": 0}]}),
            StatusCode::FORBIDDEN,
        ),
        (
            &c.customer_a,
            Method::PATCH,
            format!("/tickets/{ta}"),
            json!({"changes": [{"value": {"field": "status", "value": "on_hold"}, "seen_version": 0}]}),
            StatusCode::FORBIDDEN,
        ),
        (
            &c.customer_b,
            Method::PATCH,
            format!("/tickets/{ta}"),
            json!({"changes": [{"value": {"field": "title", "value": "mine now"}, "seen_version": 0}]}),
            StatusCode::NOT_FOUND,
        ),
        (
            &c.agent,
            Method::PATCH,
            format!("/tickets/{ta}"),
            json!({"changes": [{"value": {"field": "priority", "value": "high"}, "seen_version": 0}]}),
            StatusCode::OK,
        ),
        (
            &c.admin,
            Method::PATCH,
            format!("/tickets/{ta}"),
            json!({"changes": [{"value": {"field": "status", "value": "open"}, "seen_version": 0}]}),
            StatusCode::OK,
        ),
        (
            &c.customer_a,
            Method::PATCH,
            format!("/tickets/{ta}"),
            json!({"changes": [{"value": {"field": "status", "value": "solved"}, "seen_version": 0}]}),
            StatusCode::OK,
        ),
        (
            &c.customer_a,
            Method::POST,
            format!("/tickets/{ta}/escalate"),
            json!({"to_tier": 3, "reason": "please"}),
            StatusCode::FORBIDDEN,
        ),
        (
            &c.customer_b,
            Method::POST,
            format!("/tickets/{ta}/escalate"),
            json!({"to_tier": 3, "reason": "please"}),
            StatusCode::FORBIDDEN,
        ),
        (
            &c.agent,
            Method::POST,
            format!("/tickets/{ta}/escalate"),
            json!({"to_tier": 3, "reason": "needs L3"}),
            StatusCode::OK,
        ),
        (
            &c.admin,
            Method::POST,
            format!("/tickets/{ta}/escalate"),
            json!({"to_tier": 2, "reason": "down?"}),
            StatusCode::BAD_REQUEST,
        ),
        (
            &c.customer_a,
            Method::POST,
            "/tickets".into(),
            json!({"id": Uuid::now_v7(), "title": "New from A", "description": "d", "priority": "low", "channel": "portal"}),
            StatusCode::CREATED,
        ),
        (
            &c.customer_a,
            Method::POST,
            "/tickets".into(),
            json!({"id": Uuid::now_v7(), "title": "For B?", "description": "d", "priority": "low", "channel": "portal", "requester_id": c.customer_b.id}),
            StatusCode::FORBIDDEN,
        ),
        (
            &c.lapsed,
            Method::POST,
            "/tickets".into(),
            json!({"id": Uuid::now_v7(), "title": "Lapsed", "description": "d", "priority": "low", "channel": "portal"}),
            StatusCode::PAYMENT_REQUIRED,
        ),
        (
            &c.agent,
            Method::POST,
            "/tickets".into(),
            json!({"id": Uuid::now_v7(), "title": "Phone call", "description": "d", "priority": "low", "channel": "phone", "requester_id": c.customer_b.id}),
            StatusCode::CREATED,
        ),
        (
            &c.admin,
            Method::POST,
            "/tickets".into(),
            json!({"id": Uuid::now_v7(), "title": "No requester", "description": "d", "priority": "low", "channel": "phone"}),
            StatusCode::BAD_REQUEST,
        ),
    ];
    for (who, method, path, body, want) in cases {
        let (status, answer) = app
            .call(method.clone(), &path, Some(&who.token), Some(body.clone()))
            .await;
        assert_eq!(
            status, want,
            "{} {method} {path} {body}: {answer}",
            who.email
        );
        if !status.is_success() {
            assert!(answer["code"].is_string(), "{answer}");
        }
    }
    let (_, detail) = app.get(&c.agent, &format!("/tickets/{ta}")).await;
    assert_eq!(
        detail["ticket"]["priority"],
        serde_json::to_value(Priority::High).unwrap()
    );
    assert_eq!(detail["ticket"]["tier"], 3);

    // Signing out revokes the token.
    assert_eq!(
        app.call(
            Method::POST,
            "/auth/logout",
            Some(&c.customer_b.token),
            None
        )
        .await
        .0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        app.get(&c.customer_b, "/me").await.0,
        StatusCode::UNAUTHORIZED
    );
    app.finish().await;
}
on_both!(every_endpoint_answers_each_role_as_it_should);

async fn sign_in_is_slowed_after_repeated_failures(db: Db) {
    let app = TestApp::spawn(db).await;
    let c = app.cast().await;
    let bad = json!({"email": c.agent.email, "password": "wrong-password"});
    for _ in 0..5 {
        let (s, body) = app
            .call(Method::POST, "/auth/login", None, Some(bad.clone()))
            .await;
        assert_eq!(
            (s, body["code"].as_str()),
            (StatusCode::UNAUTHORIZED, Some("bad_credentials"))
        );
    }
    let good = json!({"email": c.agent.email, "password": "password1"});
    let (s, body) = app
        .call(Method::POST, "/auth/login", None, Some(good))
        .await;
    assert_eq!(
        (s, body["code"].as_str()),
        (StatusCode::TOO_MANY_REQUESTS, Some("rate_limited"))
    );
    // Another account from the same address is not yet slowed.
    let other = json!({"email": c.admin.email, "password": "password1"});
    assert_eq!(
        app.call(Method::POST, "/auth/login", None, Some(other))
            .await
            .0,
        StatusCode::OK
    );
    // Unknown accounts get the same answer as a wrong password.
    let (s, body) = app
        .call(
            Method::POST,
            "/auth/login",
            None,
            Some(json!({"email": "ghost@x.example", "password": "x"})),
        )
        .await;
    assert_eq!(
        (s, body["code"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("bad_credentials"))
    );
    app.finish().await;
}
on_both!(sign_in_is_slowed_after_repeated_failures);
