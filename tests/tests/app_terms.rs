//! The support terms in the real app under Xvfb against a real server (issue 16): a
//! customer of a new organisation reads the Support policy (the demo's version 1, its
//! exclusions, the subscription's end), must accept the terms in the new-ticket form
//! before the organisation's first ticket, and then sees the acceptance on the policy
//! screen. The server goes away and the policy screen still shows everything, in
//! Arabic too. An agent then resolves the ticket as outside the support terms and the
//! customer reads which exclusion, in Arabic.
//!
//! With `TADHKIRA_SCREENSHOTS=DIR`, the Support policy (English, light; Arabic, dark,
//! offline) and the new-ticket form's acceptance (English, light) are saved there.

use tadhkira_tests::app::{eventually, launch_app};
use tadhkira_tests::server::{spawn_server, PASSWORD};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_customer_reads_the_policy_offline_accepts_the_terms_once_and_reads_why_out_of_scope() {
    let mut server = spawn_server();
    server.demo();
    server.create_org("Delta Freight", "2030-06-30");
    server.customer_of("Delta Freight", "customer@delta.example");
    let agent = server.device("l1@tadhkira.example").await;

    let app = launch_app(&server.url()).await;
    // Signed in as App::sign_in does, without waiting for a ticket row: Delta has none yet.
    app.wait_for(r#"[data-testid="server-status"][data-state="ok"]"#)
        .await;
    app.type_into(r#"[data-testid="email"]"#, "customer@delta.example")
        .await;
    app.type_into(r#"[data-testid="password"]"#, PASSWORD).await;
    app.click(r#"[data-testid="sign-in"]"#).await;
    app.wait_for(r#"[data-testid="nav-policy"]"#).await;

    app.click(r#"[data-testid="nav-policy"]"#).await;
    app.until_text(
        "the terms, pulled",
        r#"[data-testid="policy"]"#,
        "Version 1",
    )
    .await;
    let policy = app.inner_text(r#"[data-testid="policy"]"#).await;
    assert!(
        policy.contains("Delta Freight's subscription runs until June 30, 2030"),
        "{policy}"
    );
    assert!(policy.contains("What support covers"), "{policy}");
    assert!(
        policy.contains("Personal devices not listed in the subscription"),
        "{policy}"
    );
    assert!(policy.contains("Sunday to Thursday"), "{policy}");
    assert!(policy.contains("not accepted this version yet"), "{policy}");
    app.screenshot_if_asked("support-policy-en-light");

    // The first ticket: refused in the form until the terms are accepted.
    app.click(r#"[data-testid="nav-new"]"#).await;
    app.wait_for(r#"[data-testid="terms-acceptance"]"#).await;
    app.type_into(r#"[data-testid="new-title"]"#, "Home laptop does not start")
        .await;
    app.type_into(
        r#"[data-testid="new-description"]"#,
        "My own laptop at home stays black.",
    )
    .await;
    app.file_ticket().await;
    app.wait_for(r#"[data-testid="terms-required"]"#).await;
    app.screenshot_if_asked("new-ticket-terms-en-light");
    app.click(r#"[data-testid="accept-terms"]"#).await;
    app.file_ticket().await;
    app.wait_for(r#"[data-testid="ticket-title"]"#).await;
    eventually("the ticket accepted by the server", 60, || async {
        !app.inner_text(r#"[data-testid="ticket-number"]"#)
            .await
            .contains("not on the server")
    })
    .await;
    app.click(r#"[data-testid="nav-policy"]"#).await;
    app.until_text(
        "the acceptance, pulled",
        r#"[data-testid="policy-accepted"]"#,
        "Accepted by customer@delta.example",
    )
    .await;
    // The next ticket asks nothing.
    app.click(r#"[data-testid="nav-new"]"#).await;
    app.wait_for(r#"[data-testid="first-line-checks"]"#).await;
    eventually("no acceptance asked again", 10, || async {
        !app.inner_text("main")
            .await
            .contains("Support terms, version 1")
    })
    .await;

    // Staff resolve it as outside the terms (their own device, through the outbox).
    agent.engine.sync_now().await.expect("agent sync");
    let ticket = agent
        .engine
        .list_tickets(&Default::default())
        .await
        .expect("list")
        .rows
        .into_iter()
        .find(|r| r.title == "Home laptop does not start")
        .expect("the customer's ticket");
    agent
        .engine
        .resolve_out_of_scope(ticket.id, "personal_devices")
        .await
        .expect("queued");
    agent.engine.sync_now().await.expect("pushed");

    app.look("ar", "dark").await;
    app.click(r#"[data-testid="nav-tickets"]"#).await;
    eventually("the solved ticket, pulled", 60, || async {
        app.inner_text("main")
            .await
            .contains("Home laptop does not start")
    })
    .await;
    app.click(r#"[data-testid="ticket-row"]"#).await;
    app.until_text(
        "the reason in Arabic",
        r#"[data-testid="timeline"]"#,
        "أُغلقت بوصفها خارج شروط الدعم: الأجهزة الشخصية غير المدرجة في الاشتراك",
    )
    .await;

    // The server goes away: the policy is read from the local store.
    server.stop();
    app.click(r#"[data-testid="nav-policy"]"#).await;
    app.until_text(
        "the Arabic policy offline",
        r#"[data-testid="policy"]"#,
        "ما يشمله الدعم",
    )
    .await;
    let policy = app.inner_text(r#"[data-testid="policy"]"#).await;
    assert!(policy.contains("يشمل الدعم البرامج والأجهزة"), "{policy}");
    assert!(
        policy.contains("الأجهزة الشخصية غير المدرجة في الاشتراك"),
        "{policy}"
    );
    // The response targets in effect, from the store as well.
    let targets = app
        .inner_text(r#"[data-testid="policy-targets-table"]"#)
        .await;
    assert!(
        targets.contains("أول ردّ خلال") && targets.contains("عاجلة"),
        "{targets}"
    );
    app.screenshot_if_asked("support-policy-ar-dark");
    app.close().await;
}
