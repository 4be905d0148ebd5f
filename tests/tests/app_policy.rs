//! Response targets and business hours in the real app under Xvfb against a real
//! server (issue 16): the demo admin opens the screen (version 1, the configuration's
//! targets on a wall clock), sets business hours — Sunday to Thursday, 08:00–16:00 in
//! Riyadh, a holiday — and a shorter urgent target, and saves; the app says only new
//! tickets follow it and how many open tickets (the demo's and one filed just before)
//! keep their due times. A customer's
//! device then reads the new version through the engine (what the support-policy screen
//! shows), a ticket filed before keeps its due times, and the audit log shows the change.
//! Last the server goes away: the screen says administration needs the server, in
//! English and Arabic.
//!
//! With `TADHKIRA_SCREENSHOTS=DIR`, the screen is saved in English light (after saving)
//! and in Arabic dark.

use tadhkira_client::NewTicketInput;
use tadhkira_tests::app::{eventually, launch_app, App};
use tadhkira_tests::server::spawn_server;

const ADMIN: &str = "admin@tadhkira.example";
const DEMO_PASSWORD: &str = "demo1234";

/// Whether a checkbox is ticked.
async fn checked(app: &App, css: &str) -> bool {
    app.driver
        .execute(
            "return document.querySelector(arguments[0]).checked;",
            vec![serde_json::Value::from(css)],
        )
        .await
        .ok()
        .and_then(|v| v.as_bool())
        .unwrap_or(false)
}

async fn set_checked(app: &App, css: &str, on: bool) {
    if checked(app, css).await != on {
        app.click(css).await;
    }
    eventually(&format!("{css} ticked {on}"), 10, || async {
        checked(app, css).await == on
    })
    .await;
}

