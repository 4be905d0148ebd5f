//! The real app killed with SIGKILL in the middle of its work (issue 21), under Xvfb
//! against a real server: nothing the user saved is lost, nothing reaches the server
//! twice, and the next start carries on by itself.
//!
//! - **Mid-push.** A customer files 1,500 tickets (and a reply on every tenth) while
//!   the server is away, through the app's own commands; the server comes back, a sync
//!   starts, and the app is killed once the server has applied some of the outbox and
//!   not all of it. Started again, the app sends the rest: the server holds each
//!   ticket and reply exactly once, and the app's outbox is empty with nothing refused.
//! - **Mid-first-sync.** The server holds 10,000 more tickets of the customer's
//!   organisation; a fresh app signs in and is killed while its first sync is loading
//!   them. Started again, it is still signed in, finishes the sync, and lists every
//!   ticket once.

use std::path::Path;

use serde_json::{json, Value};
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{ConnectOptions, Connection};
use tadhkira_tests::app::{eventually, launch_app, App};
use tadhkira_tests::damage::local_db;
use tadhkira_tests::rest::Rest;
use tadhkira_tests::server::{spawn_server, TestServer, PASSWORD};

const CUSTOMER: &str = "customer@nile.example";

/// Tickets queued offline before the kill: several push batches.
const QUEUED: usize = 1_500;

/// Tickets the server holds for the first sync.
const ON_SERVER: usize = 10_000;

/// Rows of the server's table `table` (tickets or messages) whose ticket's title holds
/// `tag`.
async fn on_server(server: &TestServer, table: &str, tag: &str) -> usize {
    let sql = match table {
        "tickets" => format!("SELECT id FROM tickets WHERE title LIKE '%{tag}%'"),
        _ => format!(
            "SELECT m.id FROM messages m JOIN tickets t ON t.id = m.ticket_id \
             WHERE t.title LIKE '%{tag}%'"
        ),
    };
    server.query_texts(&sql).await.len()
}

/// Tickets in the app's local store, read beside the running app (the store is in WAL
/// mode, so a reader never blocks it).
async fn local_tickets(db: &Path) -> Option<i64> {
    let mut c = SqliteConnectOptions::new()
        .filename(db)
        .read_only(true)
        .connect()
        .await
        .ok()?;
    let n = sqlx::query_scalar("SELECT count(*) FROM tickets")
        .fetch_one(&mut c)
        .await
        .ok();
    let _ = c.close().await;
    n
}

