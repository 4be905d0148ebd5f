//! Closing the loop: the customer's solve / reopen / confirm rules with the reopen
//! window, and the server's lifecycle jobs (auto-close, one pending reminder per wait)
//! run with a chosen clock — no sleeps — once, even when run again or by two server
//! processes at once.

use chrono::{Duration, Utc};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use tadhkira_proto::{FieldValue, Status, Visibility};
use uuid::Uuid;

use crate::helpers::{m, test_settings, Db, Person, TestApp};
use crate::on_both;

/// Files a ticket as `who` and answers its id.
async fn file(app: &TestApp, who: &Person, title: &str) -> Uuid {
    let t = Uuid::now_v7();
    let r = app
        .push(who, &[m::envelope(m::new_ticket(t, title, None))])
        .await;
    assert_eq!(r[0]["outcome"], "applied", "{r:?}");
    t
}

/// Sets the status of `t` as `who` (seen version 0: these scenarios never race) and
/// answers the push result.
async fn set_status(app: &TestApp, who: &Person, t: Uuid, s: Status) -> Value {
    let r = app
        .push(who, &[m::envelope(m::set(t, FieldValue::Status(s), 0))])
        .await;
    r[0].clone()
}

/// The ticket and its timeline as `who` reads them.
async fn detail(app: &TestApp, who: &Person, t: Uuid) -> Value {
    let (status, d) = app.get(who, &format!("/tickets/{t}")).await;
    assert_eq!(status, StatusCode::OK, "{d}");
    d
}

