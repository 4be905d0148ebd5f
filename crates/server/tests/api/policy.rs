//! The response policy over the REST API: only admins read and change it (nobody else,
//! and no disabled user), everyone signed in reads the targets in effect, each change
//! is one audit row with the versions before and after, nonsense is refused naming the
//! field, and business hours count only business time — while a change moves the due
//! times of tickets filed after it and of no other.
//!
//! The clock is "injected" through the calendar: the business hours are made relative
//! to the day the test runs (today and tomorrow holidays, the two days after that the
//! weekend), so the expected due times are exact whatever the date.

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use tadhkira_proto::{FieldValue, Priority, Role, Status, Visibility};
use uuid::Uuid;

use crate::helpers::{m, Db, Person, TestApp};
use crate::on_both;

const AUDIT_ROWS: &str = "SELECT COUNT(*) AS n FROM audit_log";

fn targets(first: i64, resolution: i64) -> Value {
    let t = json!({"first_response_minutes": first, "resolution_minutes": resolution});
    json!({"urgent": t, "high": t, "normal": t, "low": t})
}

fn wall_policy() -> Value {
    json!({"targets": targets(30, 240), "business_hours": null})
}

fn day_name(d: NaiveDate) -> &'static str {
    [
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
    ][d.weekday().num_days_from_monday() as usize]
}

fn time(v: &Value) -> DateTime<Utc> {
    v.as_str()
        .unwrap_or_else(|| panic!("not a time: {v}"))
        .parse()
        .unwrap()
}

async fn ticket(app: &TestApp, who: &Person, id: Uuid) -> Value {
    let (status, d) = app.get(who, &format!("/tickets/{id}")).await;
    assert_eq!(status, StatusCode::OK, "{d}");
    d["ticket"].clone()
}

