//! A restored server database makes the client resync from the start instead of
//! silently missing changes below its old cursor (a new epoch from `tadhkira-server
//! restore`, or `cursor_ahead` when the files were put back by hand); and the same sync suites
//! hold on PostgreSQL.

use std::path::Path;

use tadhkira_client::{ListQuery, NewTicketInput};
use tadhkira_proto::Visibility;
use tadhkira_tests::server::{spawn_server, spawn_server_pg};

fn input(title: &str) -> NewTicketInput {
    serde_json::from_value(serde_json::json!({ "title": title, "description": "epoch" })).unwrap()
}

/// Copies a stopped server's SQLite files from one folder to another by hand (a
/// restore this way keeps the epoch, as an operator who forgot `tadhkira-server
/// restore` would).
fn copy_db_files(from: &Path, to: &Path) {
    for f in ["tadhkira.db", "tadhkira.db-wal", "tadhkira.db-shm"] {
        let _ = std::fs::remove_file(to.join(f));
        if from.join(f).exists() {
            std::fs::copy(from.join(f), to.join(f)).unwrap();
        }
    }
}

/// How the database is put back in each test.
#[derive(Clone, Copy)]
enum Restore {
    /// `tadhkira-server restore --from` a `tadhkira-server backup` file: new epoch.
    Command,
    /// Files copied back by hand, epoch unchanged: the client's cursor is ahead.
    ByHand,
}

/// The client synced well past a backup; the server is restored to it; an agent replies
/// on the restored server; the client's next sync must bring that reply.
async fn restored_server_makes_the_client_resync(how: Restore) {
    let mut server = spawn_server();
    server.demo();
    let customer = server.device("customer@nile.example").await;
    let c = &customer.engine;
    let ticket = c.list_tickets(&ListQuery::default()).await.unwrap().rows[0].id;

    let backup = tempfile::tempdir().unwrap();
    let backup_file = backup.path().join("backup.db");
    match how {
        Restore::Command => {
            // Taken while the server runs.
            let out = server.admin(&["backup", "--to", backup_file.to_str().unwrap()]);
            assert!(out.contains("backed up"), "{out}");
        }
        Restore::ByHand => {
            server.stop();
            copy_db_files(server.data_dir(), backup.path());
            server.start();
        }
    }
    for i in 0..50 {
        c.create_ticket(input(&format!("after the backup {i}")))
            .await
            .unwrap();
    }
    c.sync_now().await.unwrap();

    server.stop();
    match how {
        Restore::Command => {
            let out = server.admin(&["restore", "--from", backup_file.to_str().unwrap()]);
            assert!(out.contains("new epoch"), "{out}");
            let kept = std::fs::read_dir(server.data_dir())
                .unwrap()
                .filter(|e| {
                    e.as_ref()
                        .unwrap()
                        .file_name()
                        .to_string_lossy()
                        .starts_with("tadhkira.db.replaced-")
                })
                .count();
            assert_eq!(kept, 1, "the replaced database is kept beside it");
        }
        Restore::ByHand => copy_db_files(backup.path(), server.data_dir()),
    }
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
async fn a_server_restored_with_the_restore_command_makes_the_client_resync_from_zero() {
    restored_server_makes_the_client_resync(Restore::Command).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_put_back_by_hand_without_a_new_epoch_is_caught_by_the_cursor_check() {
    restored_server_makes_the_client_resync(Restore::ByHand).await;
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
