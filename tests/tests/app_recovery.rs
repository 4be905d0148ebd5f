//! The real app on a damaged local database (issue 21): a customer files a ticket
//! offline and quits; the disk damages a page of the local database; at the next start
//! the app says so in plain words above every screen (what was kept, how many unsent
//! changes were saved), the ticket is still listed and queued, and once the server is
//! back it reaches the server exactly once.

use tadhkira_client::ListQuery;
use tadhkira_tests::app::{eventually, launch_app};
use tadhkira_tests::damage::{local_db, scribble_root_page_of};
use tadhkira_tests::server::spawn_server;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_a_damaged_local_database_the_app_says_so_and_the_queued_ticket_still_arrives_once() {
    let mut server = spawn_server();
    server.demo();
    let mut app = launch_app(&server.url()).await;
    app.sign_in("customer@nile.example", "demo1234").await;
    assert_eq!(
        app.inner_text(r#"[data-testid="store-recovery"]"#).await,
        "",
        "no notice on a sound database"
    );

    // Filed offline: queued only.
    server.stop();
    app.click(r#"[data-testid="nav-new"]"#).await;
    let title = "Label printer feeds two labels at once";
    app.type_into(r#"[data-testid="new-title"]"#, title).await;
    app.type_into(
        r#"[data-testid="new-description"]"#,
        "Every print job wastes a label since the roll was changed.",
    )
    .await;
    app.file_ticket().await;
    let number = app.text_of(r#"[data-testid="ticket-number"]"#).await;
    assert!(number.contains("Queued"), "{number}");

    // The app quits; the disk damages the page of the tickets it already had.
    app.quit().await;
    let db = local_db(&app.data_dir().join("engine"));
    scribble_root_page_of(&db, "tickets").await;
    app.start_again().await;

    let notice = app.text_of(r#"[data-testid="store-recovery"]"#).await;
    assert!(
        notice.contains("Your local data could not be read and has been rebuilt"),
        "{notice}"
    );
    assert_eq!(
        app.inner_text(r#"[data-testid="recovery-salvaged"]"#).await,
        "1 unsent change was saved and will be sent."
    );
    // The ticket is still the user's to see, offline, queued.
    app.wait_for(r#"[data-testid="ticket-row"]"#).await;
    app.screenshot_if_asked("store-recovery-en-light");
    let list = app.inner_text(r#"[data-testid="ticket-list"]"#).await;
    assert!(
        list.contains(title),
        "the salvaged ticket is listed: {list}"
    );
    let kept = app.inner_text(r#"[data-testid="recovery-copy"]"#).await;
    assert!(kept.contains("local.db.damaged-"), "{kept}");
    assert!(std::path::Path::new(kept.trim()).exists(), "{kept}");
    app.look("ar", "dark").await;
    let notice = app.text_of(r#"[data-testid="store-recovery"]"#).await;
    assert!(notice.contains("أُعيد بناؤها"), "{notice}");
    app.screenshot_if_asked("store-recovery-ar-dark");
    app.look("en", "light").await;

    // Read and dismissed: it does not come back.
    app.click(r#"[data-testid="recovery-dismiss"]"#).await;
    eventually("the notice goes", 10, || async {
        app.inner_text(r#"[data-testid="store-recovery"]"#)
            .await
            .is_empty()
    })
    .await;

    // The server is back: the salvaged ticket arrives, once.
    server.start();
    let agent = server.device("l1@tadhkira.example").await;
    let query = ListQuery {
        search: Some("Label printer feeds two labels".into()),
        ..ListQuery::default()
    };
    eventually("the salvaged ticket reaches the server", 60, || async {
        agent.engine.sync_now().await.expect("the agent's sync");
        !agent
            .engine
            .list_tickets(&query)
            .await
            .expect("list")
            .rows
            .is_empty()
    })
    .await;
    agent.engine.sync_now().await.expect("sync");
    let rows = agent.engine.list_tickets(&query).await.expect("list").rows;
    assert_eq!(rows.len(), 1, "exactly once: {rows:?}");
    app.relaunch().await;
    app.wait_for(r#"[data-testid="ticket-row"]"#).await;
    assert_eq!(
        app.inner_text(r#"[data-testid="store-recovery"]"#).await,
        "",
        "dismissed for good"
    );
    app.close().await;
}