/// The app's sync state (its outbox counts), through its own command.
async fn sync_state(app: &App) -> Value {
    app.invoke("sync_state", json!({})).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_app_killed_in_the_middle_of_a_push_sends_every_change_once() {
    let mut server = spawn_server();
    server.demo();
    let mut app = launch_app(&server.url()).await;
    app.sign_in(CUSTOMER, PASSWORD).await;

    // Offline: everything waits in the outbox.
    server.stop();
    let tag = format!("crash{}", rand::random::<u32>());
    let mut replies = 0;
    for chunk in (0..QUEUED).collect::<Vec<_>>().chunks(100) {
        let ids = app
            .driver
            .execute_async(
                "const [from, to, tag, done] = arguments;
                 (async () => {
                   const ids = [];
                   for (let i = from; i < to; i++) {
                     ids.push(await window.__TAURI_INTERNALS__.invoke('create_ticket', { input: {
                       title: `${tag} ticket ${i}: the printer jams`, description: 'Queued offline before a crash.', priority: 'normal' } }));
                   }
                   return ids;
                 })().then(done, (err) => done({ err: String(err) }));",
                vec![
                    json!(chunk[0]),
                    json!(chunk[chunk.len() - 1] + 1),
                    json!(tag),
                ],
            )
            .await
            .expect("file tickets through the app");
        assert!(ids.get("err").is_none(), "filing refused: {ids}");
        for id in ids.as_array().expect("ids").iter().step_by(10) {
            app.invoke(
                "add_message",
                json!({ "ticket_id": id, "body": "A photo of the jam is attached.", "visibility": "public" }),
            )
            .await;
            replies += 1;
        }
    }
    let queued = sync_state(&app).await["queued"].as_u64().expect("queued");
    assert_eq!(queued as usize, QUEUED + replies, "all queued offline");

    // Back online; the push starts, and the app dies in the middle of it.
    server.start();
    app.invoke_detached("sync_now", json!({})).await;
    // Watched closely: the whole push takes a tenth of a second on a fast machine, and
    // `eventually`'s 200 ms steps saw it only once it had finished.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    while on_server(&server, "tickets", &tag).await == 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "timed out: the server applies the first push batch"
        );
        tokio::time::sleep(std::time::Duration::from_millis(2)).await;
    }
    app.kill().await;
    let at_kill = on_server(&server, "tickets", &tag).await;
    assert!(
        at_kill < QUEUED,
        "the push had finished before the kill ({at_kill} of {QUEUED}): no crash in the middle was tested"
    );
    eprintln!("app_crash: killed with {at_kill} of {QUEUED} tickets on the server");

    // Started again, the app sends the rest by itself.
    app.start_again().await;
    eventually("the rest reaches the server", 180, || async {
        on_server(&server, "tickets", &tag).await == QUEUED
            && on_server(&server, "messages", &tag).await == replies
    })
    .await;
    eventually("the app's outbox is empty", 60, || async {
        let s = sync_state(&app).await;
        s["queued"] == json!(0)
    })
    .await;
    let s = sync_state(&app).await;
    assert_eq!(s["rejected"], json!(0), "nothing refused: {s}");
    // Exactly once: a second sync sends nothing, and the counts stay.
    let report = app.invoke("sync_now", json!({})).await;
    assert_eq!(report["pushed"], json!(0), "{report}");
    assert_eq!(on_server(&server, "tickets", &tag).await, QUEUED);
    assert_eq!(on_server(&server, "messages", &tag).await, replies);
    // And the app lists each ticket once, none of them waiting.
    let page = app
        .invoke(
            "list_tickets",
            json!({ "query": { "search": tag, "limit": 5 } }),
        )
        .await;
    assert_eq!(page["total"], json!(QUEUED), "{}", page["total"]);
    app.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_app_killed_in_the_middle_of_a_first_sync_of_10_000_tickets_finishes_it_at_the_next_start(
) {
    let server = spawn_server();
    server.demo();
    let customer = Rest::sign_in(&server, CUSTOMER).await;
    tadhkira_testkit::load::push_wire(
        &server.url(),
        customer.token(),
        tadhkira_testkit::load::creations(ON_SERVER, 0),
    )
    .await
    .expect("load the server");
    // What the customer may see, as the server counts it.
    let total = customer.get("/api/v1/tickets?limit=1").await["total"]
        .as_u64()
        .expect("total") as usize;
    assert!(total >= ON_SERVER, "{total} tickets for the customer");

    let mut app = launch_app(&server.url()).await;
    app.wait_for(r#"[data-testid="server-status"][data-state="ok"]"#)
        .await;
    app.type_into(r#"[data-testid="email"]"#, CUSTOMER).await;
    app.type_into(r#"[data-testid="password"]"#, PASSWORD).await;
    app.click(r#"[data-testid="sign-in"]"#).await;
    // Killed as soon as the first sync has put tickets in the store.
    let engine_dir = app.data_dir().join("engine");
    let signed_in =
        || std::fs::read_dir(engine_dir.join("accounts")).is_ok_and(|mut a| a.next().is_some());
    eventually("the first sync is loading", 120, || async {
        signed_in() && local_tickets(&local_db(&engine_dir)).await.unwrap_or(0) > 0
    })
    .await;
    app.kill().await;
    let db = local_db(&engine_dir);
    let at_kill = local_tickets(&db)
        .await
        .expect("the store opens after the kill");
    assert!(
        (at_kill as usize) < total,
        "the first sync had finished before the kill ({at_kill} of {total})"
    );
    eprintln!("app_crash: killed with {at_kill} of {total} tickets in the local store");

    // The next start: still signed in, the sync finishes, every ticket once.
    app.start_again().await;
    app.wait_for(r#"[data-testid="ticket-row"]"#).await;
    eventually("the first sync finishes after the restart", 300, || async {
        local_tickets(&db).await == Some(total as i64)
    })
    .await;
    let page = app
        .invoke("list_tickets", json!({ "query": { "limit": 1 } }))
        .await;
    assert_eq!(
        page["total"],
        json!(total),
        "the app lists every ticket once"
    );
    let state = sync_state(&app).await;
    assert_eq!(state["signed_in"], json!(true), "{state}");
    app.close().await;
}
