//! Per-user write quotas: past the configured rate a push (or a REST write) is answered
//! 429 `rate_limited` with `Retry-After`, applies nothing, and goes through when sent
//! again after that wait.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::json;
use tadhkira_proto::{PushRequest, Visibility};
use tadhkira_server::config::WriteQuotaSettings;
use tadhkira_server::db::{now_us, QuotaRule, StoreError};
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

/// Takes `n` of `user`'s quota at `t0 + at_s` seconds: `Ok` or the wait in seconds.
async fn take_at(
    app: &TestApp,
    rule: QuotaRule,
    user: Uuid,
    n: usize,
    t0: i64,
    at_s: f64,
) -> Result<(), f64> {
    let now = t0 + (at_s * 1e6) as i64;
    match app.server.store.take_write_quota(rule, user, n, now).await {
        Ok(()) => Ok(()),
        Err(StoreError::OverQuota(wait)) => Err(wait.as_secs_f64()),
        Err(e) => panic!("the quota statement failed: {e}"),
    }
}

/// The bucket's arithmetic, done by the database's one statement with a clock of the
/// test's own (the cases the in-memory bucket was tested with before it moved there).
async fn a_user_may_write_the_burst_then_waits_for_the_refill(db: Db) {
    let app = TestApp::spawn(db).await;
    let rule = QuotaRule::new(60, 10);
    let (user, other) = (Uuid::now_v7(), Uuid::now_v7());
    let t0 = now_us();
    assert_eq!(take_at(&app, rule, user, 6, t0, 0.0).await, Ok(()));
    assert_eq!(take_at(&app, rule, user, 4, t0, 0.0).await, Ok(()));
    let wait = take_at(&app, rule, user, 3, t0, 0.0).await.unwrap_err();
    assert!((2.9..=3.1).contains(&wait), "{wait}");
    assert_eq!(
        take_at(&app, rule, other, 10, t0, 0.0).await,
        Ok(()),
        "each user has their own"
    );
    // One per second comes back.
    assert_eq!(take_at(&app, rule, user, 3, t0, 3.0).await, Ok(()));
    assert!(take_at(&app, rule, user, 1, t0, 3.0).await.is_err());
    // A long pause fills the bucket to the burst, not beyond.
    assert_eq!(take_at(&app, rule, user, 10, t0, 600.0).await, Ok(()));
    assert!(take_at(&app, rule, user, 1, t0, 600.0).await.is_err());
    app.finish().await;
}
on_both!(a_user_may_write_the_burst_then_waits_for_the_refill);

async fn a_batch_larger_than_the_burst_goes_when_the_bucket_is_full(db: Db) {
    let app = TestApp::spawn(db).await;
    let rule = QuotaRule::new(60, 10);
    let user = Uuid::now_v7();
    let t0 = now_us();
    assert_eq!(
        take_at(&app, rule, user, 25, t0, 0.0).await,
        Ok(()),
        "a full bucket lets it through"
    );
    // In debt: 15 below zero, so the next single write waits 16 seconds.
    let wait = take_at(&app, rule, user, 1, t0, 0.0).await.unwrap_err();
    assert!((15.9..=16.1).contains(&wait), "{wait}");
    // Full again after 25 seconds: another large batch goes.
    assert!(take_at(&app, rule, user, 25, t0, 24.0).await.is_err());
    assert_eq!(take_at(&app, rule, user, 25, t0, 25.0).await, Ok(()));
    app.finish().await;
}
on_both!(a_batch_larger_than_the_burst_goes_when_the_bucket_is_full);

/// Parallel writers of one user on two servers of one database (both in this test
/// process; `tests/tests/cluster.rs` has separate processes): exactly the
/// burst is let through, however the requests interleave.
async fn parallel_takes_on_two_servers_share_one_bucket(db: Db) {
    let app = TestApp::spawn(db).await;
    let peer = app.spawn_peer().await;
    let rule = QuotaRule::new(1, 40);
    let user = Uuid::now_v7();
    let t0 = now_us();
    let takes = (0..100).map(|i| {
        let store = if i % 2 == 0 {
            app.server.store.clone()
        } else {
            peer.store.clone()
        };
        async move { store.take_write_quota(rule, user, 1, t0).await }
    });
    let answers = futures::future::join_all(takes).await;
    let allowed = answers.iter().filter(|a| a.is_ok()).count();
    let refused = answers
        .iter()
        .filter(|a| matches!(a, Err(StoreError::OverQuota(_))))
        .count();
    assert_eq!((allowed, refused), (40, 60), "{answers:?}");
    peer.stop().await.expect("peer stops");
    app.finish().await;
}
on_both!(parallel_takes_on_two_servers_share_one_bucket);