/// Scrolls the screen back to its title (saving leaves it at the button).
async fn scroll_to_top(app: &App) {
    app.driver
        .execute(
            "document.querySelector('#policy-title').scrollIntoView({ block: 'start' });",
            vec![],
        )
        .await
        .expect("scroll");
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_sets_business_hours_in_the_app_and_only_new_tickets_follow_them() {
    let mut server = spawn_server();
    server.demo();
    let sara = server.device("customer@nile.example").await;
    let before = sara
        .engine
        .create_ticket(
            serde_json::from_value::<NewTicketInput>(serde_json::json!({
                "title": "VPN drops every hour",
                "description": "The tunnel drops at the hour and reconnects after a minute.",
                "priority": "urgent",
            }))
            .expect("input"),
        )
        .await
        .expect("queued");
    sara.engine.sync_now().await.expect("sync");
    let old = sara
        .engine
        .ticket(&before.to_string())
        .await
        .expect("the ticket");
    let old_due = old.ticket.resolution_due_at.expect("a due time");
    assert_eq!(
        old_due - old.ticket.created_at,
        chrono::Duration::minutes(480),
        "version 1: 8 hours on the wall clock"
    );

    let app = launch_app(&server.url()).await;
    app.sign_in(ADMIN, DEMO_PASSWORD).await;
    app.click(r#"[data-testid="nav-targets"]"#).await;
    app.until_text(
        "version 1 shown",
        r#"[data-testid="policy-version"]"#,
        "Version 1",
    )
    .await;
    assert_eq!(
        app.inner_text(r#"[data-testid="policy-wall"]"#).await,
        "The clocks run around the clock, every day."
    );

    app.set_input(r#"[data-testid="target-urgent-first"]"#, "0.5")
        .await;
    app.set_input(r#"[data-testid="target-urgent-resolution"]"#, "6")
        .await;
    set_checked(&app, r#"[data-testid="business-on"]"#, true).await;
    app.set_input(r#"[data-testid="policy-tz"]"#, "Asia/Riyadh")
        .await;
    app.set_input(r#"[data-testid="policy-opens"]"#, "08:00")
        .await;
    app.set_input(r#"[data-testid="policy-closes"]"#, "16:00")
        .await;
    for (day, on) in [("sunday", true), ("friday", false), ("saturday", false)] {
        set_checked(&app, &format!(r#"[data-testid="day-{day}"]"#), on).await;
    }
    app.set_input(r#"[data-testid="holiday-date"]"#, "2026-12-18")
        .await;
    app.click(r#"[data-testid="holiday-add"]"#).await;
    app.until_text(
        "the holiday listed",
        r#"[data-testid="holiday-list"]"#,
        "December 18, 2026",
    )
    .await;
    app.click(r#"[data-testid="policy-save"]"#).await;
    app.until_text(
        "the change saved",
        r#"[data-testid="admin-status"]"#,
        "Saved as version 2. New tickets follow it;",
    )
    .await;
    // The demo's open tickets and the one filed above keep their due times, and the
    // screen counts them all.
    let status = app.inner_text(r#"[data-testid="admin-status"]"#).await;
    let older: u32 = status
        .split("follow it; ")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("a count in {status:?}"));
    assert!(older > 1, "{status}");
    assert!(
        status.ends_with("open tickets keep their earlier due times."),
        "{status}"
    );
    app.until_text(
        "the older tickets counted",
        r#"[data-testid="policy-older"]"#,
        &format!("{older} open tickets follow an earlier version; their due times do not move."),
    )
    .await;
    assert_eq!(app.inner_text(r#"[data-testid="admin-error"]"#).await, "");
    scroll_to_top(&app).await;
    app.screenshot_if_asked("admin-policy-en-light");

    // The customer's device holds the version in effect once it pulled (what their
    // support-policy screen shows, offline too), with the hours as the admin set them.
    sara.engine.sync_now().await.expect("sync");
    let policy = sara
        .engine
        .support_policy()
        .await
        .expect("the customer's support policy")
        .targets
        .expect("the pulled response policy");
    assert_eq!(policy.version, 2);
    assert_eq!(policy.targets.urgent.first_response_minutes, 30);
    assert_eq!(policy.targets.urgent.resolution_minutes, 360);
    let hours = policy.business_hours.expect("business hours");
    assert_eq!(hours.time_zone, "Asia/Riyadh");
    assert_eq!(
        (hours.opens.as_str(), hours.closes.as_str()),
        ("08:00", "16:00")
    );
    assert_eq!(hours.days.len(), 5, "{:?}", hours.days);
    assert_eq!(hours.holidays.len(), 1);

    // The ticket filed before did not move.
    sara.engine.sync_now().await.expect("sync");
    let old = sara
        .engine
        .ticket(&before.to_string())
        .await
        .expect("the ticket");
    assert_eq!(old.ticket.resolution_due_at, Some(old_due));

    // The audit log shows the change, by the admin.
    app.click(r#"[data-testid="nav-audit"]"#).await;
    app.wait_for(r#"[data-testid="audit-filters"]"#).await;
    app.type_into(r#"[data-testid="audit-action"]"#, "policy.change")
        .await;
    app.click(r#"[data-testid="audit-apply"]"#).await;
    app.until_text(
        "the policy change in the audit log",
        r#"[data-testid="audit-list"]"#,
        "Asia/Riyadh",
    )
    .await;
    let list = app.inner_text(r#"[data-testid="audit-list"]"#).await;
    assert!(list.contains("policy.change"), "{list}");

    // Arabic, dark.
    app.look("ar", "dark").await;
    app.click(r#"[data-testid="nav-targets"]"#).await;
    app.until_text(
        "the screen in Arabic",
        r#"[data-testid="policy-version"]"#,
        "الإصدار",
    )
    .await;
    app.until_text("Arabic day names", r#"[data-testid="policy-days"]"#, "الأحد")
        .await;
    // Times read left to right in Arabic too (08:00, never 00:08).
    let opens = app
        .driver
        .execute(
            "const e = document.querySelector('[data-testid=policy-opens]'); return [e.value, getComputedStyle(e).direction];",
            vec![],
        )
        .await
        .expect("the opening time");
    assert_eq!(opens, serde_json::json!(["08:00", "ltr"]));
    scroll_to_top(&app).await;
    app.screenshot_if_asked("admin-policy-ar-dark");

    // Offline: the screen says administration needs the server.
    server.stop();
    app.click(r#"[data-testid="nav-audit"]"#).await;
    app.click(r#"[data-testid="nav-targets"]"#).await;
    app.until_text(
        "the offline notice in Arabic",
        r#"[data-testid="admin-error"]"#,
        "تحتاج الإدارة إلى الاتصال بالخادم",
    )
    .await;
    app.close().await;
}
