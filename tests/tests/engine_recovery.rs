//! A damaged local database at start (issue 21), against a real server: the engine
//! keeps the damaged file, rebuilds the store from the server, salvages the outbox —
//! including a change the server already applied whose answer never came back, which
//! must stay applied once — and the CLI says so in plain words, once, in the user's
//! language.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use tadhkira_client::{Engine, ListQuery, NewTicketInput};
use tadhkira_proto::Visibility;
use tadhkira_tests::damage::{local_db, scribble_root_page_of};
use tadhkira_tests::server::{open_device, spawn_server, PASSWORD};
use tadhkira_tests::workspace_bin;

fn input(title: String) -> NewTicketInput {
    serde_json::from_value(serde_json::json!({ "title": title, "description": "recovery" }))
        .unwrap()
}

fn copy_db(from: &Path, to: &Path) {
    for suffix in ["", "-wal", "-shm"] {
        let (f, t) = (
            PathBuf::from(format!("{}{suffix}", from.display())),
            PathBuf::from(format!("{}{suffix}", to.display())),
        );
        let _ = std::fs::remove_file(&t);
        if f.exists() {
            std::fs::copy(&f, &t).unwrap();
        }
    }
}

async fn tagged(e: &Engine, tag: &str) -> Vec<tadhkira_client::TicketRow> {
    e.list_tickets(&ListQuery {
        search: Some(tag.to_owned()),
        limit: 500,
        ..Default::default()
    })
    .await
    .unwrap()
    .rows
}

fn cli(dir: &Path, lang: &str, args: &[&str]) -> Output {
    Command::new(workspace_bin("tadhkira"))
        .arg("--data-dir")
        .arg(dir)
        .args(args)
        .env("TADHKIRA_LANG", lang)
        .output()
        .expect("tadhkira runs")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_damaged_local_database_is_rebuilt_from_the_server_with_its_outbox_salvaged() {
    let server = spawn_server();
    server.demo();
    let tag = format!("rec{}", uuid::Uuid::new_v4().simple());
    let dir = tempfile::tempdir().unwrap();
    let e = open_device(dir.path(), Default::default()).await;
    e.sign_in(&server.url(), "customer@nile.example", PASSWORD)
        .await
        .unwrap();
    // Three tickets reach the server; their rows are what gets damaged.
    let mut synced = Vec::new();
    for i in 0..3 {
        synced.push(
            e.create_ticket(input(format!("{tag} synced{i}")))
                .await
                .unwrap(),
        );
    }
    e.sync_now().await.unwrap();
    // A ticket that will be applied but whose answer is "lost": the database is copied
    // with it still queued, synced, and put back as it was.
    let answered = e
        .create_ticket(input(format!("{tag} answer-lost")))
        .await
        .unwrap();
    e.close().await;
    drop(e);
    let db = local_db(dir.path());
    let backup = dir.path().join("before-answer.db");
    copy_db(&db, &backup);
    let e = open_device(dir.path(), Default::default()).await;
    e.sync_now().await.unwrap();
    e.close().await;
    drop(e);
    copy_db(&backup, &db);
    // Offline work, queued only.
    let e = open_device(dir.path(), Default::default()).await;
    let mut queued = Vec::new();
    for i in 0..4 {
        queued.push(
            e.create_ticket(input(format!("{tag} queued{i}")))
                .await
                .unwrap(),
        );
    }
    for t in &synced {
        e.add_message(*t, "added offline", Visibility::Public)
            .await
            .unwrap();
    }
    assert_eq!(e.outbox().await.unwrap().len(), 1 + 4 + 3);
    e.close().await;
    drop(e);

    // The disk damages a page of the tickets the server already has.
    scribble_root_page_of(&db, "tickets").await;

    let e = open_device(dir.path(), Default::default()).await;
    let report = e
        .store_recovery()
        .await
        .unwrap()
        .expect("the damage is found and reported");
    assert_eq!(report.salvaged, 8, "{report:?}");
    assert!(report.unreadable.is_empty(), "{report:?}");
    assert!(Path::new(&report.kept_copy).exists());
    assert!(report.kept_copy.contains("local.db.damaged-"));
    let (title, body) = report.words(tadhkira_i18n::Locale::En, false);
    assert_eq!(
        title,
        "Your local data could not be read and has been rebuilt"
    );
    assert!(
        body.contains("8 unsent changes were saved and will be sent."),
        "{body}"
    );
    assert_eq!(e.integrity_check().await.unwrap(), "ok");

    // The next sync rebuilds everything from the server and sends the salvaged changes.
    let r = e.sync_now().await.unwrap();
    assert_eq!((r.pushed, r.accepted, r.rejected), (8, 8, 0), "{r:?}");
    assert!(e.outbox().await.unwrap().is_empty());
    let rows = tagged(&e, &tag).await;
    assert_eq!(rows.len(), 3 + 1 + 4);
    assert!(rows.iter().all(|r| r.number.is_some()));
    // The server holds each exactly once: the "answer lost" ticket was a duplicate.
    let agent = server.device("l1@tadhkira.example").await;
    let on_server = tagged(&agent.engine, &tag).await;
    assert_eq!(on_server.len(), 8);
    for t in &synced {
        let v = agent.engine.ticket(&t.to_string()).await.unwrap();
        assert_eq!(v.messages.len(), 1, "one offline reply on {t}");
    }
    let answered_on_server = server
        .query_texts(&format!("SELECT id FROM tickets WHERE id = '{answered}'"))
        .await;
    assert_eq!(answered_on_server.len(), 1);
    e.close().await;
    drop(e);

    // The CLI on the same folder says it once, in the user's language (the report is
    // still there: the engine above never dismissed it).
    let first = cli(dir.path(), "ar", &["list"]);
    let err = String::from_utf8_lossy(&first.stderr);
    assert!(first.status.success(), "{err}");
    assert!(
        err.contains("تعذّرت قراءة بياناتك المحلية فأُعيد بناؤها"),
        "stderr {err:?}, stdout {:?}",
        String::from_utf8_lossy(&first.stdout)
    );
    assert!(err.contains("حُفظت 8 تغييرات غير مُرسلة وستُرسل."), "{err}");
    let second = cli(dir.path(), "ar", &["list"]);
    assert!(
        !String::from_utf8_lossy(&second.stderr).contains("تعذّرت قراءة"),
        "said once"
    );
}
