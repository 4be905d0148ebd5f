//! A whole customer workflow in the real app under Xvfb against a real server: sign in,
//! lose the server, file a ticket (queued), get the server back (it syncs and shows its
//! number), an agent replies, and a native notification with the ticket's title reaches
//! the test's notification service while the reply appears in the timeline.
//!
//! The agent is a real engine in this process, signed in to the same server.
//!
//! The second test is the agent's half: an agent signs in to the app, opens a customer's
//! ticket, replies, adds an internal note and escalates; the server then holds each of
//! them exactly once, and the customer's own client never receives the note.
//!
//! With `TADHKIRA_SCREENSHOTS=DIR`, screenshots of each screen are saved there.

use std::time::Duration;

use tadhkira_client::{ListQuery, NewTicketInput};
use tadhkira_proto::{EventKind, Tier, Visibility};
use tadhkira_tests::app::{eventually, launch_app};
use tadhkira_tests::server::spawn_server;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_customer_files_offline_the_ticket_syncs_and_an_agent_reply_notifies() {
    let mut server = spawn_server();
    server.demo();
    let app = launch_app(&server.url()).await;

    // Sign in as the customer of the paid organisation.
    app.wait_for(r#"[data-testid="server-status"][data-state="ok"]"#)
        .await;
    app.type_into(r#"[data-testid="email"]"#, "customer@nile.example")
        .await;
    app.type_into(r#"[data-testid="password"]"#, "demo1234")
        .await;
    app.click(r#"[data-testid="sign-in"]"#).await;
    app.wait_for(r#"[data-testid="ticket-row"]"#).await;
    app.screenshot_if_asked("list-en-light");

    // The server goes away; filing still works and is queued.
    server.stop();
    app.click(r#"[data-testid="nav-new"]"#).await;
    let title = "VPN drops every hour in the Giza office";
    app.type_into(r#"[data-testid="new-title"]"#, title).await;
    app.type_into(
        r#"[data-testid="new-description"]"#,
        "Since Monday the VPN disconnects every hour on the hour.",
    )
    .await;
    app.click(r#"[data-testid="attach-sysinfo"]"#).await;
    app.wait_for(r#"[data-testid="sysinfo-preview"]"#).await;
    app.screenshot_if_asked("new-ticket-en-light");
    app.file_ticket().await;
    let number = app.text_of(r#"[data-testid="ticket-number"]"#).await;
    assert!(
        number.contains("Queued"),
        "a ticket filed offline shows queued: {number}"
    );
    app.screenshot_if_asked("detail-queued-en-light");

    // The server is back: the app syncs by itself and shows the server's number.
    server.start();
    eventually("the ticket gets its server number", 60, || async {
        app.inner_text(r#"[data-testid="ticket-number"]"#)
            .await
            .starts_with('#')
    })
    .await;

    // An agent (a real engine in this process) replies.
    let agent_device = server.device("l1@tadhkira.example").await;
    let agent = &agent_device.engine;
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
        app.inner_text(r#"[data-testid="timeline"]"#)
            .await
            .contains(reply)
    })
    .await;
    app.screenshot_if_asked("detail-customer-en-light");

    // The same screens in Arabic, dark.
    if std::env::var_os("TADHKIRA_SCREENSHOTS").is_some() {
        app.look("ar", "dark").await;
        tokio::time::sleep(Duration::from_millis(500)).await;
        app.screenshot_if_asked("detail-customer-ar-dark");
        // (New ticket, outbox, settings and shortcuts in Arabic come from the other tests.)
        app.click(r#"[data-testid="nav-tickets"]"#).await;
        tokio::time::sleep(Duration::from_millis(700)).await;
        app.screenshot_if_asked("list-ar-dark");
    }

    agent.close().await;
    app.close().await;
}

/// The demo's tier-2 agent.
const L2_NAME: &str = "ليلى إبراهيم";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_agent_replies_notes_and_escalates_in_the_app_and_the_customer_never_sees_the_note() {
    let server = spawn_server();
    server.demo();

    // The customer files a ticket from their own client.
    let customer_device = server.device("customer@nile.example").await;
    let customer = &customer_device.engine;
    let title = "Label printer prints blank labels in the Alexandria warehouse";
    let input: NewTicketInput = serde_json::from_value(serde_json::json!({
        "title": title,
        "description": "Since this morning every label comes out blank.",
        "priority": "high",
    }))
    .expect("ticket input");
    let ticket_id = customer.create_ticket(input).await.expect("customer files");
    customer.sync_now().await.expect("customer pushes");

    // An agent signs in to the app and opens it.
    let app = launch_app(&server.url()).await;
    app.wait_for(r#"[data-testid="server-status"][data-state="ok"]"#)
        .await;
    app.screenshot_if_asked("signin-en-light");
    app.type_into(r#"[data-testid="email"]"#, "l1@tadhkira.example")
        .await;
    app.type_into(r#"[data-testid="password"]"#, "demo1234")
        .await;
    app.click(r#"[data-testid="sign-in"]"#).await;
    app.wait_for(r#"[data-testid="ticket-row"]"#).await;
    app.screenshot_if_asked("list-staff-en-light");
    app.type_into(r#"[data-testid="search"]"#, "blank labels")
        .await;
    eventually("the search finds the customer's ticket", 30, || async {
        app.inner_text(r#"[data-testid="ticket-count"]"#).await == "1 ticket"
    })
    .await;
    app.click(r#"[data-testid="ticket-row"]"#).await;
    assert_eq!(
        app.text_of(r#"[data-testid="ticket-title"]"#).await,
        title,
        "the agent opened the customer's ticket"
    );

    // A public reply, an internal note, an escalation.
    let reply = "We are sending a technician with new label rolls this afternoon.";
    let note = "Probably the thermal head: the same model failed in Giza last month.";
    let reason = "Needs an on-site hardware repair";
    app.type_into(r#"[data-testid="reply-body"]"#, reply).await;
    app.click(r#"[data-testid="send-reply"]"#).await;
    eventually("the reply in the timeline", 20, || async {
        app.inner_text(r#"[data-testid="timeline"]"#)
            .await
            .contains(reply)
    })
    .await;
    app.click(r#"[data-testid="internal-note"]"#).await;
    app.type_into(r#"[data-testid="reply-body"]"#, note).await;
    app.click(r#"[data-testid="send-reply"]"#).await;
    eventually("the note in the timeline", 20, || async {
        app.inner_text(r#".message.internal"#).await.contains(note)
    })
    .await;
    app.type_into(r#"[data-testid="escalate-reason"]"#, reason)
        .await;
    app.click(r#"[data-testid="escalate"]"#).await;
    eventually("every change reaches the server", 60, || async {
        app.inner_text(r#"[data-testid="sync-indicator"]"#)
            .await
            .contains("All changes sent")
            && app
                .inner_text(r#"[data-testid="timeline"]"#)
                .await
                .contains(reason)
    })
    .await;
    // Hand it to the tier-2 agent by name, from the staff directory.
    app.driver
        .execute(
            "const s = document.querySelector('[data-testid=\"set-assignee\"]');
             const o = [...s.options].find((o) => o.text === arguments[0]);
             if (!o) return false;
             s.value = o.value; s.dispatchEvent(new Event('change', { bubbles: true }));
             return true;",
            vec![serde_json::Value::from(L2_NAME)],
        )
        .await
        .expect("pick the assignee");
    eventually("the new assignee reaches the server", 60, || async {
        app.inner_text(r#"[data-testid="sync-indicator"]"#)
            .await
            .contains("All changes sent")
            && app
                .inner_text(r#"[data-testid="set-assignee"] option:checked"#)
                .await
                == L2_NAME
    })
    .await;
    app.screenshot_if_asked("detail-staff-en-light");

    // Through the server, as another agent: each change arrived exactly once.
    let other_device = server.device("l2@tadhkira.example").await;
    let other = &other_device.engine;
    let seen = other
        .ticket(&ticket_id.to_string())
        .await
        .expect("the tier-2 agent sees the escalated ticket");
    assert_eq!(seen.ticket.tier, Some(Tier::L2), "escalated to tier 2");
    let l2 = other.account().expect("signed in").user.id;
    assert_eq!(
        seen.ticket.assignee_id,
        Some(l2),
        "assigned to the tier-2 agent"
    );
    let bodies = |vis: Visibility| {
        seen.messages
            .iter()
            .filter(|m| m.visibility == vis)
            .map(|m| m.body.as_str())
            .collect::<Vec<_>>()
    };
    assert_eq!(bodies(Visibility::Public), [reply], "one public reply");
    assert_eq!(bodies(Visibility::Internal), [note], "one internal note");
    let escalations: Vec<_> = seen
        .events
        .iter()
        .filter(|e| matches!(&e.kind, EventKind::Escalated { .. }))
        .collect();
    assert_eq!(escalations.len(), 1, "one escalation: {escalations:?}");

    // The customer's client gets the reply, never the note, nor the tier (internal).
    customer.sync_now().await.expect("customer pulls");
    let mine = customer
        .ticket(&ticket_id.to_string())
        .await
        .expect("customer's ticket");
    let bodies: Vec<_> = mine.messages.iter().map(|m| m.body.as_str()).collect();
    assert_eq!(bodies, [reply], "the customer sees the reply only");
    assert_eq!(mine.ticket.tier, None, "customers are not told the tier");
    let found = customer
        .list_tickets(&ListQuery {
            search: Some("thermal head".into()),
            ..ListQuery::default()
        })
        .await
        .expect("customer searches");
    assert_eq!(
        found.total, 0,
        "the note's words are nowhere in the customer's store"
    );

    if std::env::var_os("TADHKIRA_SCREENSHOTS").is_some() {
        for screen in ["settings", "shortcuts"] {
            app.click(&format!(r#"[data-testid="nav-{screen}"]"#)).await;
            tokio::time::sleep(Duration::from_millis(500)).await;
            app.screenshot_if_asked(&format!("{screen}-en-light"));
        }
        app.look("ar", "dark").await;
        for screen in ["settings", "shortcuts"] {
            app.click(&format!(r#"[data-testid="nav-{screen}"]"#)).await;
            tokio::time::sleep(Duration::from_millis(500)).await;
            app.screenshot_if_asked(&format!("{screen}-ar-dark"));
        }
        app.click(r#"[data-testid="nav-tickets"]"#).await;
        app.type_into(r#"[data-testid="search"]"#, "").await;
        tokio::time::sleep(Duration::from_millis(800)).await;
        app.screenshot_if_asked("list-staff-ar-dark");
        app.click(r#"[data-testid="ticket-row"]"#).await;
        tokio::time::sleep(Duration::from_millis(800)).await;
        app.screenshot_if_asked("detail-staff-ar-dark");
    }

    other.close().await;
    customer.close().await;
    app.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rejected_ticket_is_edited_in_the_outbox_and_the_edited_version_reaches_the_server() {
    let server = spawn_server();
    server.demo();
    let app = launch_app(&server.url()).await;

    // A customer of the lapsed organisation files a ticket: the server rejects it.
    app.wait_for(r#"[data-testid="server-status"][data-state="ok"]"#)
        .await;
    if std::env::var_os("TADHKIRA_SCREENSHOTS").is_some() {
        app.look("ar", "dark").await;
        tokio::time::sleep(Duration::from_millis(500)).await;
        app.screenshot_if_asked("signin-ar-dark");
        app.look("en", "light").await;
    }
    app.type_into(r#"[data-testid="email"]"#, "customer@dunes.example")
        .await;
    app.type_into(r#"[data-testid="password"]"#, "demo1234")
        .await;
    app.click(r#"[data-testid="sign-in"]"#).await;
    app.wait_for(r#"[data-testid="ticket-list"], [data-testid="list-empty"]"#)
        .await;
    app.click(r#"[data-testid="nav-new"]"#).await;
    app.type_into(r#"[data-testid="new-title"]"#, "Scanner jams")
        .await;
    app.type_into(
        r#"[data-testid="new-description"]"#,
        "Every second page jams.",
    )
    .await;
    app.file_ticket().await;
    // Filing ends on the new ticket's page: wait for it, or that navigation would
    // leave the outbox again.
    app.wait_for(r#"[data-testid="ticket-number"]"#).await;
    app.click(r#"[data-testid="nav-outbox"]"#).await;
    // The UI speaks the profile's language (Arabic for this customer) unless the
    // settings chose one (English, when the screenshots above were taken).
    eventually("the ticket is rejected", 60, || async {
        let item = app
            .inner_text(r#"[data-testid="outbox-item"][data-state="rejected"]"#)
            .await;
        item.contains("subscription has lapsed") || item.contains("انتهى اشتراك مؤسستك")
    })
    .await;
    app.screenshot_if_asked("outbox-rejected-en-light");

    // The subscription is renewed; the customer edits the ticket and sends it again.
    server.set_subscription("Dunes Trading", "2099-12-31");
    app.click(r#"[data-testid="edit"]"#).await;
    let edited = "Scanner jams on every second page since the firmware update";
    app.type_into(r#"[data-testid="edit-title"]"#, edited).await;
    app.select(r#"[data-testid="edit-priority"]"#, "high").await;
    app.screenshot_if_asked("outbox-edit-en-light");
    app.click(r#"[data-testid="send-edited"]"#).await;
    eventually("the outbox empties", 60, || async {
        !app.inner_text(r#"[data-testid="outbox-empty"]"#)
            .await
            .is_empty()
    })
    .await;

    // The server holds the edited ticket, once.
    let agent_device = server.device("l1@tadhkira.example").await;
    let agent = &agent_device.engine;
    let found = agent
        .list_tickets(&ListQuery {
            search: Some("Scanner jams".into()),
            ..ListQuery::default()
        })
        .await
        .expect("agent lists");
    let titles: Vec<_> = found.rows.iter().map(|r| r.title.as_str()).collect();
    assert_eq!(
        titles,
        [edited],
        "exactly the edited ticket reached the server"
    );
    assert_eq!(found.rows[0].priority, tadhkira_proto::Priority::High);

    if std::env::var_os("TADHKIRA_SCREENSHOTS").is_some() {
        // One more rejected change for the Arabic screenshot: lapse again, file again.
        server.set_subscription("Dunes Trading", "2001-01-01");
        app.look("ar", "dark").await;
        app.click(r#"[data-testid="nav-new"]"#).await;
        app.type_into(r#"[data-testid="new-title"]"#, "الماسح الضوئي لا يعمل")
            .await;
        app.type_into(
            r#"[data-testid="new-description"]"#,
            "يتوقف الماسح بعد كل صفحة.",
        )
        .await;
        app.screenshot_if_asked("new-ticket-ar-dark");
        app.file_ticket().await;
        app.wait_for(r#"[data-testid="ticket-number"]"#).await;
        app.click(r#"[data-testid="nav-outbox"]"#).await;
        eventually("the second ticket is rejected", 60, || async {
            !app.inner_text(r#"[data-testid="outbox-item"][data-state="rejected"]"#)
                .await
                .is_empty()
        })
        .await;
        app.screenshot_if_asked("outbox-rejected-ar-dark");
        app.click(r#"[data-testid="edit"]"#).await;
        app.screenshot_if_asked("outbox-edit-ar-dark");
    }

    agent.close().await;
    app.close().await;
}
