//! Staff file a ticket on behalf of a customer in the real app under Xvfb against a real
//! server: an L1 agent signs in, the server goes away, the agent picks
//! customer@nile.example from the customer directory (kept while online), logs a phone
//! call with the caller's contact prefilled, and files it; when the server is back the
//! ticket reaches it with that requester and channel, and the agent's outbox is empty.
//!
//! With `TADHKIRA_SCREENSHOTS=DIR`, the staff new-ticket form is saved there in English
//! (light) and Arabic (dark).

use std::time::Duration;

use tadhkira_client::ListQuery;
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
    app.click(r#"[data-testid="file-ticket"]"#).await;
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

    // The same form in Arabic, dark, for a customer of the lapsed organisation.
    if std::env::var_os("TADHKIRA_SCREENSHOTS").is_some() {
        app.select(r#"[data-testid="language"]"#, "ar").await;
        app.select(r#"[data-testid="theme"]"#, "dark").await;
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
}
