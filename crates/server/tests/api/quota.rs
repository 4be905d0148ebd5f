//! Per-user write quotas: past the configured rate a push (or a REST write) is answered
//! 429 `rate_limited` with `Retry-After`, applies nothing, and goes through when sent
//! again after that wait.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::json;
use tadhkira_proto::{PushRequest, Visibility};
use tadhkira_server::config::WriteQuotaSettings;
use uuid::Uuid;

use crate::helpers::{m, test_settings, Db, TestApp};
use crate::on_both;

async fn writes_past_the_quota_are_answered_429_with_retry_after_and_apply_nothing(db: Db) {
    let mut settings = test_settings();
    settings.write_quota = WriteQuotaSettings {
        mutations_per_minute: 60,
        burst: 5,
    };
    let app = TestApp::spawn_with(db, settings).await;
    let c = app.cast().await;
    let t = Uuid::now_v7();
    let first: Vec<_> = std::iter::once(m::envelope(m::new_ticket(t, "Quota ticket", None)))
        .chain((0..4).map(|i| m::envelope(m::message(t, &format!("note {i}"), Visibility::Public))))
        .collect();
    let results = app.push(&c.customer_a, &first).await;
    assert!(results.iter().all(|r| r["outcome"] == "applied"));

    // The sixth mutation within the second is one too many.
    let extra = m::envelope(m::message(t, "one too many", Visibility::Public));
    let body = serde_json::to_value(PushRequest {
        client_id: Uuid::now_v7(),
        mutations: vec![extra.clone()],
    })
    .unwrap();
    let resp = app
        .http
        .post(app.url("/sync/push"))
        .bearer_auth(&c.customer_a.token)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry_after: u64 = resp.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=2).contains(&retry_after), "{retry_after}");
    let answer: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(answer["code"], "rate_limited", "{answer}");

    // REST writes count too; other users have their own quota.
    let (s, answer) = app
        .call(
            reqwest::Method::POST,
            &format!("/tickets/{t}/messages"),
            Some(&c.customer_a.token),
            Some(json!({"id": Uuid::now_v7(), "ticket_id": t, "body": "via REST", "visibility": "public"})),
        )
        .await;
    assert_eq!(
        (s, answer["code"].as_str()),
        (StatusCode::TOO_MANY_REQUESTS, Some("rate_limited"))
    );
    let results = app
        .push(
            &c.agent,
            &[m::envelope(m::message(
                t,
                "from support",
                Visibility::Public,
            ))],
        )
        .await;
    assert_eq!(results[0]["outcome"], "applied");

    // Nothing of the refused writes was applied.
    let (_, detail) = app.get(&c.agent, &format!("/tickets/{t}")).await;
    assert_eq!(detail["messages"].as_array().unwrap().len(), 5, "{detail}");

    // After the wait, the same mutation goes through, once.
    tokio::time::sleep(Duration::from_secs(retry_after)).await;
    let results = app.push(&c.customer_a, &[extra]).await;
    assert_eq!(results[0]["outcome"], "applied", "{results:?}");
    let (_, detail) = app.get(&c.agent, &format!("/tickets/{t}")).await;
    assert_eq!(detail["messages"].as_array().unwrap().len(), 6);
    app.finish().await;
}
on_both!(writes_past_the_quota_are_answered_429_with_retry_after_and_apply_nothing);