/// The timeline event kinds of `t` as `who` sees them, with their actors' names.
async fn events(app: &TestApp, who: &Person, t: Uuid) -> Vec<(Value, String)> {
    detail(app, who, t).await["events"]
        .as_array()
        .expect("events")
        .iter()
        .map(|e| {
            (
                e["kind"].clone(),
                e["actor_name"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

async fn a_customer_reopens_within_the_window_and_closes_by_confirming(db: Db) {
    let app = TestApp::spawn(db).await;
    let c = app.cast().await;
    let t = file(&app, &c.customer_a, "Printer offline").await;

    // A customer may not close what staff have not solved.
    let r = set_status(&app, &c.customer_a, t, Status::Closed).await;
    assert_eq!(
        (&r["outcome"], &r["code"]),
        (&json!("rejected"), &json!("forbidden"))
    );

    // The server keeps milliseconds: a second of slack either side.
    let before = Utc::now() - Duration::seconds(1);
    let r = set_status(&app, &c.agent, t, Status::Solved).await;
    assert_eq!(r["outcome"], "applied", "{r}");
    let d = detail(&app, &c.customer_a, t).await;
    let until: chrono::DateTime<Utc> = d["ticket"]["reopen_until"]
        .as_str()
        .expect("a solved ticket says until when it may be reopened")
        .parse()
        .unwrap();
    assert!(
        until >= before + Duration::days(14)
            && until <= Utc::now() + Duration::days(14) + Duration::seconds(1)
    );

    // "No, it is not resolved": back to open, and the window is gone with the solve.
    let r = set_status(&app, &c.customer_a, t, Status::Open).await;
    assert_eq!(r["outcome"], "applied", "{r}");
    let d = detail(&app, &c.customer_a, t).await;
    assert_eq!(d["ticket"]["status"], "open");
    assert_eq!(d["ticket"]["reopen_until"], Value::Null);

    // "Yes, resolved": closing a solved ticket is the customer's confirmation.
    set_status(&app, &c.agent, t, Status::Solved).await;
    let r = set_status(&app, &c.customer_a, t, Status::Closed).await;
    assert_eq!(r["outcome"], "applied", "{r}");
    assert_eq!(
        detail(&app, &c.agent, t).await["ticket"]["status"],
        "closed"
    );

    // Closed is final for the customer.
    for s in [Status::Open, Status::Solved] {
        let r = set_status(&app, &c.customer_a, t, s).await;
        assert_eq!(
            (&r["outcome"], &r["code"]),
            (&json!("rejected"), &json!("reopen_window_passed")),
            "{s}"
        );
    }
    // The customer still files the follow-up as a new ticket; staff may reopen.
    let r = set_status(&app, &c.agent, t, Status::Open).await;
    assert_eq!(r["outcome"], "applied", "{r}");
    app.finish().await;
}
on_both!(a_customer_reopens_within_the_window_and_closes_by_confirming);

async fn reopening_after_the_window_is_refused_with_its_own_code(db: Db) {
    let mut settings = test_settings();
    settings.lifecycle.reopen_days = 0;
    let app = TestApp::spawn_with(db, settings).await;
    let c = app.cast().await;
    let t = file(&app, &c.customer_a, "Scanner jams").await;
    set_status(&app, &c.agent, t, Status::Solved).await;
    // A window of zero days has passed a moment after the solve.
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    let r = set_status(&app, &c.customer_a, t, Status::Open).await;
    assert_eq!(r["outcome"], "rejected", "{r}");
    assert_eq!(r["code"], "reopen_window_passed");
    assert!(r["message"].as_str().unwrap().contains("new ticket"), "{r}");
    assert_eq!(
        detail(&app, &c.agent, t).await["ticket"]["status"],
        "solved"
    );
    // The customer may still confirm, and staff may still reopen.
    let r = set_status(&app, &c.agent, t, Status::Open).await;
    assert_eq!(r["outcome"], "applied", "{r}");
    app.finish().await;
}
on_both!(reopening_after_the_window_is_refused_with_its_own_code);

async fn solved_tickets_close_by_themselves_once(db: Db) {
    let app = TestApp::spawn(db).await;
    let c = app.cast().await;
    let (lc, sla) = (app.settings.lifecycle, app.settings.sla.clone());
    let store = &app.server.store;
    let solved = file(&app, &c.customer_a, "Solved and forgotten").await;
    let open = file(&app, &c.customer_a, "Still open").await;
    set_status(&app, &c.agent, solved, Status::Solved).await;
    let at = Utc::now();

    let early = store
        .close_solved_tickets(at + Duration::days(6), &lc, &sla)
        .await
        .unwrap();
    assert_eq!(early, 0, "not before auto_close_days");
    let closed = store
        .close_solved_tickets(at + Duration::days(7) + Duration::minutes(1), &lc, &sla)
        .await
        .unwrap();
    assert_eq!(closed, 1);
    let again = store
        .close_solved_tickets(at + Duration::days(30), &lc, &sla)
        .await
        .unwrap();
    assert_eq!(again, 0, "a second run does nothing");

    let d = detail(&app, &c.customer_a, solved).await;
    assert_eq!(d["ticket"]["status"], "closed");
    assert_eq!(d["ticket"]["reopen_until"], Value::Null);
    let auto: Vec<_> = events(&app, &c.customer_a, solved)
        .await
        .into_iter()
        .filter(|(k, _)| k["type"] == "auto_closed")
        .collect();
    assert_eq!(
        auto,
        [(
            json!({"type": "auto_closed", "after_days": 7}),
            "Tadhkira".to_owned()
        )],
        "one event, by the system, that the customer sees"
    );
    assert_eq!(
        detail(&app, &c.agent, open).await["ticket"]["status"],
        "new",
        "an unsolved ticket is left alone"
    );

    // It went through the change feed: the customer's pull carries the event.
    let pulled = app.pull_all(&c.customer_a).await;
    assert!(
        pulled
            .iter()
            .any(|ch| ch["entity"]["data"]["kind"]["type"] == "auto_closed"),
        "{pulled:?}"
    );
    app.finish().await;
}
on_both!(solved_tickets_close_by_themselves_once);

async fn a_pending_ticket_reminds_its_customer_once_per_wait(db: Db) {
    let app = TestApp::spawn(db).await;
    let c = app.cast().await;
    let lc = app.settings.lifecycle;
    let store = &app.server.store;
    let t = file(&app, &c.customer_a, "Waiting on the customer").await;
    set_status(&app, &c.agent, t, Status::Pending).await;
    let at = Utc::now();

    let remind = |days: i64| {
        let when = at + Duration::days(days) + Duration::minutes(1);
        async move { store.remind_pending_customers(when, &lc).await.unwrap() }
    };
    assert_eq!(remind(2).await, 0, "not before pending_reminder_days");
    assert_eq!(remind(3).await, 1);
    assert_eq!(remind(3).await, 0, "a second run does nothing");
    assert_eq!(remind(20).await, 0, "one reminder per wait, however long");
    let count = |evs: Vec<(Value, String)>| {
        evs.iter()
            .filter(|(k, _)| k["type"] == "pending_reminder")
            .count()
    };
    let evs = events(&app, &c.customer_a, t).await;
    assert_eq!(count(evs.clone()), 1);
    assert!(evs.contains(&(
        json!({"type": "pending_reminder", "after_days": 3}),
        "Tadhkira".to_owned()
    )));

    // The customer answers (back to open); a new wait earns a new reminder.
    app.push(
        &c.customer_a,
        &[m::envelope(m::message(t, "Here it is", Visibility::Public))],
    )
    .await;
    assert_eq!(detail(&app, &c.agent, t).await["ticket"]["status"], "open");
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    set_status(&app, &c.agent, t, Status::Pending).await;
    assert_eq!(remind(3).await, 1);
    assert_eq!(count(events(&app, &c.customer_a, t).await), 2);
    app.finish().await;
}
on_both!(a_pending_ticket_reminds_its_customer_once_per_wait);

async fn two_servers_running_the_jobs_at_once_do_each_once(db: Db) {
    let app = TestApp::spawn(db).await;
    let c = app.cast().await;
    let (lc, sla) = (app.settings.lifecycle, app.settings.sla.clone());
    for i in 0..6 {
        let t = file(&app, &c.customer_a, &format!("Ticket {i}")).await;
        let s = if i % 2 == 0 {
            Status::Solved
        } else {
            Status::Pending
        };
        set_status(&app, &c.agent, t, s).await;
    }
    let peer = app.spawn_peer().await;
    let later = Utc::now() + Duration::days(8);
    let (a, b) = tokio::join!(
        app.server.store.run_lifecycle_jobs(later, &lc, &sla),
        peer.store.run_lifecycle_jobs(later, &lc, &sla),
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(
        (a.closed + b.closed, a.reminded + b.reminded),
        (3, 3),
        "{a:?} {b:?}"
    );
    let n = |kind: &str| {
        format!("SELECT COUNT(*) AS n FROM ticket_events WHERE kind LIKE '%\"{kind}\"%'")
    };
    assert_eq!(app.count_on_database(&n("auto_closed")).await, 3);
    assert_eq!(app.count_on_database(&n("pending_reminder")).await, 3);
    peer.stop().await.unwrap();
    app.finish().await;
}
on_both!(two_servers_running_the_jobs_at_once_do_each_once);

async fn the_system_user_is_nobody_to_sign_in_as_or_list(db: Db) {
    let app = TestApp::spawn(db).await;
    let c = app.cast().await;
    let (status, body) = app
        .call(
            Method::POST,
            "/auth/login",
            None,
            Some(json!({"email": "system@tadhkira.invalid", "password": "!"})),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    assert_eq!(body["code"], "bad_credentials");
    let (status, body) = app.get(&c.admin, "/people?limit=500").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let people = body.to_string();
    assert!(!people.contains("system@tadhkira.invalid"), "{people}");
    assert!(people.contains("agent@help.example"), "{people}");
    app.finish().await;
}
on_both!(the_system_user_is_nobody_to_sign_in_as_or_list);

/// Three server processes on one database, each ticking its lifecycle task every
/// second: the jobs run about once a second in all, not three times — each run takes
/// the job's lease for 0.9 s first, so no two runs are closer than that, whatever the
/// processes' clocks and load.
async fn scheduled_jobs_run_once_across_server_processes(db: Db) {
    let mut settings = test_settings();
    settings.lifecycle.job_interval_seconds = 1;
    let started = std::time::Instant::now();
    let app = TestApp::spawn_with(db, settings).await;
    let peers = [app.spawn_peer().await, app.spawn_peer().await];
    tokio::time::sleep(std::time::Duration::from_millis(4_500)).await;
    let runs = app
        .server
        .store
        .job_runs(tadhkira_server::jobs::LIFECYCLE)
        .await
        .unwrap();
    let elapsed = started.elapsed().as_secs_f64();
    let most = (elapsed / 0.9).floor() as i64 + 1;
    assert!(
        (2..=most).contains(&runs),
        "{runs} runs in {elapsed:.1} s by 3 processes ticking every second: at most {most} with the lease (about {} without)",
        3 * elapsed as i64
    );
    for p in peers {
        p.stop().await.unwrap();
    }
    app.finish().await;
}
on_both!(scheduled_jobs_run_once_across_server_processes);
