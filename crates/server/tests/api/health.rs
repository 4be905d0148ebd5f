//! `GET /api/v1/health` reports what it checks — the database answers, its migrations
//! are this server's, which database (epoch) it is — and answers 503 with the same body
//! when a check fails.

use reqwest::{Method, StatusCode};
use serde_json::Value;
use tadhkira_proto::{Health, HealthStatus, API_VERSION};

use crate::helpers::{Db, TestApp};
use crate::on_both;

/// The answer's status and body, the body parsed as the wire type clients use.
async fn health(app: &TestApp) -> (StatusCode, Value, Health) {
    let (status, body) = app.call(Method::GET, "/health", None, None).await;
    let parsed = serde_json::from_value(body.clone()).unwrap_or_else(|e| panic!("{e}: {body}"));
    (status, body, parsed)
}

async fn a_healthy_server_reports_each_check_and_its_epoch(db: Db) {
    let app = TestApp::spawn(db).await;
    let (status, body, h) = health(&app).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["status"], "ok");
    assert_eq!(h.status, HealthStatus::Ok);
    assert!(h.database_reachable && h.migrations_current, "{body}");
    assert_eq!(h.epoch, app.server.store.epoch());
    assert_eq!(h.api_version, API_VERSION);
    assert_eq!(h.version, env!("CARGO_PKG_VERSION"));
    app.finish().await;
}
on_both!(a_healthy_server_reports_each_check_and_its_epoch);

async fn a_database_migrated_past_this_server_is_reported_with_503(db: Db) {
    let app = TestApp::spawn(db).await;
    // A newer server on the same database applied a migration this one does not know.
    app.execute_on_database(
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
         SELECT 20991231000000, 'from a newer server', success, checksum, execution_time \
         FROM _sqlx_migrations WHERE version = 1",
    )
    .await;
    let (status, body, h) = health(&app).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert_eq!(body["status"], "unavailable");
    assert!(h.database_reachable, "the database still answers: {body}");
    assert!(!h.migrations_current, "{body}");
    assert_eq!(h.epoch, app.server.store.epoch());

    // Checked on every call, not once at start-up.
    app.execute_on_database("DELETE FROM _sqlx_migrations WHERE version = 20991231000000")
        .await;
    let (status, body, h) = health(&app).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(h.migrations_current, "{body}");
    app.finish().await;
}
on_both!(a_database_migrated_past_this_server_is_reported_with_503);

async fn a_database_without_this_servers_migrations_is_reported_with_503(db: Db) {
    let app = TestApp::spawn(db).await;
    // The database lost the record of a migration this server needs (restored from a
    // partial dump, say).
    app.execute_on_database("DELETE FROM _sqlx_migrations WHERE version = 1")
        .await;
    let (status, body, h) = health(&app).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert!(h.database_reachable && !h.migrations_current, "{body}");
    app.finish().await;
}
on_both!(a_database_without_this_servers_migrations_is_reported_with_503);

async fn a_server_without_its_database_answers_503_with_the_same_shape(db: Db) {
    let app = TestApp::spawn(db).await;
    let (_, healthy, _) = health(&app).await;
    // The server's connections to its database are gone.
    app.server.store.close().await;
    let (status, body, h) = health(&app).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert_eq!(h.status, HealthStatus::Unavailable);
    assert!(!h.database_reachable && !h.migrations_current, "{body}");
    assert_eq!(
        h.epoch,
        app.server.store.epoch(),
        "the epoch is still known"
    );
    let keys = |v: &Value| {
        let mut k: Vec<String> = v.as_object().expect("object").keys().cloned().collect();
        k.sort();
        k
    };
    assert_eq!(
        keys(&body),
        keys(&healthy),
        "same body shape as a healthy answer"
    );
    app.finish().await;
}
on_both!(a_server_without_its_database_answers_503_with_the_same_shape);
