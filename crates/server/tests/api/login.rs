//! Sign-in under attack: a burst of parallel guesses gets no more tries than the same
//! guesses in sequence.

use futures::future::join_all;
use reqwest::{Method, StatusCode};
use serde_json::json;
use tadhkira_proto::Role;

use crate::helpers::{test_settings, Db, TestApp};
use crate::on_both;

async fn a_burst_of_parallel_guesses_gets_no_more_tries_than_a_sequence(db: Db) {
    let mut settings = test_settings();
    settings.login_limit.max_failures_per_account = 3;
    settings.login_limit.max_failures_per_address = 1000;
    let app = TestApp::spawn_with(db, settings).await;
    let victim = app
        .person("victim@help.example", Role::Agent, None, Some(1))
        .await;
    let bad = json!({"email": victim.email, "password": "wrong-password"});
    let answers =
        join_all((0..30).map(|_| app.call(Method::POST, "/auth/login", None, Some(bad.clone()))))
            .await;
    let checked = answers
        .iter()
        .filter(|(s, b)| *s == StatusCode::UNAUTHORIZED && b["code"] == "bad_credentials")
        .count();
    let slowed = answers
        .iter()
        .filter(|(s, b)| *s == StatusCode::TOO_MANY_REQUESTS && b["code"] == "rate_limited")
        .count();
    assert_eq!(
        (checked, slowed),
        (3, 27),
        "only as many passwords are checked as the threshold allows: {answers:?}"
    );
    app.finish().await;
}
on_both!(a_burst_of_parallel_guesses_gets_no_more_tries_than_a_sequence);

/// A wrong-password attempt against `base` (a server's `/api/v1` root) from loopback.
async fn guess(app: &TestApp, base: &str, email: &str) -> reqwest::Response {
    app.http
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({"email": email, "password": "wrong-password"}))
        .send()
        .await
        .expect("request")
}

