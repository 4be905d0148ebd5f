//! How the server takes connections: a slow-loris client is cut after the header
//! timeout, a dripping body after the request timeout, connections beyond the cap wait
//! until one ends, the event stream outlives both timeouts, and `X-Forwarded-For` counts only from a trusted proxy. (HTTPS
//! is in `tls.rs`.)

use std::time::{Duration, Instant};

use futures::StreamExt;
use reqwest::{Method, StatusCode};
use serde_json::json;
use tadhkira_proto::Role;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use uuid::Uuid;

use crate::helpers::{m, test_settings, Db, TestApp};
use crate::on_both;

/// Waits until the server closes `tcp` (a read gives end-of-file or a reset), for at
/// most `limit`; answers how long it took, `None` if it stayed open.
async fn closed_within(tcp: &mut TcpStream, limit: Duration) -> Option<Duration> {
    let start = Instant::now();
    let mut buf = [0u8; 1024];
    tokio::time::timeout(limit, async {
        loop {
            match tcp.read(&mut buf).await {
                Ok(0) | Err(_) => return start.elapsed(),
                Ok(_) => {}
            }
        }
    })
    .await
    .ok()
}

/// Reads from `tcp` until an HTTP status line with `200` arrives, for at most `limit`.
async fn answered_within(tcp: &mut TcpStream, limit: Duration) -> bool {
    let mut seen = Vec::new();
    let mut buf = [0u8; 4096];
    tokio::time::timeout(limit, async {
        loop {
            match tcp.read(&mut buf).await {
                Ok(0) | Err(_) => return false,
                Ok(n) => {
                    seen.extend_from_slice(&buf[..n]);
                    if String::from_utf8_lossy(&seen).contains("HTTP/1.1 200") {
                        return true;
                    }
                }
            }
        }
    })
    .await
    .unwrap_or(false)
}

const HEALTH: &[u8] = b"GET /api/v1/health HTTP/1.1\r\nHost: tadhkira.test\r\n\r\n";

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_slow_loris_client_is_cut_after_the_header_timeout() {
    let mut settings = test_settings();
    settings.transport.header_timeout_seconds = 1;
    let app = TestApp::spawn_with(Db::Sqlite, settings).await;
    let addr = app.server.address;

    // Half a request, then one more header line every 300 ms: never a whole head.
    let mut loris = TcpStream::connect(addr).await.unwrap();
    loris
        .write_all(b"GET /api/v1/health HTTP/1.1\r\nHost: tadhkira.test\r\n")
        .await
        .unwrap();
    let dripping = async {
        let start = Instant::now();
        for i in 0.. {
            tokio::time::sleep(Duration::from_millis(300)).await;
            if loris
                .write_all(format!("X-Drip-{i}: 1\r\n").as_bytes())
                .await
                .is_err()
                || start.elapsed() > Duration::from_secs(6)
            {
                break;
            }
        }
        closed_within(&mut loris, Duration::from_secs(1))
            .await
            .map(|_| start.elapsed())
    };
    let cut = dripping.await.expect("the dripping connection is closed");
    assert!(
        cut >= Duration::from_millis(900) && cut < Duration::from_secs(3),
        "cut after the 1 s header timeout, not before nor much later: {cut:?}"
    );

    // A client that connects and says nothing is cut too (before hyper knows the HTTP
    // version, its own timer has not started).
    let mut silent = TcpStream::connect(addr).await.unwrap();
    let after = closed_within(&mut silent, Duration::from_secs(4))
        .await
        .expect("the silent connection is closed");
    assert!(after < Duration::from_secs(3), "{after:?}");

    // A whole request is still answered.
    let mut fine = TcpStream::connect(addr).await.unwrap();
    fine.write_all(HEALTH).await.unwrap();
    assert!(answered_within(&mut fine, Duration::from_secs(2)).await);
    app.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_client_dripping_a_body_is_answered_busy_after_the_request_timeout() {
    let mut settings = test_settings();
    settings.transport.request_timeout_seconds = 1;
    let app = TestApp::spawn_with(Db::Sqlite, settings).await;
    let mut tcp = TcpStream::connect(app.server.address).await.unwrap();
    // A whole head promising 100 bytes of body, then 10 of them, then nothing.
    tcp.write_all(
        b"POST /api/v1/auth/login HTTP/1.1\r\nHost: tadhkira.test\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"email\":",
    )
    .await
    .unwrap();
    let start = Instant::now();
    let mut seen = Vec::new();
    let mut buf = [0u8; 4096];
    let answered = tokio::time::timeout(Duration::from_secs(4), async {
        loop {
            match tcp.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    seen.extend_from_slice(&buf[..n]);
                    if String::from_utf8_lossy(&seen).contains("}") {
                        break;
                    }
                }
            }
        }
    })
    .await;
    let text = String::from_utf8_lossy(&seen);
    assert!(answered.is_ok(), "no answer to a dripping body: {text}");
    assert!(text.starts_with("HTTP/1.1 503"), "{text}");
    assert!(
        text.to_ascii_lowercase().contains("retry-after: 1"),
        "{text}"
    );
    assert!(text.contains("\"code\":\"busy\""), "{text}");
    let took = start.elapsed();
    assert!(
        took >= Duration::from_millis(900) && took < Duration::from_secs(3),
        "{took:?}"
    );
    app.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_connection_beyond_the_cap_waits_until_one_ends() {
    let mut settings = test_settings();
    settings.transport.max_connections = 2;
    let app = TestApp::spawn_with(Db::Sqlite, settings).await;
    let addr = app.server.address;
    let mut first = TcpStream::connect(addr).await.unwrap();
    let mut second = TcpStream::connect(addr).await.unwrap();
    for c in [&mut first, &mut second] {
        c.write_all(HEALTH).await.unwrap();
        assert!(
            answered_within(c, Duration::from_secs(2)).await,
            "within the cap"
        );
    }
    // Both stay open (keep-alive). The third is queued by the kernel, not served.
    let mut third = TcpStream::connect(addr).await.unwrap();
    third.write_all(HEALTH).await.unwrap();
    assert!(
        !answered_within(&mut third, Duration::from_millis(700)).await,
        "the third connection is not served while two are open"
    );
    drop(first);
    assert!(
        answered_within(&mut third, Duration::from_secs(3)).await,
        "served once a connection ended"
    );
    drop((second, third));
    app.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_event_stream_outlives_the_header_timeout() {
    let mut settings = test_settings();
    settings.transport.header_timeout_seconds = 1;
    settings.transport.request_timeout_seconds = 1;
    let app = TestApp::spawn_with(Db::Sqlite, settings).await;
    let c = app.cast().await;
    let resp = app
        .http
        .get(app.url("/events"))
        .bearer_auth(&c.customer_a.token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let mut stream = resp.bytes_stream();
    let first = stream.next().await.expect("the first event").unwrap();
    assert!(String::from_utf8_lossy(&first).contains("changes"));
    // Well past both timeouts, a change still arrives on the same stream.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    app.push(
        &c.customer_a,
        &[m::envelope(m::new_ticket(
            Uuid::now_v7(),
            "Still live",
            None,
        ))],
    )
    .await;
    let next = tokio::time::timeout(Duration::from_secs(3), stream.next())
        .await
        .expect("an event after the header timeout")
        .expect("the stream is open")
        .unwrap();
    assert!(
        String::from_utf8_lossy(&next).contains("changes"),
        "{next:?}"
    );
    drop(stream);
    app.finish().await;
}

/// Six wrong passwords on different accounts "from" `forwarded_for`, then one from
/// another forwarded address: answers the statuses of the last guess of each.
async fn guesses_through_a_proxy(app: &TestApp) -> (StatusCode, StatusCode) {
    let guess = |email: String, forwarded_for: &'static str| {
        app.http
            .post(app.url("/auth/login"))
            .header("x-forwarded-for", forwarded_for)
            .json(&json!({"email": email, "password": "wrong-password"}))
            .send()
    };
    let mut last = StatusCode::OK;
    for i in 0..6 {
        last = guess(format!("u{i}@help.example"), "203.0.113.1")
            .await
            .unwrap()
            .status();
    }
    let other = guess("other@help.example".into(), "203.0.113.2")
        .await
        .unwrap()
        .status();
    (last, other)
}

