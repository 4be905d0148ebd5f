//! The server's per-user write quota from the engine's side: a push answered 429
//! `rate_limited` is sent again after a wait within the same round, so a sync still
//! delivers everything once, and nothing is lost or applied twice.

use std::sync::Arc;

use tadhkira_client::{NewTicketInput, RecordingNotifier};
use tadhkira_server::config::{Argon2Params, Config, WriteQuotaSettings};
use tadhkira_tests::server::{open_device, PASSWORD};

fn input(title: String) -> NewTicketInput {
    serde_json::from_value(serde_json::json!({ "title": title, "description": "quota" })).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_push_over_the_write_quota_waits_and_delivers_everything_once() {
    let server_dir = tempfile::tempdir().unwrap();
    let mut config = Config::new(server_dir.path());
    config.settings.argon2 = Argon2Params {
        memory_kib: 64,
        iterations: 1,
        parallelism: 1,
    };
    // Five at once, then ten a second.
    config.settings.write_quota = WriteQuotaSettings {
        mutations_per_minute: 600,
        burst: 5,
    };
    let settings = config.settings.clone();
    let server = tadhkira_server::spawn(config).await.unwrap();
    tadhkira_server::demo::load(&server.store, &settings)
        .await
        .unwrap();

    let dir = tempfile::tempdir().unwrap();
    let e = open_device(dir.path(), Arc::new(RecordingNotifier::default())).await;
    e.sign_in(&server.url(), "customer@nile.example", PASSWORD)
        .await
        .unwrap();
    e.sync_now().await.unwrap();
    let mut accepted = 0;
    for round in 0..2 {
        for i in 0..30 {
            e.create_ticket(input(format!("Quota ticket {round}-{i}")))
                .await
                .unwrap();
        }
        // The first batch finds a full bucket; the second finds it 25 in debt and must
        // wait about three seconds for the server to take it.
        let report = e.sync_now().await.expect("the sync waits out the quota");
        assert_eq!(report.rejected, 0, "{report:?}");
        accepted += report.accepted;
    }
    assert_eq!(accepted, 60);
    assert!(e.outbox().await.unwrap().is_empty());

    // A second device of the same person sees each ticket once.
    let dir2 = tempfile::tempdir().unwrap();
    let other = open_device(dir2.path(), Arc::new(RecordingNotifier::default())).await;
    other
        .sign_in(&server.url(), "customer@nile.example", PASSWORD)
        .await
        .unwrap();
    other.sync_now().await.unwrap();
    let query = tadhkira_client::ListQuery {
        search: Some("Quota ticket".into()),
        limit: 500,
        ..Default::default()
    };
    let page = other.list_tickets(&query).await.unwrap();
    assert_eq!(page.total, 60, "each queued ticket once");
    e.close().await;
    other.close().await;
    server.stop().await.unwrap();
}