async fn the_counters_are_shared_by_servers_and_survive_a_restart(db: Db) {
    let mut settings = test_settings();
    settings.login_limit.max_failures_per_account = 2;
    settings.login_limit.base_delay_seconds = 60;
    let mut app = TestApp::spawn_with(db, settings).await;
    let victim = app
        .person("victim@help.example", Role::Agent, None, Some(1))
        .await;
    let first = app.server.url();
    assert_eq!(
        guess(&app, &first, &victim.email).await.status(),
        StatusCode::UNAUTHORIZED
    );
    // The second failure is made on another server process on the same database.
    let peer = app.spawn_peer().await;
    assert_eq!(
        guess(&app, &peer.url(), &victim.email).await.status(),
        StatusCode::UNAUTHORIZED
    );
    peer.stop().await.expect("peer stops");
    // Restart: the first server stops and a new one starts on the same database.
    let restarted = app.spawn_peer().await;
    std::mem::replace(&mut app.server, restarted)
        .stop()
        .await
        .expect("server stops");
    let slowed = guess(&app, &app.server.url(), &victim.email).await;
    assert_eq!(slowed.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry: u64 = slowed.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((55..=60).contains(&retry), "Retry-After {retry}");
    let body: serde_json::Value = slowed.json().await.unwrap();
    assert_eq!(body["code"], "rate_limited");
    app.finish().await;
}
on_both!(the_counters_are_shared_by_servers_and_survive_a_restart);

async fn each_further_failure_doubles_the_delay_and_a_success_clears_it(db: Db) {
    let mut settings = test_settings();
    settings.login_limit.max_failures_per_account = 1;
    settings.login_limit.base_delay_seconds = 1;
    settings.login_limit.max_delay_seconds = 3;
    let app = TestApp::spawn_with(db, settings).await;
    let victim = app
        .person("victim@help.example", Role::Agent, None, Some(1))
        .await;
    let base = app.server.url();
    let retry_after = |r: &reqwest::Response| -> u64 {
        r.headers()["retry-after"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap()
    };
    // Failure 1 (the one allowed): the next attempt waits 1 s; failure 2: 2 s; failure
    // 3: 4 s, capped at 3.
    for (failure, wait) in [(1, 1), (2, 2), (3, 3)] {
        assert_eq!(
            guess(&app, &base, &victim.email).await.status(),
            StatusCode::UNAUTHORIZED,
            "failure {failure} is checked"
        );
        let r = guess(&app, &base, &victim.email).await;
        assert_eq!(
            (r.status(), retry_after(&r)),
            (StatusCode::TOO_MANY_REQUESTS, wait),
            "after failure {failure}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(wait * 1000 + 100)).await;
    }
    // The right password clears the account's failures: the next wrong one is free again.
    let (s, _) = app
        .call(
            Method::POST,
            "/auth/login",
            None,
            Some(json!({"email": victim.email, "password": "password1"})),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        guess(&app, &base, &victim.email).await.status(),
        StatusCode::UNAUTHORIZED
    );
    app.finish().await;
}
on_both!(each_further_failure_doubles_the_delay_and_a_success_clears_it);

async fn a_device_that_signed_in_before_is_not_slowed_by_someone_elses_guesses(db: Db) {
    let mut settings = test_settings();
    settings.login_limit.max_failures_per_account = 2;
    settings.login_limit.base_delay_seconds = 60;
    let app = TestApp::spawn_with(db, settings).await;
    let victim = app
        .person("victim@help.example", Role::Agent, None, Some(1))
        .await;
    let other = app
        .person("other@help.example", Role::Agent, None, Some(1))
        .await;
    // The victim's device signs out (its token is revoked but it still holds it).
    let (s, _) = app
        .call(Method::POST, "/auth/logout", Some(&victim.token), None)
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let base = app.server.url();
    for _ in 0..3 {
        guess(&app, &base, &victim.email).await;
    }
    let right = json!({"email": victim.email, "password": "password1"});
    assert_eq!(
        app.call(Method::POST, "/auth/login", None, Some(right.clone()))
            .await
            .0,
        StatusCode::TOO_MANY_REQUESTS,
        "a new device waits"
    );
    assert_eq!(
        app.call(
            Method::POST,
            "/auth/login",
            Some(&other.token),
            Some(right.clone())
        )
        .await
        .0,
        StatusCode::TOO_MANY_REQUESTS,
        "another account's token proves nothing"
    );
    assert_eq!(
        app.call(
            Method::POST,
            "/auth/login",
            Some("0123456789abcdef"),
            Some(right.clone())
        )
        .await
        .0,
        StatusCode::TOO_MANY_REQUESTS,
        "a made-up token proves nothing"
    );
    let (s, body) = app
        .call(
            Method::POST,
            "/auth/login",
            Some(&victim.token),
            Some(right),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "the known device signs in: {body}");
    // …but its wrong password is still refused.
    let (s, body) = app
        .call(
            Method::POST,
            "/auth/login",
            Some(&victim.token),
            Some(json!({"email": victim.email, "password": "nope"})),
        )
        .await;
    assert_eq!(
        (s, body["code"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("bad_credentials"))
    );
    app.finish().await;
}
on_both!(a_device_that_signed_in_before_is_not_slowed_by_someone_elses_guesses);

async fn sign_ins_beyond_the_hashing_pool_are_answered_busy(db: Db) {
    let mut settings = test_settings();
    // Slow hashes and a pool of one, so parallel sign-ins find it full.
    settings.argon2 = tadhkira_server::config::Argon2Params {
        memory_kib: 8 * 1024,
        iterations: 8,
        parallelism: 1,
    };
    settings.login_limit.max_concurrent_hashes = Some(1);
    settings.login_limit.max_failures_per_address = 1000;
    let app = TestApp::spawn_with(db, settings).await;
    // Unknown accounts are checked against the dummy hash, at the same cost.
    let answers = join_all((0..20).map(|i| {
        app.http
            .post(app.url("/auth/login"))
            .json(&json!({"email": format!("guest{i}@x.example"), "password": "wrong"}))
            .send()
    }))
    .await;
    let mut checked = 0;
    let mut busy = 0;
    for answer in answers {
        let answer = answer.expect("request");
        match answer.status() {
            StatusCode::UNAUTHORIZED => checked += 1,
            StatusCode::SERVICE_UNAVAILABLE => {
                assert_eq!(answer.headers()["retry-after"], "1");
                let body: serde_json::Value = answer.json().await.unwrap();
                assert_eq!(body["code"], "busy");
                busy += 1;
            }
            other => panic!("unexpected {other}"),
        }
    }
    assert!(checked >= 1, "some are checked");
    assert!(
        busy >= 1,
        "the rest are answered busy, not queued ({checked} checked)"
    );
    // Being answered busy does not count as a failure: the pool is free again now.
    let (s, body) = app
        .call(
            Method::POST,
            "/auth/login",
            None,
            Some(json!({"email": "guest0@x.example", "password": "wrong"})),
        )
        .await;
    assert_eq!(
        (s, body["code"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("bad_credentials"))
    );
    app.finish().await;
}
on_both!(sign_ins_beyond_the_hashing_pool_are_answered_busy);

async fn counters_of_keys_nobody_tried_within_the_window_are_forgotten(db: Db) {
    let mut settings = test_settings();
    settings.login_limit.window_seconds = 1;
    let app = TestApp::spawn_with(db, settings).await;
    let base = app.server.url();
    for i in 0..5 {
        guess(&app, &base, &format!("made-up{i}@x.example")).await;
    }
    let count = "SELECT COUNT(*) AS n FROM sign_in_slowing";
    assert_eq!(
        app.count_on_database(count).await,
        6,
        "5 accounts and 1 address"
    );
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    guess(&app, &base, "made-up9@x.example").await;
    assert_eq!(
        app.count_on_database(count).await,
        2,
        "the new account and the address"
    );
    app.finish().await;
}
on_both!(counters_of_keys_nobody_tried_within_the_window_are_forgotten);

async fn parallel_sign_ins_below_the_threshold_are_never_slowed(db: Db) {
    let mut settings = test_settings();
    settings.login_limit.max_failures_per_account = 1000;
    settings.login_limit.max_failures_per_address = 1000;
    settings.login_limit.max_concurrent_hashes = Some(1000);
    let app = TestApp::spawn_with(db, settings).await;
    let person = app
        .person("busy@help.example", Role::Agent, None, Some(1))
        .await;
    let right = json!({"email": person.email, "password": "password1"});
    let answers =
        join_all((0..40).map(|_| app.call(Method::POST, "/auth/login", None, Some(right.clone()))))
            .await;
    assert!(
        answers.iter().all(|(s, _)| *s == StatusCode::OK),
        "a claim that waited its turn is not 'too soon': {answers:?}"
    );
    app.finish().await;
}
on_both!(parallel_sign_ins_below_the_threshold_are_never_slowed);
