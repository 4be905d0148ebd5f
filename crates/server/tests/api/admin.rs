//! Administration over the REST API: only admins get in (and nobody else learns what
//! exists), every admin write leaves exactly one audit row, a renewal lifts the lapsed
//! gate, a disabled user is cut off at once (streams closed, tokens refused), and a
//! one-time password must be replaced before signing in.

use std::time::Duration;

use futures::StreamExt;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use tadhkira_proto::Role;
use uuid::Uuid;

use crate::helpers::{m, Db, Person, TestApp};
use crate::on_both;

const AUDIT_ROWS: &str = "SELECT COUNT(*) AS n FROM audit_log";

/// One call as `token`.
async fn call(
    app: &TestApp,
    method: Method,
    path: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> (StatusCode, Value) {
    app.call(method, path, token, body).await
}

async fn as_admin(
    app: &TestApp,
    admin: &Person,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> Value {
    let (status, body) = call(app, method.clone(), path, Some(&admin.token), body).await;
    assert!(status.is_success(), "{method} {path}: {status} {body}");
    body
}

/// Every admin endpoint with a body that would be accepted from an admin, on these
/// targets.
fn endpoints(org: Uuid, user: Uuid) -> Vec<(Method, String, Option<Value>)> {
    let future = (chrono::Utc::now() + chrono::Duration::days(400)).to_rfc3339();
    vec![
        (Method::GET, "/admin/organisations".into(), None),
        (
            Method::POST,
            "/admin/organisations".into(),
            Some(json!({"name": "Matrix Org"})),
        ),
        (
            Method::PATCH,
            format!("/admin/organisations/{org}"),
            Some(json!({"name": "Org A renamed"})),
        ),
        (
            Method::GET,
            format!("/admin/organisations/{org}/agreements"),
            None,
        ),
        (
            Method::POST,
            format!("/admin/organisations/{org}/agreements"),
            Some(json!({"action": "extend", "ends_at": future})),
        ),
        (
            Method::PUT,
            format!("/admin/organisations/{org}/contacts"),
            Some(json!({"user_ids": []})),
        ),
        (Method::GET, "/admin/users".into(), None),
        (
            Method::POST,
            "/admin/users".into(),
            Some(
                json!({"email": "new@help.example", "name": "New Agent", "role": "agent", "tier": 2, "locale": "ar", "password": "one-time-1"}),
            ),
        ),
        (
            Method::PATCH,
            format!("/admin/users/{user}"),
            Some(json!({"locale": "ar"})),
        ),
        (
            Method::POST,
            format!("/admin/users/{user}/password"),
            Some(json!({"password": "one-time-2"})),
        ),
        (Method::POST, format!("/admin/users/{user}/disable"), None),
        (Method::GET, "/admin/audit".into(), None),
    ]
}

async fn only_admins_reach_the_admin_api_and_nobody_learns_what_exists(db: Db) {
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
    let org_a = app
        .server
        .store
        .organisation_by_name("Org A")
        .await
        .unwrap()
        .id;
    as_admin(
        &app,
        &c.admin,
        Method::POST,
        &format!("/admin/users/{}/disable", former.id),
        None,
    )
    .await;

    let real = endpoints(org_a, c.customer_b.id);
    let made_up = endpoints(Uuid::now_v7(), Uuid::now_v7());
    let audit_before = app.count_on_database(AUDIT_ROWS).await;
    for (method, path, body) in real.iter().chain(&made_up) {
        let (status, answer) = call(&app, method.clone(), path, None, body.clone()).await;
        assert_eq!(
            status,
            StatusCode::UNAUTHORIZED,
            "{method} {path} without a token: {answer}"
        );
        assert_eq!(answer["code"], "unauthorized");
        let (status, answer) = call(
            &app,
            method.clone(),
            path,
            Some(&former.token),
            body.clone(),
        )
        .await;
        assert_eq!(
            status,
            StatusCode::UNAUTHORIZED,
            "{method} {path} as a disabled admin: {answer}"
        );
        for who in [&c.customer_a, &c.lapsed, &c.agent, &tier2, &tier3] {
            let (status, answer) =
                call(&app, method.clone(), path, Some(&who.token), body.clone()).await;
            // The same answer for a real target and a made-up one: nothing leaks.
            assert_eq!(
                status,
                StatusCode::FORBIDDEN,
                "{method} {path} as {}: {answer}",
                who.email
            );
            assert_eq!(answer["code"], "forbidden", "{answer}");
        }
    }
    assert_eq!(
        app.count_on_database(AUDIT_ROWS).await,
        audit_before,
        "refused calls change nothing"
    );

    // The admin gets in everywhere; each write leaves exactly one audit row.
    for (method, path, body) in &real {
        let before = app.count_on_database(AUDIT_ROWS).await;
        as_admin(&app, &c.admin, method.clone(), path, body.clone()).await;
        let after = app.count_on_database(AUDIT_ROWS).await;
        let expected = i64::from(*method != Method::GET);
        assert_eq!(after - before, expected, "{method} {path}: audit rows");
    }
    // A made-up target is the admin's to know about: 404.
    let (status, _) = call(
        &app,
        Method::PATCH,
        &format!("/admin/users/{}", Uuid::now_v7()),
        Some(&c.admin.token),
        Some(json!({"locale": "ar"})),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    app.finish().await;
}
on_both!(only_admins_reach_the_admin_api_and_nobody_learns_what_exists);

async fn a_renewal_lifts_the_lapsed_gate_and_is_in_the_audit_log(db: Db) {
    let app = TestApp::spawn(db).await;
    let c = app.cast().await;
    let lapsed = app
        .server
        .store
        .organisation_by_name("Lapsed Org")
        .await
        .unwrap()
        .id;
    let ticket = Uuid::now_v7();
    let filing = m::envelope(m::new_ticket(ticket, "Printer jams", None));
    let refused = app.push(&c.lapsed, std::slice::from_ref(&filing)).await;
    assert_eq!(refused[0]["code"], "subscription_inactive", "{refused:?}");

    // A renewal that ends before it starts is refused, and audited nowhere.
    let before = app.count_on_database(AUDIT_ROWS).await;
    let (status, body) = call(
        &app,
        Method::POST,
        &format!("/admin/organisations/{lapsed}/agreements"),
        Some(&c.admin.token),
        Some(json!({"action": "renew", "ends_at": "2001-01-01T00:00:00Z"})),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(app.count_on_database(AUDIT_ROWS).await, before);

    let end = chrono::Utc::now() + chrono::Duration::days(365);
    let made = as_admin(
        &app,
        &c.admin,
        Method::POST,
        &format!("/admin/organisations/{lapsed}/agreements"),
        Some(json!({"action": "renew", "ends_at": end.to_rfc3339(), "note": "Invoice 2026-114"})),
    )
    .await;
    assert_eq!(made["action"], "renew");
    assert_eq!(made["note"], "Invoice 2026-114");
    assert_eq!(app.count_on_database(AUDIT_ROWS).await, before + 1);

    // The same mutation, resent (as the outbox does after a rejection): accepted now.
    let accepted = app.push(&c.lapsed, &[filing]).await;
    assert_eq!(accepted[0]["outcome"], "applied", "{accepted:?}");
    let (_, me) = app.get(&c.lapsed, "/me").await;
    assert_eq!(
        me["organisation"]["paid_until"].as_str().map(|s| s
            .parse::<chrono::DateTime<chrono::Utc>>()
            .unwrap()
            .timestamp()),
        Some(end.timestamp()),
        "paid_until is the current agreement's end"
    );

    // The history, newest first: the renewal over the first (lapsed) agreement.
    let history = as_admin(
        &app,
        &c.admin,
        Method::GET,
        &format!("/admin/organisations/{lapsed}/agreements"),
        None,
    )
    .await;
    let actions: Vec<&Value> = history["agreements"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| &a["action"])
        .collect();
    assert_eq!(actions, [&json!("renew"), &json!("renew")]);
    assert_eq!(history["agreements"][0]["created_by"], json!(c.admin.id));

    // A lapse ends it now: the gate closes again.
    as_admin(
        &app,
        &c.admin,
        Method::POST,
        &format!("/admin/organisations/{lapsed}/agreements"),
        Some(json!({"action": "lapse"})),
    )
    .await;
    let refused = app
        .push(
            &c.lapsed,
            &[m::envelope(m::new_ticket(Uuid::now_v7(), "Again", None))],
        )
        .await;
    assert_eq!(refused[0]["code"], "subscription_inactive", "{refused:?}");

    let log = as_admin(
        &app,
        &c.admin,
        Method::GET,
        &format!("/admin/audit?target={lapsed}&actor={}", c.admin.id),
        None,
    )
    .await;
    let actions: Vec<&Value> = log["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["action"])
        .collect();
    assert_eq!(
        actions,
        [&json!("subscription.lapse"), &json!("subscription.renew")]
    );
    assert_eq!(log["total"], 2);
    let renewal = &log["entries"][1];
    assert_eq!(renewal["actor_name"], "Test admin@help.example");
    let after: Value = serde_json::from_str(renewal["after"].as_str().unwrap()).unwrap();
    assert_eq!(after["note"], "Invoice 2026-114");
    let before_json: Value = serde_json::from_str(renewal["before"].as_str().unwrap()).unwrap();
    assert!(before_json["paid_until"].is_string(), "{before_json}");
    let page = as_admin(
        &app,
        &c.admin,
        Method::GET,
        "/admin/audit?action=subscription.renew&limit=1",
        None,
    )
    .await;
    assert_eq!(page["entries"].as_array().unwrap().len(), 1);
    let since = (chrono::Utc::now() + chrono::Duration::hours(1))
        .to_rfc3339()
        .replace('+', "%2B");
    let none = as_admin(
        &app,
        &c.admin,
        Method::GET,
        &format!("/admin/audit?since={since}"),
        None,
    )
    .await;
    assert_eq!(none["total"], 0, "{none}");
    app.finish().await;
}
on_both!(a_renewal_lifts_the_lapsed_gate_and_is_in_the_audit_log);

async fn a_lapsed_override_is_audited(db: Db) {
    let app = TestApp::spawn(db).await;
    let c = app.cast().await;
    let ticket = Uuid::now_v7();
    let before = app.count_on_database(AUDIT_ROWS).await;
    let logged = app
        .push(
            &c.agent,
            &[m::envelope(m::overriding(
                m::new_ticket(ticket, "Server down", Some(c.lapsed.id)),
                "Paid by transfer",
            ))],
        )
        .await;
    assert_eq!(logged[0]["outcome"], "applied", "{logged:?}");
    assert_eq!(app.count_on_database(AUDIT_ROWS).await, before + 1);
    let log = as_admin(
        &app,
        &c.admin,
        Method::GET,
        "/admin/audit?action=ticket.lapsed_override",
        None,
    )
    .await;
    let entry = &log["entries"][0];
    assert_eq!(entry["actor_id"], json!(c.agent.id));
    assert_eq!(entry["target_id"], json!(ticket));
    assert!(
        entry["after"]
            .as_str()
            .unwrap()
            .contains("Paid by transfer"),
        "{entry}"
    );
    app.finish().await;
}
on_both!(a_lapsed_override_is_audited);

async fn a_disabled_user_is_cut_off_at_once_and_keeps_their_history(db: Db) {
    let app = TestApp::spawn(db).await;
    let c = app.cast().await;
    let ticket = Uuid::now_v7();
    app.push(
        &c.customer_a,
        &[m::envelope(m::new_ticket(ticket, "Screen flickers", None))],
    )
    .await;
    let stream = app
        .http
        .get(app.url("/events"))
        .bearer_auth(&c.customer_a.token)
        .send()
        .await
        .unwrap();
    assert_eq!(stream.status(), StatusCode::OK);
    let bystander = app
        .http
        .get(app.url("/events"))
        .bearer_auth(&c.customer_b.token)
        .send()
        .await
        .unwrap();

    let disabled = as_admin(
        &app,
        &c.admin,
        Method::POST,
        &format!("/admin/users/{}/disable", c.customer_a.id),
        None,
    )
    .await;
    assert!(disabled["disabled_at"].is_string(), "{disabled}");

    // The recheck interval is minutes by default: the stream ends because the disable
    // closed it, not because its token was looked at again.
    let ended = tokio::time::timeout(Duration::from_secs(2), async {
        let mut s = stream.bytes_stream();
        while let Some(Ok(_)) = s.next().await {}
    })
    .await
    .is_ok();
    assert!(ended, "the disabled user's event stream was closed");
    let still = tokio::time::timeout(Duration::from_millis(500), async {
        let mut s = bystander.bytes_stream();
        while let Some(Ok(_)) = s.next().await {}
    })
    .await
    .is_ok();
    assert!(!still, "another user's stream stays open");

    let (status, body) = app.get(&c.customer_a, "/me").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    let (status, body) = call(
        &app,
        Method::POST,
        "/auth/login",
        None,
        Some(json!({"email": c.customer_a.email, "password": "password1"})),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    assert_eq!(body["code"], "bad_credentials");

    // Their ticket stays, with them as its requester.
    let (status, detail) = app.get(&c.agent, &format!("/tickets/{ticket}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(detail["ticket"]["requester_id"], json!(c.customer_a.id));
    let users = as_admin(&app, &c.admin, Method::GET, "/admin/users", None).await;
    let listed = users["users"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["user"]["id"] == json!(c.customer_a.id))
        .unwrap()
        .clone();
    assert!(listed["disabled_at"].is_string());

    // An admin does not disable themselves.
    let (status, _) = call(
        &app,
        Method::POST,
        &format!("/admin/users/{}/disable", c.admin.id),
        Some(&c.admin.token),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    app.finish().await;
}
on_both!(a_disabled_user_is_cut_off_at_once_and_keeps_their_history);

async fn login(app: &TestApp, email: &str, password: &str) -> (StatusCode, Value) {
    call(
        app,
        Method::POST,
        "/auth/login",
        None,
        Some(json!({"email": email, "password": password})),
    )
    .await
}

async fn a_one_time_password_must_be_replaced_before_signing_in(db: Db) {
    let app = TestApp::spawn(db).await;
    let c = app.cast().await;
    as_admin(
        &app,
        &c.admin,
        Method::POST,
        &format!("/admin/users/{}/password", c.agent.id),
        Some(json!({"password": "temporary-1"})),
    )
    .await;
    let (status, _) = app.get(&c.agent, "/me").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "the old token is revoked");
    let (status, _) = login(&app, &c.agent.email, "password1").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "the old password is gone");
    let (status, body) = login(&app, &c.agent.email, "temporary-1").await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(body["code"], "password_change_required");
    assert!(body.get("token").is_none());

    let change = |current: &str, new: &str| json!({"email": c.agent.email, "current_password": current, "new_password": new});
    let (status, body) = call(
        &app,
        Method::POST,
        "/auth/password",
        None,
        Some(change("temporary-1", "temporary-1")),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::BAD_REQUEST,
        "the same password again: {body}"
    );
    let (status, body) = call(
        &app,
        Method::POST,
        "/auth/password",
        None,
        Some(change("wrong-one-1", "my-own-pass")),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    let (status, body) = call(
        &app,
        Method::POST,
        "/auth/password",
        None,
        Some(change("temporary-1", "short")),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let (status, body) = call(
        &app,
        Method::POST,
        "/auth/password",
        None,
        Some(change("temporary-1", "my-own-pass")),
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    let (status, body) = login(&app, &c.agent.email, "my-own-pass").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let token = body["token"].as_str().unwrap().to_owned();

    // Their own change while signed in: the current password is checked.
    let mine = |current: &str, new: &str| json!({"current_password": current, "new_password": new});
    let (status, _) = call(
        &app,
        Method::POST,
        "/me/password",
        Some(&token),
        Some(mine("not-mine-1", "another-pass")),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = call(
        &app,
        Method::POST,
        "/me/password",
        None,
        Some(mine("my-own-pass", "another-pass")),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, body) = call(
        &app,
        Method::POST,
        "/me/password",
        Some(&token),
        Some(mine("my-own-pass", "another-pass")),
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    let (status, _) = login(&app, &c.agent.email, "another-pass").await;
    assert_eq!(status, StatusCode::OK);

    // A user an admin creates starts with a one-time password too.
    let org_a = app
        .server
        .store
        .organisation_by_name("Org A")
        .await
        .unwrap()
        .id;
    let made = as_admin(&app, &c.admin, Method::POST, "/admin/users", Some(json!({
        "email": "new@org-a.example", "name": "Noura", "role": "customer", "org_id": org_a, "locale": "ar", "password": "first-pass-1"}))).await;
    assert_eq!(made["must_change_password"], true);
    assert_eq!(made["org_name"], "Org A");
    let (status, body) = login(&app, "new@org-a.example", "first-pass-1").await;
    assert_eq!(body["code"], "password_change_required", "{status} {body}");

    let log = as_admin(
        &app,
        &c.admin,
        Method::GET,
        &format!("/admin/audit?target={}", c.agent.id),
        None,
    )
    .await;
    let actions: Vec<&Value> = log["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["action"])
        .collect();
    assert_eq!(
        actions[..3],
        [
            &json!("user.password_change"),
            &json!("user.password_change"),
            &json!("user.one_time_password")
        ]
    );
    assert!(
        !log.to_string().contains("argon2"),
        "no hash in the audit log"
    );
    app.finish().await;
}
on_both!(a_one_time_password_must_be_replaced_before_signing_in);

async fn only_designated_contacts_file_once_some_are_designated(db: Db) {
    let app = TestApp::spawn(db).await;
    let c = app.cast().await;
    let colleague = app
        .person("a2@org-a.example", Role::Customer, Some("Org A"), None)
        .await;
    let org_a = app
        .server
        .store
        .organisation_by_name("Org A")
        .await
        .unwrap()
        .id;
    // Someone of another organisation cannot be designated.
    let (status, _) = call(
        &app,
        Method::PUT,
        &format!("/admin/organisations/{org_a}/contacts"),
        Some(&c.admin.token),
        Some(json!({"user_ids": [c.customer_b.id]})),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    as_admin(
        &app,
        &c.admin,
        Method::PUT,
        &format!("/admin/organisations/{org_a}/contacts"),
        Some(json!({"user_ids": [c.customer_a.id]})),
    )
    .await;

    let refused = app
        .push(
            &colleague,
            &[m::envelope(m::new_ticket(Uuid::now_v7(), "Mine too", None))],
        )
        .await;
    assert_eq!(refused[0]["code"], "forbidden", "{refused:?}");
    assert!(refused[0]["message"]
        .as_str()
        .unwrap()
        .contains("designated"));
    let applied = app
        .push(
            &c.customer_a,
            &[m::envelope(m::new_ticket(
                Uuid::now_v7(),
                "Designated",
                None,
            ))],
        )
        .await;
    assert_eq!(applied[0]["outcome"], "applied", "{applied:?}");
    // Staff still log tickets for anyone of the organisation.
    let staff = app
        .push(
            &c.agent,
            &[m::envelope(m::new_ticket(
                Uuid::now_v7(),
                "By phone",
                Some(colleague.id),
            ))],
        )
        .await;
    assert_eq!(staff[0]["outcome"], "applied", "{staff:?}");

    let orgs = as_admin(&app, &c.admin, Method::GET, "/admin/organisations", None).await;
    let a = orgs["organisations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["organisation"]["id"] == json!(org_a))
        .unwrap()
        .clone();
    assert_eq!(a["designated_contacts"], json!([c.customer_a.id]));
    assert_eq!(a["customers"], 2);

    // None designated: everyone of the organisation files again.
    as_admin(
        &app,
        &c.admin,
        Method::PUT,
        &format!("/admin/organisations/{org_a}/contacts"),
        Some(json!({"user_ids": []})),
    )
    .await;
    let applied = app
        .push(
            &colleague,
            &[m::envelope(m::new_ticket(Uuid::now_v7(), "Mine now", None))],
        )
        .await;
    assert_eq!(applied[0]["outcome"], "applied", "{applied:?}");
    app.finish().await;
}
on_both!(only_designated_contacts_file_once_some_are_designated);

async fn an_admin_changes_role_tier_organisation_and_language(db: Db) {
    let app = TestApp::spawn(db).await;
    let c = app.cast().await;
    let org_b = app
        .server
        .store
        .organisation_by_name("Org B")
        .await
        .unwrap()
        .id;
    // Customer of A becomes a tier-2 agent: the organisation goes with the role.
    let agent = as_admin(
        &app,
        &c.admin,
        Method::PATCH,
        &format!("/admin/users/{}", c.customer_a.id),
        Some(json!({"role": "agent", "tier": 2})),
    )
    .await;
    assert_eq!(agent["user"]["role"], "agent");
    assert_eq!(agent["user"]["tier"], 2);
    assert_eq!(agent["user"]["org_id"], Value::Null);
    // A customer again, of B, in Arabic.
    let back = as_admin(
        &app,
        &c.admin,
        Method::PATCH,
        &format!("/admin/users/{}", c.customer_a.id),
        Some(json!({"role": "customer", "org_id": org_b, "locale": "ar"})),
    )
    .await;
    assert_eq!(back["user"]["org_id"], json!(org_b));
    assert_eq!(back["user"]["tier"], Value::Null);
    assert_eq!(back["user"]["locale"], "ar");
    // Nonsense is refused: a customer with a tier, an agent with an organisation, a
    // language we do not speak.
    for bad in [
        json!({"tier": 3}),
        json!({"role": "agent", "org_id": org_b}),
        json!({"locale": "fr"}),
        json!({"role": "customer"}),
    ] {
        let target = if bad.get("role").is_some_and(|r| r == "customer") {
            c.agent.id
        } else {
            c.customer_a.id
        };
        let (status, body) = call(
            &app,
            Method::PATCH,
            &format!("/admin/users/{target}"),
            Some(&c.admin.token),
            Some(bad.clone()),
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}: {body}");
    }
    let (status, body) = call(
        &app,
        Method::PATCH,
        &format!("/admin/organisations/{org_b}"),
        Some(&c.admin.token),
        Some(json!({"name": "Org A"})),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    let log = as_admin(
        &app,
        &c.admin,
        Method::GET,
        &format!("/admin/audit?target={}&action=user.update", c.customer_a.id),
        None,
    )
    .await;
    assert_eq!(log["total"], 2);
    let first: Value = serde_json::from_str(log["entries"][1]["before"].as_str().unwrap()).unwrap();
    assert_eq!(first["role"], "customer");
    app.finish().await;
}
on_both!(an_admin_changes_role_tier_organisation_and_language);

async fn the_command_line_is_audited_as_the_system(db: Db) {
    use tadhkira_server::admin;
    let app = TestApp::spawn(db).await;
    let c = app.cast().await;
    let store = &app.server.store;
    let before = app.count_on_database(AUDIT_ROWS).await;
    // `org subscription --paid-until` in the future: the gate opens…
    let next_year = chrono::Utc::now() + chrono::Duration::days(365);
    admin::set_subscription(store, "Lapsed Org", Some(next_year))
        .await
        .unwrap();
    let applied = app
        .push(
            &c.lapsed,
            &[m::envelope(m::new_ticket(
                Uuid::now_v7(),
                "Open again",
                None,
            ))],
        )
        .await;
    assert_eq!(applied[0]["outcome"], "applied", "{applied:?}");
    // …and a past date closes it again (as the real-app test does to lapse Dunes).
    let past = admin::parse_paid_until("2001-01-01").unwrap();
    admin::set_subscription(store, "Lapsed Org", past)
        .await
        .unwrap();
    let refused = app
        .push(
            &c.lapsed,
            &[m::envelope(m::new_ticket(Uuid::now_v7(), "Closed", None))],
        )
        .await;
    assert_eq!(refused[0]["code"], "subscription_inactive", "{refused:?}");
    admin::set_password(store, &app.settings, &c.agent.email, "new-password-1")
        .await
        .unwrap();
    admin::revoke_tokens(store, &c.customer_b.email)
        .await
        .unwrap();
    assert_eq!(app.count_on_database(AUDIT_ROWS).await, before + 4);

    let log = as_admin(
        &app,
        &c.admin,
        Method::GET,
        &format!("/admin/audit?actor={}&limit=4", Uuid::nil()),
        None,
    )
    .await;
    let actions: Vec<&Value> = log["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["action"])
        .collect();
    assert_eq!(
        actions,
        [
            &json!("user.revoke_tokens"),
            &json!("user.password"),
            &json!("subscription.lapse"),
            &json!("subscription.renew")
        ]
    );
    assert_eq!(log["entries"][0]["actor_name"], "Tadhkira");
    let history = as_admin(
        &app,
        &c.admin,
        Method::GET,
        &format!(
            "/admin/organisations/{}/agreements",
            store.organisation_by_name("Lapsed Org").await.unwrap().id
        ),
        None,
    )
    .await;
    assert_eq!(history["agreements"][0]["ends_at"], "2001-01-01T23:59:59Z");
    app.finish().await;
}
on_both!(the_command_line_is_audited_as_the_system);
