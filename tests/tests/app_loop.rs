//! Closing the loop in the real app under Xvfb against a real server process: the
//! customer marks their ticket solved and reopens it in the app; the agent's app (a
//! second real app, its own display and bus) gets exactly one native notification, for
//! the reopen (the customer's own solve tells staff nothing). Then staff solve it and the
//! customer's page asks "Was this resolved?"; Yes closes the ticket.
//!
//! With `TADHKIRA_SCREENSHOTS=DIR`, the confirm banner is saved as
//! `ticket-confirm-en-light.png` and `ticket-confirm-ar-dark.png` there.

use std::time::Duration;

use tadhkira_client::NewTicketInput;
use tadhkira_proto::{FieldValue, Status};
use tadhkira_tests::app::{eventually, launch_app};
use tadhkira_tests::server::{spawn_server, PASSWORD};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_customer_solves_and_reopens_in_the_app_and_the_agent_hears_once() {
    let server = spawn_server();
    server.create_org("Nile Trading", "2099-12-31");
    server.customer_of("Nile Trading", "amal@nile.example");
    server.agent(1, "omar@help.example");

    // The customer's ticket, filed from another device of theirs.
    let title = "Label printer prints blank labels";
    let filed = server.device("amal@nile.example").await;
    let input: NewTicketInput = serde_json::from_value(serde_json::json!({
        "title": title,
        "description": "Since this morning every label comes out blank.",
    }))
    .expect("ticket input");
    let id = filed.engine.create_ticket(input).await.expect("files");
    filed.engine.sync_now().await.expect("pushes");

    // The agent's app, signed in (its first sync raises nothing).
    let agent_app = launch_app(&server.url()).await;
    agent_app.sign_in("omar@help.example", PASSWORD).await;

    // The customer's app: open the ticket, mark it solved, then reopen it.
    let app = launch_app(&server.url()).await;
    app.sign_in("amal@nile.example", PASSWORD).await;
    app.click(r#"[data-testid="ticket-row"]"#).await;
    assert_eq!(app.text_of(r#"[data-testid="ticket-title"]"#).await, title);
    app.click(r#"[data-testid="mark-solved"]"#).await;
    app.wait_for(r#"[data-testid="reopen"]"#).await;
    eventually("the solve reaches the server", 60, || async {
        let seen = filed.engine.sync_now().await.is_ok()
            && filed
                .engine
                .ticket(&id.to_string())
                .await
                .is_ok_and(|v| v.ticket.status == Status::Solved);
        seen && app
            .inner_text(r#"[data-testid="sync-indicator"]"#)
            .await
            .contains("All changes sent")
    })
    .await;
    app.click(r#"[data-testid="reopen"]"#).await;
    app.wait_for(r#"[data-testid="mark-solved"]"#).await;

    // The agent hears of the reopen, once, in their language, naming the ticket.
    eventually("the agent's app notifies the reopen", 90, || async {
        agent_app
            .notifications()
            .iter()
            .any(|n| n.summary.contains("reopened"))
    })
    .await;
    // Another sync round or two must not repeat it.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let shown = agent_app.notifications();
    assert_eq!(shown.len(), 1, "exactly one notification: {shown:?}");
    assert!(shown[0].summary.contains(title), "{shown:?}");
    assert_eq!(shown[0].app, "Tadhkira");
    assert!(
        app.notifications().is_empty(),
        "the customer's own actions notify them of nothing: {:?}",
        app.notifications()
    );

    // Staff solve it: the customer's page asks whether it was resolved.
    let agent = server.device("omar@help.example").await;
    agent
        .engine
        .update_ticket(id, vec![FieldValue::Status(Status::Solved)])
        .await
        .expect("solves");
    agent.engine.sync_now().await.expect("pushes");
    app.wait_for(r#"[data-testid="confirm-banner"]"#).await;
    eventually("the customer is notified of the solve", 60, || async {
        app.notifications()
            .iter()
            .any(|n| n.summary.contains("solved"))
    })
    .await;
    app.screenshot_if_asked("ticket-confirm-en-light");
    if std::env::var_os("TADHKIRA_SCREENSHOTS").is_some() {
        app.look("ar", "dark").await;
        tokio::time::sleep(Duration::from_millis(700)).await;
        app.screenshot_if_asked("ticket-confirm-ar-dark");
        app.look("en", "light").await;
    }

    // Yes: closed on the server, and the page says so.
    app.click(r#"[data-testid="confirm-yes"]"#).await;
    app.wait_for(r#"[data-testid="loop-closed"]"#).await;
    eventually("the close reaches the server", 60, || async {
        agent.engine.sync_now().await.is_ok()
            && agent
                .engine
                .ticket(&id.to_string())
                .await
                .is_ok_and(|v| v.ticket.status == Status::Closed)
    })
    .await;

    agent.engine.close().await;
    filed.engine.close().await;
    app.close().await;
    agent_app.close().await;
}
