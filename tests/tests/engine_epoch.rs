//! A restored server database (new epoch) makes the client resync from the start
//! instead of silently missing changes below its old cursor; and the same sync suites
//! hold on PostgreSQL.

use std::path::Path;
use std::process::Command;

use tadhkira_client::{ListQuery, NewTicketInput};
use tadhkira_proto::Visibility;
use tadhkira_tests::server::{spawn_server, spawn_server_pg};

fn input(title: &str) -> NewTicketInput {
    serde_json::from_value(serde_json::json!({ "title": title, "description": "epoch" })).unwrap()
}

/// Restores the server's SQLite files from `backup` and gives the database a new epoch,
/// as a restore procedure does (python3's sqlite3 writes the `meta` row).
fn restore_with_new_epoch(data: &Path, backup: &Path) {
    for f in ["tadhkira.db", "tadhkira.db-wal", "tadhkira.db-shm"] {
        let _ = std::fs::remove_file(data.join(f));
        if backup.join(f).exists() {
            std::fs::copy(backup.join(f), data.join(f)).unwrap();
        }
    }
    let script = format!(
        "import sqlite3; c = sqlite3.connect('{}'); \
         c.execute(\"UPDATE meta SET value = '{}' WHERE key = 'epoch'\"); c.commit()",
        data.join("tadhkira.db").display(),
        uuid::Uuid::new_v4()
    );
    let ok = Command::new("python3")
        .args(["-c", &script])
        .status()
        .unwrap();
    assert!(ok.success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restored_server_with_a_new_epoch_makes_the_client_resync_from_zero() {
    let mut server = spawn_server();
    server.demo();
    let customer = server.device("customer@nile.example").await;
    let c = &customer.engine;
    let ticket = c.list_tickets(&ListQuery::default()).await.unwrap().rows[0].id;

    // Back up the server, then move the client's cursor well past the backup.
    server.stop();
    let backup = tempfile::tempdir().unwrap();
    for f in ["tadhkira.db", "tadhkira.db-wal", "tadhkira.db-shm"] {
        if server.data_dir().join(f).exists() {
            std::fs::copy(server.data_dir().join(f), backup.path().join(f)).unwrap();
        }
    }
    server.start();
    for i in 0..50 {
        c.create_ticket(input(&format!("after the backup {i}")))
            .await
            .unwrap();
    }
    c.sync_now().await.unwrap();

    // Restore: the server's feed is now behind the client's cursor.
    server.stop();
    restore_with_new_epoch(server.data_dir(), backup.path());
    server.start();
    let agent = server.device("l1@tadhkira.example").await;
    agent
        .engine
        .add_message(
            ticket,
            "reply written after the restore",
            Visibility::Public,
        )
        .await
        .unwrap();
    agent.engine.sync_now().await.unwrap();

    let report = c.sync_now().await.unwrap();
    assert!(report.pulled > 0, "{report:?}");
    let d = c.ticket(&ticket.to_string()).await.unwrap();
    assert!(
        d.messages
            .iter()
            .any(|m| m.body == "reply written after the restore"),
        "the change below the old cursor was missed"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_postgresql_offline_changes_and_a_restart_lose_and_duplicate_nothing() {
    let mut server = spawn_server_pg();
    server.demo();
    let customer = server.device("customer@nile.example").await;
    let agent = server.device("l2@tadhkira.example").await;
    let c = &customer.engine;
    let tag = format!("pg{}", uuid::Uuid::new_v4().simple());
    server.stop();
    for i in 0..100 {
        let id = c.create_ticket(input(&format!("{tag} {i}"))).await.unwrap();
        for _ in 0..3 {
            c.add_message(id, "offline reply", Visibility::Public)
                .await
                .unwrap();
        }
    }
    server.start();
    let sync = {
        let c = c.clone();
        tokio::spawn(async move { c.sync_now().await })
    };
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    server.kill();
    let _ = sync.await.unwrap();
    server.start();
    let report = c.sync_now().await.unwrap();
    eprintln!("after the kill the final round pushed {}", report.pushed);
    assert!(c.outbox().await.unwrap().is_empty());
    agent.engine.sync_now().await.unwrap();
    let q = ListQuery {
        search: Some(tag.clone()),
        limit: 500,
        ..Default::default()
    };
    let page = agent.engine.list_tickets(&q).await.unwrap();
    assert_eq!(page.total, 100);
    let mut messages = 0;
    for r in &page.rows {
        assert!(r.number.is_some());
        messages += agent
            .engine
            .ticket(&r.id.to_string())
            .await
            .unwrap()
            .messages
            .len();
    }
    assert_eq!(messages, 300);
}
