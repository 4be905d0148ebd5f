//! Live events: `GET /api/v1/events` tells only those who may see a change, on one
//! server and (PostgreSQL) across server processes on the same database.

use std::time::Duration;

use futures::StreamExt;
use reqwest::StatusCode;
use tadhkira_proto::Visibility;
use uuid::Uuid;

use crate::helpers::{m, Db, Person, TestApp, HEAD_AT_START};
use crate::on_both;

/// Opens an event stream. Once the answer's headers are here the server has
/// subscribed, so nothing pushed afterwards can be missed.
async fn open(app: &TestApp, url: &str, who: &Person) -> reqwest::Response {
    let resp = app
        .http
        .get(url)
        .bearer_auth(&who.token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    resp
}

/// Reads `changes` events for `window`; answers their seqs.
async fn seqs(resp: reqwest::Response, window: Duration) -> Vec<i64> {
    let mut stream = resp.bytes_stream();
    let mut text = String::new();
    let _ = tokio::time::timeout(window, async {
        while let Some(Ok(chunk)) = stream.next().await {
            text.push_str(&String::from_utf8_lossy(&chunk));
        }
    })
    .await;
    text.lines()
        .filter_map(|l| l.strip_prefix("data:"))
        .filter_map(|d| serde_json::from_str::<serde_json::Value>(d.trim()).ok())
        .filter_map(|v| v["seq"].as_i64())
        .collect()
}

/// Reads all streams at once for `window`.
async fn read_all(streams: Vec<reqwest::Response>, window: Duration) -> Vec<Vec<i64>> {
    futures::future::join_all(streams.into_iter().map(|s| seqs(s, window))).await
}

async fn live_events_reach_only_those_who_may_see_the_change(db: Db) {
    let app = TestApp::spawn(db).await;
    let c = app.cast().await;
    let url = app.url("/events");
    let mut streams = Vec::new();
    for who in [&c.customer_a, &c.customer_b, &c.agent] {
        streams.push(open(&app, &url, who).await);
    }
    let t = Uuid::now_v7();
    app.push(
        &c.customer_a,
        &[m::envelope(m::new_ticket(t, "Live one", None))],
    )
    .await;
    app.push(
        &c.agent,
        &[m::envelope(m::message(t, "internal", Visibility::Internal))],
    )
    .await;
    let got = read_all(streams, Duration::from_millis(1500)).await;
    // Each stream starts with the head at connect time (HEAD_AT_START here), then live changes.
    assert_eq!(
        got[0],
        vec![HEAD_AT_START, HEAD_AT_START + 2],
        "customer A: the create, not the internal note"
    );
    assert_eq!(got[1], vec![HEAD_AT_START], "customer B: nothing of org A");
    assert_eq!(
        got[2],
        vec![HEAD_AT_START, HEAD_AT_START + 2, HEAD_AT_START + 3],
        "agent: both"
    );
    app.finish().await;
}
on_both!(live_events_reach_only_those_who_may_see_the_change);

/// Several server processes on one PostgreSQL database: a change pushed to one reaches
/// the live subscribers of the other (LISTEN/NOTIFY).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn changes_on_one_server_reach_subscribers_of_another_on_postgres() {
    let app = TestApp::spawn(Db::Postgres).await;
    let c = app.cast().await;
    let peer = app.spawn_peer().await;
    let url = format!("{}/api/v1/events", peer.url());
    let streams = vec![
        open(&app, &url, &c.customer_a).await,
        open(&app, &url, &c.customer_b).await,
    ];
    app.push(
        &c.customer_a,
        &[m::envelope(m::new_ticket(
            Uuid::now_v7(),
            "Through the first server",
            None,
        ))],
    )
    .await;
    let got = read_all(streams, Duration::from_millis(1500)).await;
    assert_eq!(
        got[0],
        vec![HEAD_AT_START, HEAD_AT_START + 2],
        "customer A hears it through the other server"
    );
    assert_eq!(got[1], vec![HEAD_AT_START], "customer B does not");
    peer.stop().await.unwrap();
    app.finish().await;
}

