//! Administration in the real app under Xvfb against a real server: the demo admin signs
//! in and sees the admin screens (an agent does not); renews the lapsed organisation
//! (Dunes Trading) on the Organisations screen, after which its customer's ticket, refused
//! while lapsed, is accepted when sent again; creates an agent with a one-time password and disables a
//! customer on the Users screen, whose signed-in device is refused at once; and finds
//! each of these in the Audit log, filtered by action.
//!
//! The new agent then signs in in the same app: the one-time password is accepted only
//! together with a new one, and the agent's own change is audited under the agent's name.
//! The disabled customer cannot sign in. Last the server goes away: an admin action says
//! that administration needs the server (nothing is queued), in English and in Arabic.
//!
//! With `TADHKIRA_SCREENSHOTS=DIR`, the Organisations screen (English, light) and the
//! offline Audit log (Arabic, dark) are saved there.

use std::time::Duration;

use tadhkira_client::{NewTicketInput, OutboxState};
use tadhkira_proto::ErrorCode;
use tadhkira_tests::app::{eventually, launch_app, App};
use tadhkira_tests::server::spawn_server;

/// The demo admin and every demo user's password.
const ADMIN: &str = "admin@tadhkira.example";
const DEMO_PASSWORD: &str = "demo1234";

/// Whether an element matching `css` is on the page now.
async fn present(app: &App, css: &str) -> bool {
    app.driver
        .execute(
            "return document.querySelector(arguments[0]) !== null;",
            vec![serde_json::Value::from(css)],
        )
        .await
        .ok()
        .and_then(|v| v.as_bool())
        .unwrap_or(false)
}