fn proxy_settings(trusted: &[&str]) -> tadhkira_server::Settings {
    let mut settings = test_settings();
    settings.login_limit.max_failures_per_address = 2;
    settings.login_limit.max_failures_per_account = 100;
    settings.login_limit.base_delay_seconds = 60;
    settings.transport.trusted_proxies = trusted.iter().map(|s| s.parse().unwrap()).collect();
    settings
}

async fn forwarded_addresses_are_counted_only_from_a_trusted_proxy(db: Db) {
    // Behind a trusted proxy (loopback here), each forwarded client is its own address.
    let app = TestApp::spawn_with(db, proxy_settings(&["127.0.0.1", "::1"])).await;
    app.person("someone@help.example", Role::Agent, None, Some(1))
        .await;
    let (slowed, other) = guesses_through_a_proxy(&app).await;
    assert_eq!(
        slowed,
        StatusCode::TOO_MANY_REQUESTS,
        "203.0.113.1 is slowed"
    );
    assert_eq!(
        other,
        StatusCode::UNAUTHORIZED,
        "203.0.113.2 is another client, not slowed by the first"
    );
    app.finish().await;

    // From an untrusted peer the header is ignored: every guess is loopback's.
    let app = TestApp::spawn_with(db, proxy_settings(&["10.0.0.0/8"])).await;
    let (slowed, other) = guesses_through_a_proxy(&app).await;
    assert_eq!(slowed, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(
        other,
        StatusCode::TOO_MANY_REQUESTS,
        "a made-up X-Forwarded-For does not escape the slowing"
    );
    let (status, body) = app
        .call(
            Method::POST,
            "/auth/login",
            None,
            Some(json!({"email": "x@help.example", "password": "p"})),
        )
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::TOO_MANY_REQUESTS, Some("rate_limited"))
    );
    app.finish().await;
}
on_both!(forwarded_addresses_are_counted_only_from_a_trusted_proxy);