/// Reads a stream for up to `window`: answers whether it ended (the server closed it)
/// and the seqs of the `changes` events it carried.
async fn ends_within(resp: reqwest::Response, window: Duration) -> (bool, Vec<i64>) {
    let mut stream = resp.bytes_stream();
    let mut text = String::new();
    let ended = tokio::time::timeout(window, async {
        while let Some(chunk) = stream.next().await {
            match chunk {
                Ok(chunk) => text.push_str(&String::from_utf8_lossy(&chunk)),
                Err(_) => break,
            }
        }
    })
    .await
    .is_ok();
    let seqs = text
        .lines()
        .filter_map(|l| l.strip_prefix("data:"))
        .filter_map(|d| serde_json::from_str::<serde_json::Value>(d.trim()).ok())
        .filter_map(|v| v["seq"].as_i64())
        .collect();
    (ended, seqs)
}

async fn the_ninth_stream_of_a_user_closes_the_first(db: Db) {
    let app = TestApp::spawn(db).await;
    let c = app.cast().await;
    let url = app.url("/events");
    let mut streams = Vec::new();
    for _ in 0..8 {
        streams.push(open(&app, &url, &c.customer_a).await);
    }
    let other_user = open(&app, &url, &c.customer_b).await;
    let first = streams.remove(0);
    // Eight are allowed: the first is still open.
    let ninth = open(&app, &url, &c.customer_a).await;
    streams.push(ninth);
    let (ended, seqs) = ends_within(first, Duration::from_secs(5)).await;
    assert!(ended, "the first stream was closed when the ninth opened");
    assert_eq!(seqs, vec![HEAD_AT_START]);
    // The other eight still hear changes and stay open.
    app.push(
        &c.customer_a,
        &[m::envelope(m::new_ticket(
            Uuid::now_v7(),
            "Still heard",
            None,
        ))],
    )
    .await;
    let mut all = streams;
    all.push(other_user);
    let got = futures::future::join_all(
        all.into_iter()
            .map(|s| ends_within(s, Duration::from_millis(1500))),
    )
    .await;
    for (i, (ended, seqs)) in got.iter().enumerate().take(8) {
        assert!(!ended, "stream {} of the eight left was closed", i + 2);
        assert_eq!(
            seqs,
            &vec![HEAD_AT_START, HEAD_AT_START + 2],
            "stream {}",
            i + 2
        );
    }
    assert_eq!(
        got[8],
        (false, vec![HEAD_AT_START]),
        "another user's stream is untouched"
    );
    app.finish().await;
}
on_both!(the_ninth_stream_of_a_user_closes_the_first);

async fn a_revoked_tokens_stream_ends(db: Db) {
    let mut settings = crate::helpers::test_settings();
    settings.event_streams.token_recheck_seconds = 1;
    let app = TestApp::spawn_with(db, settings).await;
    let c = app.cast().await;
    let url = app.url("/events");

    // Signing out ends the token's stream at once; another person's stays.
    let signed_out = open(&app, &url, &c.customer_a).await;
    let bystander = open(&app, &url, &c.customer_b).await;
    let (s, _) = app
        .call(
            reqwest::Method::POST,
            "/auth/logout",
            Some(&c.customer_a.token),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (ended, _) = ends_within(signed_out, Duration::from_millis(800)).await;
    assert!(ended, "the signed-out token's stream ended at once");

    // Revoked elsewhere (the admin command, another server process): ended at the
    // stream's next check of its token.
    let revoked = open(&app, &url, &c.agent).await;
    let email = tadhkira_proto::Email::parse(&c.agent.email).unwrap();
    assert_eq!(
        app.server.store.revoke_user_tokens(&email).await.unwrap(),
        1
    );
    let (ended, _) = ends_within(revoked, Duration::from_secs(4)).await;
    assert!(ended, "the revoked token's stream ended at its next check");

    let (ended, _) = ends_within(bystander, Duration::from_millis(1500)).await;
    assert!(!ended, "customer B's stream is still open");
    app.finish().await;
}
on_both!(a_revoked_tokens_stream_ends);