/// Signs out and waits for the sign-in screen.
async fn sign_out(app: &App) {
    app.click(r#"[data-testid="sign-out"]"#).await;
    app.wait_for(r#"[data-testid="email"]"#).await;
}

/// Opens the Users screen and the user whose name or e-mail contains `who`.
async fn open_user(app: &App, who: &str) {
    app.click(r#"[data-testid="nav-users"]"#).await;
    app.wait_for(r#"[data-testid="user-row"]"#).await;
    app.type_into(r#"[data-testid="user-filter"]"#, who).await;
    app.until_text(
        "the user found by the filter",
        r#"[data-testid="user-list"]"#,
        who,
    )
    .await;
    app.click(r#"[data-testid="user-open"]"#).await;
    app.wait_for(r#"[data-testid="user-detail"]"#).await;
}

/// Applies an action filter on the Audit log screen and returns the list's text once
/// it holds that action's rows and `wanted` (the filter applies when submitted).
async fn audit_for(app: &App, action: &str, wanted: &str) -> String {
    app.click(r#"[data-testid="nav-audit"]"#).await;
    app.wait_for(r#"[data-testid="audit-filters"]"#).await;
    app.type_into(r#"[data-testid="audit-action"]"#, action)
        .await;
    app.click(r#"[data-testid="audit-apply"]"#).await;
    eventually(
        &format!("{wanted:?} in the audit rows for {action}"),
        60,
        || async {
            let list = app.inner_text(r#"[data-testid="audit-list"]"#).await;
            list.contains(action) && list.contains(wanted)
        },
    )
    .await;
    let list = app.inner_text(r#"[data-testid="audit-list"]"#).await;
    // Only that action's rows: the filter applied on the server.
    for row in list.lines().skip(1).filter(|l| l.contains('.')) {
        if row.contains("user.") || row.contains("subscription.") || row.contains("organisation.") {
            assert!(row.contains(action), "a row of another action: {row}");
        }
    }
    list
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_renews_creates_disables_and_audits_in_the_app() {
    let mut server = spawn_server();
    server.demo();
    // Two customers' own devices, signed in before anything changes: one of the lapsed
    // organisation, one who will be disabled.
    let dunes = server.device("customer@dunes.example").await;
    let sara = server.device("customer@nile.example").await;

    // The lapsed organisation's customer files: the server refuses it, and the engine
    // holds it with the reason.
    let filed = dunes
        .engine
        .create_ticket(
            serde_json::from_value::<NewTicketInput>(serde_json::json!({
                "title": "Customs portal rejects every declaration",
                "description": "Since this morning every declaration is rejected.",
            }))
            .expect("input"),
        )
        .await
        .expect("queued");
    let report = dunes.engine.sync_now().await.expect("the customer's sync");
    assert_eq!(report.rejected, 1, "refused while lapsed: {report:?}");
    let held = dunes
        .engine
        .outbox()
        .await
        .expect("the outbox")
        .into_iter()
        .next()
        .expect("the held creation");
    assert_eq!(held.state, OutboxState::Rejected);
    assert_eq!(
        held.error.as_ref().map(|e| e.code),
        Some(ErrorCode::SubscriptionInactive)
    );

    let app = launch_app(&server.url()).await;
    app.sign_in(ADMIN, DEMO_PASSWORD).await;
    for screen in ["organisations", "users", "audit"] {
        app.wait_for(&format!(r#"[data-testid="nav-{screen}"]"#))
            .await;
    }

    // Organisations: Dunes Trading has lapsed; the admin renews it for a year.
    app.click(r#"[data-testid="nav-organisations"]"#).await;
    app.until_text(
        "the organisations listed",
        r#"[data-testid="org-list"]"#,
        "Dunes Trading",
    )
    .await;
    let list = app.inner_text(r#"[data-testid="org-list"]"#).await;
    let dunes_row = list
        .lines()
        .find(|l| l.contains("Dunes Trading"))
        .unwrap_or_default()
        .to_owned();
    assert!(
        dunes_row.contains("Lapsed on"),
        "lapsed before: {dunes_row}"
    );
    app.click(r#"[aria-label="Open Dunes Trading"]"#).await;
    app.until_text(
        "the organisation opened",
        r#"[data-testid="org-detail"]"#,
        "Subscription history",
    )
    .await;
    app.select(r#"[data-testid="agreement-action"]"#, "renew")
        .await;
    let ends = (chrono::Utc::now() + chrono::Duration::days(365))
        .format("%Y-%m-%d")
        .to_string();
    app.set_input(r#"[data-testid="agreement-end"]"#, &ends)
        .await;
    let note = "Invoice INV-2026-117, paid by transfer";
    app.type_into(r#"[data-testid="agreement-note"]"#, note)
        .await;
    app.click(r#"[data-testid="agreement-submit"]"#).await;
    app.until_text(
        "the renewal confirmed",
        r#"[data-testid="admin-status"]"#,
        "Subscription renewed.",
    )
    .await;
    app.until_text(
        "the renewal in the history with its note",
        r#"[data-testid="agreement-history"]"#,
        note,
    )
    .await;
    let history = app.inner_text(r#"[data-testid="agreement-history"]"#).await;
    assert!(
        history.contains("Renew") && history.contains("Admin"),
        "{history}"
    );
    assert_eq!(
        app.inner_text(r#"[data-testid="admin-error"]"#).await,
        "",
        "no error"
    );
    let list = app.inner_text(r#"[data-testid="org-list"]"#).await;
    let dunes_row = list
        .lines()
        .find(|l| l.contains("Dunes Trading"))
        .unwrap_or_default()
        .to_owned();
    assert!(dunes_row.contains("Active until"), "renewed: {dunes_row}");
    app.screenshot_if_asked("admin-organisations-en-light");
    // The same screen in Arabic and dark: the renewal's history reads right to left.
    app.look("ar", "dark").await;
    app.until_text(
        "the organisation screen in Arabic",
        r#"[data-testid="agreement-history"]"#,
        note,
    )
    .await;
    app.screenshot_if_asked("admin-organisations-ar-dark");
    app.look("en", "light").await;

    // The server took it: the held ticket, sent again, is accepted and numbered.
    dunes
        .engine
        .resend(held.id, None)
        .await
        .expect("sent again");
    let report = dunes.engine.sync_now().await.expect("the customer's sync");
    assert_eq!((report.accepted, report.rejected), (1, 0), "{report:?}");
    let number = dunes
        .engine
        .ticket(&filed.to_string())
        .await
        .expect("the ticket")
        .ticket
        .number;
    assert!(number > 0, "accepted after the renewal: number {number}");

    // Users: a new tier-2 agent with a one-time password.
    app.click(r#"[data-testid="nav-users"]"#).await;
    app.wait_for(r#"[data-testid="user-row"]"#).await;
    app.type_into(r#"[data-testid="user-new-email"]"#, "mona@tadhkira.example")
        .await;
    app.type_into(r#"[data-testid="user-new-name"]"#, "Mona Fathy")
        .await;
    app.select(r#"[data-testid="user-new-role"]"#, "agent")
        .await;
    app.wait_for(r#"[data-testid="user-new-tier"]"#).await;
    app.select(r#"[data-testid="user-new-tier"]"#, "2").await;
    app.type_into(r#"[data-testid="user-new-password"]"#, "first-use-only")
        .await;
    app.click(r#"[data-testid="user-create-submit"]"#).await;
    app.until_text(
        "the user created",
        r#"[data-testid="admin-status"]"#,
        "User created.",
    )
    .await;
    app.type_into(r#"[data-testid="user-filter"]"#, "mona@")
        .await;
    app.until_text(
        "the new agent listed, to change the password",
        r#"[data-testid="user-list"]"#,
        "Must change password",
    )
    .await;
    let row = app.inner_text(r#"[data-testid="user-list"]"#).await;
    assert!(
        row.contains("Mona Fathy") && row.contains("Agent, tier 2"),
        "{row}"
    );

    // Disabling Sara: her device is refused at once; the list says since when.
    open_user(&app, "customer@nile").await;
    assert!(
        app.inner_text(r#"[data-testid="user-detail"]"#)
            .await
            .contains("Sara Adel"),
        "Sara opened"
    );
    app.click(r#"[data-testid="user-disable"]"#).await;
    app.until_text(
        "the user disabled",
        r#"[data-testid="admin-status"]"#,
        "User disabled",
    )
    .await;
    app.until_text(
        "disabled in the list",
        r#"[data-testid="user-list"]"#,
        "Disabled since",
    )
    .await;
    let refused = sara
        .engine
        .sync_now()
        .await
        .expect_err("a disabled user's device is refused");
    assert_eq!(
        refused.server_code(),
        Some(ErrorCode::Unauthorized),
        "{refused}"
    );

    // The audit log has each, by the admin, with before and after.
    let renewals = audit_for(&app, "subscription.renew", "INV-2026-117").await;
    assert!(renewals.contains("Admin"), "by the admin: {renewals}");
    assert_eq!(
        app.inner_text(r#"[data-testid="audit-count"]"#).await,
        "Entries: 1",
        "one renewal"
    );
    audit_for(&app, "user.create", "mona@tadhkira.example").await;
    let disabling = audit_for(&app, "user.disable", "disabled_at").await;
    assert!(disabling.contains("Admin"), "by the admin: {disabling}");
    assert_eq!(
        app.inner_text(r#"[data-testid="audit-count"]"#).await,
        "Entries: 1",
        "one user disabled"
    );

    // The new agent signs in here: the one-time password alone is not enough.
    sign_out(&app).await;
    app.wait_for(r#"[data-testid="server-status"][data-state="ok"]"#)
        .await;
    app.type_into(r#"[data-testid="email"]"#, "mona@tadhkira.example")
        .await;
    app.type_into(r#"[data-testid="password"]"#, "first-use-only")
        .await;
    app.click(r#"[data-testid="sign-in"]"#).await;
    app.wait_for(r#"[data-testid="signin-error"][data-code="password_change_required"]"#)
        .await;
    app.type_into(r#"[data-testid="new-password"]"#, "monas-own-choice")
        .await;
    app.click(r#"[data-testid="sign-in"]"#).await;
    app.until_text(
        "the new agent signed in",
        r#"[data-testid="signed-in-as"]"#,
        "Mona Fathy",
    )
    .await;
    app.wait_for(r#"[data-testid="nav-tickets"]"#).await;
    assert!(
        !present(&app, r#"[data-testid="nav-organisations"]"#).await,
        "an agent has no admin screens"
    );
    sign_out(&app).await;

    // The disabled customer cannot sign in.
    app.wait_for(r#"[data-testid="server-status"][data-state="ok"]"#)
        .await;
    app.type_into(r#"[data-testid="email"]"#, "customer@nile.example")
        .await;
    app.type_into(r#"[data-testid="password"]"#, DEMO_PASSWORD)
        .await;
    app.click(r#"[data-testid="sign-in"]"#).await;
    app.wait_for(r#"[data-testid="signin-error"]"#).await;
    assert!(
        !present(&app, r#"[data-testid="signed-in-as"]"#).await,
        "a disabled user stays signed out"
    );

    // Back as the admin: the agent's own password change is audited under her name.
    app.sign_in(ADMIN, DEMO_PASSWORD).await;
    audit_for(&app, "user.password_change", "Mona Fathy").await;

    // Offline: an admin action says it needs the server, in both languages.
    server.stop();
    app.click(r#"[data-testid="audit-apply"]"#).await;
    app.until_text(
        "the offline message",
        r#"[data-testid="admin-error"]"#,
        "Administration needs the connection to the server",
    )
    .await;
    app.look("ar", "dark").await;
    app.until_text(
        "the offline message in Arabic",
        r#"[data-testid="admin-error"]"#,
        "تحتاج الإدارة إلى الاتصال بالخادم",
    )
    .await;
    app.until_text(
        "the audit log's title in Arabic",
        "#audit-title",
        "سجل التدقيق",
    )
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    app.screenshot_if_asked("admin-audit-offline-ar-dark");

    dunes.engine.close().await;
    sara.engine.close().await;
    app.close().await;
}
