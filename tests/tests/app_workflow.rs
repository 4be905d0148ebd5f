//! A whole customer workflow in the real app under Xvfb against a real server: sign in,
//! lose the server, file a ticket (queued), get the server back (it syncs and shows its
//! number), an agent replies, and a native notification with the ticket's title reaches
//! the test's notification service while the reply appears in the timeline.
//!
//! The agent is a real engine in this process, signed in to the same server.
//! With `TADHKIRA_SCREENSHOTS=DIR`, screenshots of each screen are saved there.

use std::time::Duration;

use tadhkira_client::{Engine, EngineConfig, ListQuery};
use tadhkira_proto::Visibility;
use tadhkira_tests::app::{launch_app, App};
use tadhkira_tests::server::spawn_server;

async fn click(app: &App, css: &str) {
    app.wait_for(css).await.click().await.expect("click");
}

async fn type_into(app: &App, css: &str, text: &str) {
    let el = app.wait_for(css).await;
    el.clear().await.expect("clear");
    el.send_keys(text).await.expect("type");
}

/// The text of the first element matching `css` now, or "" when there is none.
async fn inner_text(app: &App, css: &str) -> String {
    app.driver
        .execute(
            "const e = document.querySelector(arguments[0]); return e ? e.innerText : '';",
            vec![serde_json::Value::from(css)],
        )
        .await
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// Waits until `f` holds, polling, or panics with `what`.
async fn eventually<F, Fut>(what: &str, secs: u64, mut f: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = std::time::Instant::now() + Duration::from_secs(secs);
    while !f().await {
        assert!(std::time::Instant::now() < deadline, "timed out: {what}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_customer_files_offline_the_ticket_syncs_and_an_agent_reply_notifies() {
    let mut server = spawn_server();
    server.demo();
    let app = launch_app(&server.url()).await;

    // Sign in as the customer of the paid organisation.
    app.wait_for(r#"[data-testid="server-status"][data-state="ok"]"#)
        .await;
    type_into(&app, r#"[data-testid="email"]"#, "customer@nile.example").await;
    type_into(&app, r#"[data-testid="password"]"#, "demo1234").await;
    click(&app, r#"[data-testid="sign-in"]"#).await;
    app.wait_for(r#"[data-testid="ticket-row"]"#).await;
    app.screenshot_if_asked("list-en-light");

    // The server goes away; filing still works and is queued.
    server.stop();
    click(&app, r#"[data-testid="nav-new"]"#).await;
    let title = "VPN drops every hour in the Giza office";
    type_into(&app, r#"[data-testid="new-title"]"#, title).await;
    type_into(
        &app,
        r#"[data-testid="new-description"]"#,
        "Since Monday the VPN disconnects every hour on the hour.",
    )
    .await;
    click(&app, r#"[data-testid="attach-sysinfo"]"#).await;
    app.wait_for(r#"[data-testid="sysinfo-preview"]"#).await;
    app.screenshot_if_asked("new-ticket-en-light");
    click(&app, r#"[data-testid="file-ticket"]"#).await;
    let number = app.text_of(r#"[data-testid="ticket-number"]"#).await;
    assert!(
        number.contains("Queued"),
        "a ticket filed offline shows queued: {number}"
    );
    app.screenshot_if_asked("detail-queued-en-light");

    // The server is back: the app syncs by itself and shows the server's number.
    server.start();
    eventually("the ticket gets its server number", 60, || async {
        inner_text(&app, r#"[data-testid="ticket-number"]"#)
            .await
            .starts_with('#')
    })
    .await;

    // An agent (a real engine in this process) replies.
    let agent_dir = tempfile::tempdir().expect("temp dir");
    let agent = Engine::open(agent_dir.path(), EngineConfig::default())
        .await
        .expect("agent engine");
    agent
        .sign_in(&server.url(), "l1@tadhkira.example", "demo1234")
        .await
        .expect("agent signs in");
    agent.sync_now().await.expect("agent syncs");
    let query = ListQuery {
        search: Some("VPN drops every hour".into()),
        ..ListQuery::default()
    };
    let page = agent.list_tickets(&query).await.expect("agent lists");
    let ticket = page.rows.first().expect("the agent sees the new ticket");
    let reply = "Please update the VPN client to 5.2 and tell us if it still drops.";
    agent
        .add_message(ticket.id, reply, Visibility::Public)
        .await
        .expect("agent replies");
    agent.sync_now().await.expect("agent pushes");

    // The customer's app pulls it: a native notification and the reply in the timeline.
    eventually("a notification about the reply", 60, || async {
        app.notifications()
            .iter()
            .any(|n| n.summary.contains(title))
    })
    .await;
    let shown = app.notifications();
    assert_eq!(shown.len(), 1, "one reply, one notification: {shown:?}");
    assert_eq!(shown[0].app, "Tadhkira");
    eventually("the reply in the timeline", 30, || async {
        inner_text(&app, r#"[data-testid="timeline"]"#)
            .await
            .contains(reply)
    })
    .await;
    app.screenshot_if_asked("detail-en-light");

    // The same screens in Arabic, dark.
    if std::env::var_os("TADHKIRA_SCREENSHOTS").is_some() {
        app.driver
            .execute(
                "const s = document.querySelector('[data-testid=\"language\"]'); s.value = 'ar'; s.dispatchEvent(new Event('change', { bubbles: true }));
                 const t = document.querySelector('[data-testid=\"theme\"]'); t.value = 'dark'; t.dispatchEvent(new Event('change', { bubbles: true }));",
                vec![],
            )
            .await
            .expect("switch to Arabic, dark");
        tokio::time::sleep(Duration::from_millis(500)).await;
        app.screenshot_if_asked("detail-ar-dark");
        for screen in ["tickets", "new", "outbox", "settings"] {
            click(&app, &format!(r#"[data-testid="nav-{screen}"]"#)).await;
            tokio::time::sleep(Duration::from_millis(700)).await;
            app.screenshot_if_asked(&format!("{screen}-ar-dark"));
        }
    }

    agent.close().await;
    app.close().await;
}
