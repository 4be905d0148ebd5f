//! Staff file a ticket on behalf of a customer in the real app under Xvfb against a real
//! server: an L1 agent signs in, the server goes away, the agent picks
//! customer@nile.example from the customer directory (kept while online), logs a phone
//! call with the caller's contact prefilled, and files it; when the server is back the
//! ticket reaches it with that requester and channel, and the agent's outbox is empty.
//!
//! Then, online, a lapsed organisation: the form will not file without an override
//! reason, files with one, and the reason shows on the ticket's timeline. The agent
//! finds a customer's ticket by its number and sees everything the customer gave
//! (contact, checks done and not done, system information). Last the customer's own app
//! starts fresh: its first sync shows the agent-filed ticket and raises no notification.
//!
//! With `TADHKIRA_SCREENSHOTS=DIR`, the staff new-ticket form and the ticket page are
//! saved there in English (light) and Arabic (dark).

use std::time::Duration;

use tadhkira_client::{ListQuery, NewTicketInput};
use tadhkira_proto::Channel;
use tadhkira_tests::app::{eventually, launch_app};
use tadhkira_tests::server::spawn_server;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_agent_files_a_phone_ticket_for_a_customer_offline_and_it_reaches_the_server() {
    let mut server = spawn_server();
    server.demo();
    let app = launch_app(&server.url()).await;
    app.sign_in("l1@tadhkira.example", "demo1234").await;

    // The customer directory is there once the app has been online (the list fetches
    // it); the form shows it.
    app.click(r#"[data-testid="nav-new"]"#).await;
    app.click(r#"[data-testid="for-whom"]"#).await;
    app.wait_for(r#"[data-testid="customer-option"]"#).await;
    app.click(r#"[data-testid="nav-tickets"]"#).await;
    app.wait_for(r#"[data-testid="ticket-row"]"#).await;

    // The server goes away; the phone rings.
    server.stop();
    app.click(r#"[data-testid="nav-new"]"#).await;
    app.type_into(r#"[data-testid="for-whom"]"#, "customer@nile")
        .await;
    app.click(r#"[data-testid="customer-option"]"#).await;
    let chosen = app.text_of(r#"[data-testid="chosen-customer"]"#).await;
    assert!(
        chosen.contains("Nile Logistics") && chosen.contains("Subscription paid"),
        "the organisation and its paid subscription: {chosen}"
    );
    assert_eq!(
        app.inner_text(r#"[data-testid="lapsed-warning"]"#).await,
        "",
        "no warning for a paid organisation"
    );
    let email = app
        .wait_for(r#"[data-testid="contact-email"]"#)
        .await
        .prop("value")
        .await
        .expect("contact e-mail")
        .unwrap_or_default();
    assert_eq!(
        email, "customer@nile.example",
        "the caller's contact, prefilled"
    );
    app.select(r#"[data-testid="new-channel"]"#, "phone").await;
    let title = "Warehouse scanner will not pair (logged call)";
    app.type_into(
        r#"[data-testid="new-description"]"#,
        "Sara called: the handheld scanner in the Giza warehouse no longer pairs.",
    )
    .await;
    // The title last (and the phone after the screenshot), so the form is at its top.
    app.type_into(r#"[data-testid="new-title"]"#, title).await;
    app.screenshot_if_asked("new-ticket-staff-en-light");
    // The prefilled contact stays editable: the caller gives another number.
    app.type_into(r#"[data-testid="contact-phone"]"#, "+20 100 555 0101")
        .await;
    app.file_ticket().await;
    let number = app.text_of(r#"[data-testid="ticket-number"]"#).await;
    assert!(number.contains("Queued"), "filed offline, queued: {number}");

    // The server is back: the app pushes it by itself and shows the server's number.
    server.start();
    eventually("the ticket gets its server number", 60, || async {
        app.inner_text(r#"[data-testid="ticket-number"]"#)
            .await
            .starts_with('#')
    })
    .await;

    // The server holds it for the customer, by phone: the customer's own client sees it.
    let customer_device = server.device("customer@nile.example").await;
    let customer = &customer_device.engine;
    let customer_id = customer.account().expect("signed in").user.id;
    let query = ListQuery {
        search: Some("scanner will not pair".into()),
        ..ListQuery::default()
    };
    let page = customer.list_tickets(&query).await.expect("customer lists");
    let row = page.rows.first().expect("the customer sees the ticket");
    let view = customer
        .ticket(&row.id.to_string())
        .await
        .expect("the ticket");
    assert_eq!(view.ticket.title, title);
    assert_eq!(view.ticket.requester_id, customer_id);
    assert_eq!(view.ticket.channel, Channel::Phone);
    assert_ne!(
        view.ticket.created_by, customer_id,
        "filed by the agent on the customer's behalf"
    );
    assert_eq!(
        view.ticket.contact.phone.as_deref(),
        Some("+20 100 555 0101")
    );

    // Nothing is left in the agent's outbox.
    app.click(r#"[data-testid="nav-outbox"]"#).await;
    app.wait_for(r#"[data-testid="outbox-empty"]"#).await;

    // A lapsed organisation, online: no reason, no filing; with one, filed, and the
    // reason is on the timeline.
    app.click(r#"[data-testid="nav-new"]"#).await;
    app.type_into(r#"[data-testid="for-whom"]"#, "customer@dunes")
        .await;
    app.click(r#"[data-testid="customer-option"]"#).await;
    app.wait_for(r#"[data-testid="lapsed-warning"]"#).await;
    let lapsed_title = "Customs portal rejects every declaration (logged call)";
    app.type_into(r#"[data-testid="new-title"]"#, lapsed_title)
        .await;
    app.type_into(
        r#"[data-testid="new-description"]"#,
        "Called in: every declaration is rejected since this morning.",
    )
    .await;
    app.file_ticket().await;
    app.wait_for(r#"[data-testid="lapsed-reason-required"]"#)
        .await;
    assert_eq!(
        app.inner_text(r#"[data-testid="ticket-number"]"#).await,
        "",
        "not filed: still on the form"
    );
    let reason = "Renewal paid by transfer, finance to confirm";
    app.type_into(r#"[data-testid="lapsed-reason"]"#, reason)
        .await;
    app.file_ticket().await;
    eventually("the lapsed ticket gets its server number", 60, || async {
        app.inner_text(r#"[data-testid="ticket-number"]"#)
            .await
            .starts_with('#')
    })
    .await;
    app.until_text(
        "the override and its reason on the timeline",
        r#"[data-testid="timeline"]"#,
        reason,
    )
    .await;
    let timeline = app.inner_text(r#"[data-testid="timeline"]"#).await;
    assert!(
        timeline.contains("Dunes Trading") && timeline.contains("not active"),
        "{timeline}"
    );

    // A customer files with checks and system information; the agent finds it by its
    // number and sees everything that was given.
    let given_id = customer
        .create_ticket(
            serde_json::from_value::<NewTicketInput>(serde_json::json!({
                "title": "Label printer prints blank labels",
                "description": "Since the driver update every label comes out blank.",
                "category": "Printing",
                "contact": {
                    "name": "Salma Hassan",
                    "email": "salma.hassan@nile.example",
                    "phone": "+20 100 555 0199",
                },
                "checks": ["restarted", "help_articles_read"],
                "system_info": "OS: windows (x86_64)\nApp: Tadhkira 0.1.0\nTauri: 2.9.2\nLocale: ar-EG\nPrinter driver: ZDesigner ZD421-203dpi ZPL 10.6.8.25742 (installed 2026-11-28)",
            }))
            .expect("input"),
        )
        .await
        .expect("filed");
    customer.sync_now().await.expect("customer sync");
    let given_number = customer
        .ticket(&given_id.to_string())
        .await
        .expect("the ticket")
        .ticket
        .number;
    assert!(given_number > 0);
    app.click(r#"[data-testid="nav-tickets"]"#).await;
    app.type_into(r#"[data-testid="search"]"#, &format!("#{given_number}"))
        .await;
    app.until_text(
        "the ticket found by its number",
        r#"[data-testid="ticket-list"]"#,
        "Label printer prints blank labels",
    )
    .await;
    app.click(r#"[data-testid="ticket-row"]"#).await;
    app.wait_for(r#"[data-testid="ticket-given"]"#).await;
    let given = app.inner_text(r#"[data-testid="ticket-given"]"#).await;
    for part in [
        "Salma Hassan",
        "salma.hassan@nile.example",
        "+20 100 555 0199",
        "Printing",
        "Restarted the application or device",
        "Checked the network connection",
        "Looked in the help articles",
        "Not done",
        "ZDesigner ZD421",
    ] {
        assert!(given.contains(part), "{part:?} in {given}");
    }
    app.screenshot_if_asked("ticket-details-en-light");
    if std::env::var_os("TADHKIRA_SCREENSHOTS").is_some() {
        app.look("ar", "dark").await;
        app.until_text(
            "the ticket page in Arabic",
            r#"[data-testid="ticket-given"]"#,
            "لم يتم",
        )
        .await;
        tokio::time::sleep(Duration::from_millis(500)).await;
        app.screenshot_if_asked("ticket-details-ar-dark");
        app.look("en", "light").await;
    }

    // The same form in Arabic, dark, for a customer of the lapsed organisation.
    if std::env::var_os("TADHKIRA_SCREENSHOTS").is_some() {
        app.look("ar", "dark").await;
        app.click(r#"[data-testid="nav-new"]"#).await;
        app.type_into(r#"[data-testid="for-whom"]"#, "dunes").await;
        app.click(r#"[data-testid="customer-option"]"#).await;
        app.wait_for(r#"[data-testid="lapsed-warning"]"#).await;
        app.type_into(r#"[data-testid="new-title"]"#, "الطابعة لا تعمل")
            .await;
        tokio::time::sleep(Duration::from_millis(500)).await;
        app.screenshot_if_asked("new-ticket-staff-ar-dark");
    }

    customer.close().await;
    app.close().await;

    // The customer's own app, first start: the agent-filed ticket is there, and a first
    // sync raises no notification (everything in it is old news).
    let theirs = launch_app(&server.url()).await;
    theirs.sign_in("customer@nile.example", "demo1234").await;
    theirs
        .type_into(r#"[data-testid="search"]"#, "scanner will not pair")
        .await;
    // The first row once the search applied (the whole list may show it before).
    theirs
        .until_text(
            "the agent-filed ticket found in the customer's list",
            r#"[data-testid="ticket-row"]"#,
            title,
        )
        .await;
    theirs.click(r#"[data-testid="ticket-row"]"#).await;
    theirs
        .until_text(
            "the contact the agent took down",
            r#"[data-testid="ticket-given"]"#,
            "+20 100 555 0101",
        )
        .await;
    // Give a notification every chance to arrive before saying there is none.
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(
        theirs.notifications(),
        vec![],
        "a first sync raises no notification"
    );
    theirs.close().await;
}
