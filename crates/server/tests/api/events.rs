//! Live events: `GET /api/v1/events` tells only those who may see a change, on one
//! server and (PostgreSQL) across server processes on the same database.

use std::time::Duration;

use futures::StreamExt;
use reqwest::StatusCode;
use tadhkira_proto::Visibility;
use uuid::Uuid;

use crate::helpers::{m, Db, Person, TestApp};
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
    // Each stream starts with the head at connect time (0 here), then live changes.
    assert_eq!(
        got[0],
        vec![0, 2],
        "customer A: the create, not the internal note"
    );
    assert_eq!(got[1], vec![0], "customer B: nothing of org A");
    assert_eq!(got[2], vec![0, 2, 3], "agent: both");
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
        vec![0, 2],
        "customer A hears it through the other server"
    );
    assert_eq!(got[1], vec![0], "customer B does not");
    peer.stop().await.unwrap();
    app.finish().await;
}