async fn only_admins_change_the_policy_and_everyone_signed_in_reads_its_targets(db: Db) {
    let app = TestApp::spawn(db).await;
    let c = app.cast().await;
    let tier2 = app
        .person("l2@help.example", Role::Agent, None, Some(2))
        .await;
    let tier3 = app
        .person("l3@help.example", Role::Agent, None, Some(3))
        .await;
    let former = app
        .person("former@help.example", Role::Admin, None, None)
        .await;
    let (status, _) = app
        .call(
            Method::POST,
            &format!("/admin/users/{}/disable", former.id),
            Some(&c.admin.token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);

    let admin_only = [(Method::GET, None), (Method::PUT, Some(wall_policy()))];
    let audit_before = app.count_on_database(AUDIT_ROWS).await;
    for (method, body) in &admin_only {
        let path = "/admin/policy";
        let (status, answer) = app.call(method.clone(), path, None, body.clone()).await;
        assert_eq!(
            status,
            StatusCode::UNAUTHORIZED,
            "{method} without a token: {answer}"
        );
        assert_eq!(answer["code"], "unauthorized");
        let (status, answer) = app
            .call(method.clone(), path, Some(&former.token), body.clone())
            .await;
        assert_eq!(
            status,
            StatusCode::UNAUTHORIZED,
            "{method} as a disabled admin: {answer}"
        );
        for who in [&c.customer_a, &c.lapsed, &c.agent, &tier2, &tier3] {
            let (status, answer) = app
                .call(method.clone(), path, Some(&who.token), body.clone())
                .await;
            assert_eq!(
                status,
                StatusCode::FORBIDDEN,
                "{method} as {}: {answer}",
                who.email
            );
            assert_eq!(answer["code"], "forbidden");
        }
    }
    let (status, _) = app.call(Method::GET, "/policy/targets", None, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = app
        .call(Method::GET, "/policy/targets", Some(&former.token), None)
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        app.count_on_database(AUDIT_ROWS).await,
        audit_before,
        "refused calls change nothing"
    );

    // Version 1 is the configuration's targets on a wall clock.
    let (status, first) = app
        .call(Method::GET, "/admin/policy", Some(&c.admin.token), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{first}");
    assert_eq!(first["policy"]["version"], 1);
    assert_eq!(
        first["policy"]["targets"]["urgent"]["first_response_minutes"],
        60
    );
    assert_eq!(
        first["policy"]["targets"]["low"]["resolution_minutes"],
        7200
    );
    assert_eq!(first["policy"]["business_hours"], Value::Null);
    assert_eq!(
        app.count_on_database(AUDIT_ROWS).await,
        audit_before,
        "a read is not audited"
    );

    let (status, made) = app
        .call(
            Method::PUT,
            "/admin/policy",
            Some(&c.admin.token),
            Some(wall_policy()),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{made}");
    assert_eq!(made["policy"]["version"], 2);
    assert_eq!(app.count_on_database(AUDIT_ROWS).await, audit_before + 1);
    let (_, audit) = app.get(&c.admin, "/admin/audit?action=policy.change").await;
    assert_eq!(audit["total"], 1, "{audit}");
    let entry = &audit["entries"][0];
    assert_eq!(entry["actor_id"], c.admin.id.to_string());
    let before: Value = serde_json::from_str(entry["before"].as_str().unwrap()).unwrap();
    let after: Value = serde_json::from_str(entry["after"].as_str().unwrap()).unwrap();
    assert_eq!(before["version"], 1);
    assert_eq!(before["targets"]["urgent"]["first_response_minutes"], 60);
    assert_eq!(after["version"], 2);
    assert_eq!(after["targets"]["urgent"]["first_response_minutes"], 30);

    // Everyone signed in reads the version in effect, customers of a lapsed
    // organisation too (they are entitled to know the terms).
    for who in [&c.customer_a, &c.lapsed, &c.agent, &tier2, &tier3, &c.admin] {
        let (status, policy) = app.get(who, "/policy/targets").await;
        assert_eq!(status, StatusCode::OK, "{} {policy}", who.email);
        assert_eq!(policy["version"], 2);
        assert_eq!(policy["targets"]["normal"]["resolution_minutes"], 240);
    }
    app.finish().await;
}
on_both!(only_admins_change_the_policy_and_everyone_signed_in_reads_its_targets);

async fn a_nonsense_policy_is_refused_naming_the_field_and_changes_nothing(db: Db) {
    let app = TestApp::spawn(db).await;
    let c = app.cast().await;
    let hours = |tz: &str, days: Value, opens: &str, closes: &str| {
        json!({"targets": targets(60, 480), "business_hours": {
            "time_zone": tz, "days": days, "opens": opens, "closes": closes, "holidays": []}})
    };
    let mut zero = targets(60, 480);
    zero["high"]["first_response_minutes"] = json!(0);
    let mut negative = targets(60, 480);
    negative["low"]["resolution_minutes"] = json!(-5);
    let mut backwards = targets(60, 480);
    backwards["urgent"] = json!({"first_response_minutes": 120, "resolution_minutes": 60});
    let cases = [
        (
            json!({"targets": zero, "business_hours": null}),
            "targets.high.first_response_minutes",
        ),
        (
            json!({"targets": negative, "business_hours": null}),
            "targets.low.resolution_minutes",
        ),
        (
            json!({"targets": backwards, "business_hours": null}),
            "targets.urgent.resolution_minutes",
        ),
        (
            hours("Mars/Olympus", json!(["monday"]), "09:00", "17:00"),
            "business_hours.time_zone",
        ),
        (
            hours("Asia/Riyadh", json!([]), "09:00", "17:00"),
            "business_hours.days",
        ),
        (
            hours("Asia/Riyadh", json!(["sunday"]), "9am", "17:00"),
            "business_hours.opens",
        ),
        (
            hours("Asia/Riyadh", json!(["sunday"]), "17:00", "09:00"),
            "business_hours.closes",
        ),
    ];
    let audit_before = app.count_on_database(AUDIT_ROWS).await;
    for (body, field) in cases {
        let (status, answer) = app
            .call(
                Method::PUT,
                "/admin/policy",
                Some(&c.admin.token),
                Some(body),
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{field}: {answer}");
        assert_eq!(answer["code"], "invalid");
        assert!(
            answer["message"].as_str().unwrap().contains(field),
            "the message names {field}: {answer}"
        );
    }
    // A day that is not a day, and a body without targets: refused by the shape.
    for body in [
        hours("UTC", json!(["someday"]), "09:00", "17:00"),
        json!({"business_hours": null}),
    ] {
        let (status, answer) = app
            .call(
                Method::PUT,
                "/admin/policy",
                Some(&c.admin.token),
                Some(body),
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
        assert_eq!(answer["code"], "invalid");
    }
    assert_eq!(app.count_on_database(AUDIT_ROWS).await, audit_before);
    let (_, policy) = app.get(&c.customer_a, "/policy/targets").await;
    assert_eq!(policy["version"], 1, "nothing changed: {policy}");
    app.finish().await;
}
on_both!(a_nonsense_policy_is_refused_naming_the_field_and_changes_nothing);

async fn business_hours_count_only_business_time_and_move_only_tickets_filed_after_them(db: Db) {
    let app = TestApp::spawn(db).await;
    let c = app.cast().await;
    // Filed under version 1 (the configuration's targets: normal 8 h / 2 days, wall).
    let old = Uuid::now_v7();
    let r = app
        .push(
            &c.customer_a,
            &[m::envelope(m::new_ticket(old, "Filed before", None))],
        )
        .await;
    assert_eq!(r[0]["outcome"], "applied", "{r:?}");
    let old_before = ticket(&app, &c.agent, old).await;
    let old_created = time(&old_before["created_at"]);
    assert_eq!(
        time(&old_before["resolution_due_at"]),
        old_created + Duration::minutes(2880)
    );

    // Business hours in UTC, round the clock, except: today and tomorrow are holidays
    // and the two days after are the weekend. Business time starts on day 4.
    let today = Utc::now().date_naive();
    let day = |n| today + Duration::days(n);
    let working: Vec<&str> = (4..=8).map(|n| day_name(day(n))).collect();
    let change = json!({
        "targets": targets(60, 480),
        "business_hours": {
            "time_zone": "UTC",
            "days": working,
            "opens": "00:00",
            "closes": "24:00",
            "holidays": [day(0).to_string(), day(1).to_string()],
        }
    });
    let (status, made) = app
        .call(
            Method::PUT,
            "/admin/policy",
            Some(&c.admin.token),
            Some(change),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{made}");
    assert_eq!(made["policy"]["version"], 2);
    assert_eq!(
        made["active_on_older"], 1,
        "the ticket filed before keeps version 1"
    );

    let new = Uuid::now_v7();
    let r = app
        .push(
            &c.customer_a,
            &[m::envelope(m::new_ticket(new, "Filed after", None))],
        )
        .await;
    assert_eq!(r[0]["outcome"], "applied", "{r:?}");
    assert_eq!(
        Utc::now().date_naive(),
        today,
        "the test ran across midnight UTC; run it again"
    );
    let opening = day(4).and_hms_opt(0, 0, 0).unwrap().and_utc();
    let t = ticket(&app, &c.agent, new).await;
    assert_eq!(
        time(&t["first_response_due_at"]),
        opening + Duration::minutes(60)
    );
    assert_eq!(
        time(&t["resolution_due_at"]),
        opening + Duration::minutes(480)
    );
    let versions = app
        .count_on_database(&format!(
            "SELECT COALESCE(sla_policy_version, 1) * 10 AS n FROM tickets WHERE id = '{new}'"
        ))
        .await;
    assert_eq!(versions, 20, "the new ticket keeps version 2");

    // The ticket filed before did not move.
    let old_after = ticket(&app, &c.agent, old).await;
    assert_eq!(
        old_after["resolution_due_at"],
        old_before["resolution_due_at"]
    );
    assert_eq!(
        old_after["first_response_due_at"],
        old_before["first_response_due_at"]
    );

    // Waiting on the customer during a holiday pauses no business time: once they
    // answer, the due times are exactly where they were (on a wall clock they would
    // have moved by the pause).
    let r = app
        .push(
            &c.agent,
            &[m::envelope(m::set(
                new,
                FieldValue::Status(Status::Pending),
                i64::MAX,
            ))],
        )
        .await;
    assert_eq!(r[0]["outcome"], "applied", "{r:?}");
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    let r = app
        .push(
            &c.customer_a,
            &[m::envelope(m::message(
                new,
                "Here is the log",
                Visibility::Public,
            ))],
        )
        .await;
    assert_eq!(r[0]["outcome"], "applied", "{r:?}");
    let t2 = ticket(&app, &c.agent, new).await;
    assert_eq!(t2["status"], "open");
    assert_eq!(t2["resolution_due_at"], t["resolution_due_at"]);
    assert_eq!(t2["first_response_due_at"], t["first_response_due_at"]);

    // A priority change recomputes a ticket by its own version: the old ticket turns
    // urgent under version 1 (1 h / 8 h, wall clock), not version 2's business hours.
    let r = app
        .push(
            &c.agent,
            &[m::envelope(m::set(
                old,
                FieldValue::Priority(Priority::Urgent),
                i64::MAX,
            ))],
        )
        .await;
    assert_eq!(r[0]["outcome"], "applied", "{r:?}");
    let old_urgent = ticket(&app, &c.agent, old).await;
    assert_eq!(
        time(&old_urgent["first_response_due_at"]),
        old_created + Duration::minutes(60)
    );
    assert_eq!(
        time(&old_urgent["resolution_due_at"]),
        old_created + Duration::minutes(480)
    );
    app.finish().await;
}
on_both!(business_hours_count_only_business_time_and_move_only_tickets_filed_after_them);
