//! The support terms, their acceptance, "outside the support terms" and the first-line
//! checklists over the REST API and the sync protocol: only admins edit them (and each
//! write leaves one audit row), customers only ever see published versions, an
//! organisation's acceptance is recorded once however often it is sent, and the
//! exclusion a ticket was resolved under reaches the customer in both languages.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use tadhkira_proto::{Mutation, OutOfScope, Role};
use uuid::Uuid;

use crate::helpers::{m, Db, Person, TestApp};
use crate::on_both;

const AUDIT_ROWS: &str = "SELECT COUNT(*) AS n FROM audit_log";
const ACCEPTANCES: &str = "SELECT COUNT(*) AS n FROM terms_acceptances";

/// Terms whose every text names `mark` (so a test can look for it anywhere).
fn content(mark: &str) -> Value {
    let pages = |lang: &str| {
        json!({
            "scope": format!("{lang} scope {mark}"),
            "exclusions": format!("{lang} exclusions {mark}"),
            "limitations": format!("{lang} limitations {mark}"),
            "obligations": format!("{lang} obligations {mark}"),
            "channels": format!("{lang} channels {mark}"),
        })
    };
    json!({
        "en": pages("en"),
        "ar": pages("ar"),
        "exclusions": [
            {"key": "personal_devices", "en": "Personal devices", "ar": "الأجهزة الشخصية"},
            {"key": "training", "en": "Training", "ar": "التدريب"},
        ],
    })
}

async fn ok(app: &TestApp, who: &Person, method: Method, path: &str, body: Option<Value>) -> Value {
    let (status, answer) = app.call(method.clone(), path, Some(&who.token), body).await;
    assert!(status.is_success(), "{method} {path}: {status} {answer}");
    answer
}

async fn publish(app: &TestApp, admin: &Person, mark: &str) -> Value {
    ok(
        app,
        admin,
        Method::PUT,
        "/admin/terms/draft",
        Some(content(mark)),
    )
    .await;
    ok(app, admin, Method::POST, "/admin/terms/publish", None).await
}

/// The entities of `kind` in everything `who` pulls.
async fn pulled(app: &TestApp, who: &Person, kind: &str) -> Vec<Value> {
    app.pull_all(who)
        .await
        .into_iter()
        .filter(|c| c["entity"]["kind"] == kind)
        .map(|c| c["entity"]["data"].clone())
        .collect()
}

fn filing(title: &str, terms_version: Option<i64>) -> (Uuid, tadhkira_proto::MutationEnvelope) {
    let id = Uuid::now_v7();
    let Mutation::CreateTicket(mut t) = m::new_ticket(id, title, None) else {
        unreachable!()
    };
    t.terms_version = terms_version;
    (id, m::envelope(Mutation::CreateTicket(t)))
}

async fn only_admins_edit_the_terms_and_the_checklists(db: Db) {
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
    ok(
        &app,
        &c.admin,
        Method::POST,
        &format!("/admin/users/{}/disable", former.id),
        None,
    )
    .await;
    let org_a = app
        .server
        .store
        .organisation_by_name("Org A")
        .await
        .unwrap()
        .id;

    let endpoints = |org: Uuid| -> Vec<(Method, String, Option<Value>)> {
        vec![
            (Method::GET, "/admin/terms".into(), None),
            (
                Method::PUT,
                "/admin/terms/draft".into(),
                Some(content("matrix")),
            ),
            (Method::POST, "/admin/terms/publish".into(), None),
            (Method::GET, "/admin/checklists".into(), None),
            (
                Method::PUT,
                "/admin/checklists".into(),
                Some(json!({"category": "Printing", "items": [
                    {"id": "paper_checked", "en": "I checked the paper tray", "ar": "تحققت من درج الورق"}
                ]})),
            ),
            (
                Method::GET,
                format!("/admin/organisations/{org}/acceptances"),
                None,
            ),
        ]
    };
    let real = endpoints(org_a);
    let made_up = endpoints(Uuid::now_v7());
    let audit_before = app.count_on_database(AUDIT_ROWS).await;
    for (method, path, body) in real.iter().chain(&made_up) {
        let (status, answer) = app.call(method.clone(), path, None, body.clone()).await;
        assert_eq!(
            status,
            StatusCode::UNAUTHORIZED,
            "{method} {path}: {answer}"
        );
        let (status, answer) = app
            .call(method.clone(), path, Some(&former.token), body.clone())
            .await;
        assert_eq!(
            status,
            StatusCode::UNAUTHORIZED,
            "{method} {path} as a disabled admin: {answer}"
        );
        for who in [&c.customer_a, &c.lapsed, &c.agent, &tier2, &tier3] {
            let (status, answer) = app
                .call(method.clone(), path, Some(&who.token), body.clone())
                .await;
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
    // Nothing was published by anyone: every signed-in user hears 404, nobody else 401.
    let (status, _) = app.call(Method::GET, "/terms", None, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    for who in [&c.customer_a, &c.agent, &c.admin] {
        let (status, answer) = app.get(who, "/terms").await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{answer}");
        assert_eq!(answer["code"], "not_found");
    }

    // The admin gets in everywhere; each write leaves exactly one audit row.
    for (method, path, body) in &real {
        let before = app.count_on_database(AUDIT_ROWS).await;
        ok(&app, &c.admin, method.clone(), path, body.clone()).await;
        let expected = i64::from(*method != Method::GET);
        assert_eq!(
            app.count_on_database(AUDIT_ROWS).await - before,
            expected,
            "{method} {path}"
        );
    }
    // Published now: everyone signed in reads it.
    for who in [&c.customer_a, &c.lapsed, &c.agent] {
        let (status, terms) = app.get(who, "/terms").await;
        assert_eq!(status, StatusCode::OK, "{terms}");
        assert_eq!(terms["version"], 1);
    }
    // An organisation that does not exist is the admin's to know about.
    let (status, _) = app
        .call(
            Method::GET,
            &format!("/admin/organisations/{}/acceptances", Uuid::now_v7()),
            Some(&c.admin.token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // With no draft left, publishing says so and writes nothing.
    let before = app.count_on_database(AUDIT_ROWS).await;
    let (status, answer) = app
        .call(
            Method::POST,
            "/admin/terms/publish",
            Some(&c.admin.token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
    assert_eq!(answer["code"], "invalid");
    assert_eq!(app.count_on_database(AUDIT_ROWS).await, before);
    // Bad content is refused with a clear code: a malformed or repeated exclusion key,
    // an empty page, a repeated check.
    let mut bad_key = content("bad");
    bad_key["exclusions"][0]["key"] = json!("Personal Devices");
    let mut twice = content("bad");
    twice["exclusions"][1]["key"] = json!("personal_devices");
    let mut empty = content("bad");
    empty["ar"]["scope"] = json!("   ");
    for body in [bad_key, twice, empty] {
        let (status, answer) = app
            .call(
                Method::PUT,
                "/admin/terms/draft",
                Some(&c.admin.token),
                Some(body),
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
        assert_eq!(answer["code"], "invalid");
    }
    let repeated = json!({"category": "x", "items": [
        {"id": "same", "en": "a", "ar": "أ"}, {"id": "same", "en": "b", "ar": "ب"}]});
    let (status, answer) = app
        .call(
            Method::PUT,
            "/admin/checklists",
            Some(&c.admin.token),
            Some(repeated),
        )
        .await;
    assert_eq!(
        (status, answer["code"].clone()),
        (StatusCode::BAD_REQUEST, json!("invalid")),
        "{answer}"
    );
    assert_eq!(
        app.count_on_database(AUDIT_ROWS).await,
        before,
        "refused content changes nothing"
    );
    app.finish().await;
}
on_both!(only_admins_edit_the_terms_and_the_checklists);

async fn customers_see_only_published_terms(db: Db) {
    let app = TestApp::spawn(db).await;
    let c = app.cast().await;
    ok(
        &app,
        &c.admin,
        Method::PUT,
        "/admin/terms/draft",
        Some(content("first-draft")),
    )
    .await;
    let (status, _) = app.get(&c.customer_a, "/terms").await;
    assert_eq!(status, StatusCode::NOT_FOUND, "a draft is not published");
    assert!(pulled(&app, &c.customer_a, "support_terms")
        .await
        .is_empty());
    assert!(
        pulled(&app, &c.agent, "support_terms").await.is_empty(),
        "nor pulled by staff"
    );

    let v1 = ok(&app, &c.admin, Method::POST, "/admin/terms/publish", None).await;
    assert_eq!(v1["version"], 1);
    ok(
        &app,
        &c.admin,
        Method::PUT,
        "/admin/terms/draft",
        Some(content("secret-second-draft")),
    )
    .await;
    let (_, current) = app.get(&c.customer_a, "/terms").await;
    assert_eq!(current["version"], 1);
    assert_eq!(current["content"]["ar"]["scope"], "ar scope first-draft");
    for who in [&c.customer_a, &c.customer_b, &c.lapsed, &c.agent] {
        let all = app.pull_all(who).await;
        let text = serde_json::to_string(&all).unwrap();
        assert!(
            !text.contains("secret-second-draft"),
            "a draft never reaches {}",
            who.email
        );
        let terms = pulled(&app, who, "support_terms").await;
        assert_eq!(terms.len(), 1, "{}", who.email);
        assert_eq!(terms[0]["version"], 1);
        assert_eq!(
            terms[0]["content"]["en"]["channels"],
            "en channels first-draft"
        );
    }
    // The admin sees both.
    let admin_view = ok(&app, &c.admin, Method::GET, "/admin/terms", None).await;
    assert_eq!(admin_view["published"]["version"], 1);
    assert_eq!(
        admin_view["draft"]["content"]["en"]["scope"],
        "en scope secret-second-draft"
    );

    let v2 = ok(&app, &c.admin, Method::POST, "/admin/terms/publish", None).await;
    assert_eq!(v2["version"], 2);
    let (_, current) = app.get(&c.customer_b, "/terms").await;
    assert_eq!(
        current["content"]["en"]["scope"],
        "en scope secret-second-draft"
    );
    let versions: Vec<i64> = pulled(&app, &c.customer_b, "support_terms")
        .await
        .iter()
        .map(|t| t["version"].as_i64().unwrap())
        .collect();
    assert_eq!(
        versions,
        [1, 2],
        "published versions are kept, never edited"
    );
    let audit = ok(
        &app,
        &c.admin,
        Method::GET,
        "/admin/audit?action=terms.publish",
        None,
    )
    .await;
    assert_eq!(audit["total"], 2);
    app.finish().await;
}
on_both!(customers_see_only_published_terms);

async fn an_acceptance_is_recorded_once_per_organisation_and_version(db: Db) {
    let app = TestApp::spawn(db).await;
    let c = app.cast().await;
    let colleague = app
        .person("a2@org-a.example", Role::Customer, Some("Org A"), None)
        .await;
    publish(&app, &c.admin, "v1").await;

    // A version that was never published cannot be accepted.
    let (_, never) = filing("Accepting version seven", Some(7));
    let refused = app.push(&c.customer_a, &[never]).await;
    assert_eq!(refused[0]["code"], "invalid", "{refused:?}");

    let (first, accept) = filing("Printer offline", Some(1));
    let applied = app.push(&c.customer_a, std::slice::from_ref(&accept)).await;
    assert_eq!(applied[0]["outcome"], "applied", "{applied:?}");
    // The outbox sends it again (no answer reached it): the first result, nothing more.
    let again = app.push(&c.customer_a, std::slice::from_ref(&accept)).await;
    assert_eq!(again[0]["outcome"], "duplicate", "{again:?}");
    assert_eq!(again[0]["result"], applied[0]["result"]);
    // A colleague who ticked it too, offline, before the first acceptance reached them.
    let (_, late) = filing("Scanner jams", Some(1));
    let applied_late = app.push(&colleague, &[late]).await;
    assert_eq!(applied_late[0]["outcome"], "applied");
    assert_eq!(app.count_on_database(ACCEPTANCES).await, 1);

    let list = ok(
        &app,
        &c.admin,
        Method::GET,
        &format!(
            "/admin/organisations/{}/acceptances",
            app.server
                .store
                .organisation_by_name("Org A")
                .await
                .unwrap()
                .id
        ),
        None,
    )
    .await;
    let rows = list["acceptances"].as_array().unwrap();
    assert_eq!(rows.len(), 1, "{list}");
    assert_eq!(rows[0]["version"], 1);
    assert_eq!(rows[0]["user_id"], json!(c.customer_a.id));
    assert_eq!(rows[0]["ticket_id"], json!(first));
    assert!(rows[0]["accepted_at"].is_string());

    // Staff see it on the ticket; the organisation's own clients pull it, others not.
    let (_, detail) = app.get(&c.agent, &format!("/tickets/{first}")).await;
    let accepted: Vec<&Value> = detail["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"]["type"] == "terms_accepted")
        .collect();
    assert_eq!(accepted.len(), 1, "{detail}");
    assert_eq!(accepted[0]["kind"]["terms_version"], 1);
    assert_eq!(pulled(&app, &colleague, "terms_accepted").await.len(), 1);
    assert_eq!(pulled(&app, &c.agent, "terms_accepted").await.len(), 1);
    assert!(pulled(&app, &c.customer_b, "terms_accepted")
        .await
        .is_empty());

    // A new version is accepted anew.
    publish(&app, &c.admin, "v2").await;
    let (_, accept2) = filing("Wi-Fi drops", Some(2));
    assert_eq!(
        app.push(&colleague, &[accept2]).await[0]["outcome"],
        "applied"
    );
    assert_eq!(app.count_on_database(ACCEPTANCES).await, 2);
    app.finish().await;
}
on_both!(an_acceptance_is_recorded_once_per_organisation_and_version);

async fn the_customer_reads_why_a_ticket_is_outside_the_terms_in_both_languages(db: Db) {
    let app = TestApp::spawn(db).await;
    let c = app.cast().await;
    let (ticket, filed) = filing("My home laptop is slow", None);
    let out = |exclusion: &str| {
        m::envelope(Mutation::ResolveOutOfScope(OutOfScope {
            ticket_id: ticket,
            exclusion: exclusion.into(),
        }))
    };
    assert_eq!(
        app.push(&c.customer_a, &[filed]).await[0]["outcome"],
        "applied"
    );
    // Before any terms are published there is no exclusion to name.
    let none = app.push(&c.agent, &[out("personal_devices")]).await;
    assert_eq!(none[0]["code"], "invalid", "{none:?}");
    publish(&app, &c.admin, "v1").await;

    let refused = app.push(&c.customer_a, &[out("personal_devices")]).await;
    assert_eq!(
        refused[0]["code"], "forbidden",
        "customers do not: {refused:?}"
    );
    let unknown = app.push(&c.agent, &[out("not_an_exclusion")]).await;
    assert_eq!(unknown[0]["code"], "invalid", "{unknown:?}");
    let malformed = app.push(&c.agent, &[out("Not A Key")]).await;
    assert_eq!(malformed[0]["code"], "invalid", "{malformed:?}");

    let audit_before = app.count_on_database(AUDIT_ROWS).await;
    let resolved = app.push(&c.agent, &[out("personal_devices")]).await;
    assert_eq!(resolved[0]["outcome"], "applied", "{resolved:?}");
    assert_eq!(app.count_on_database(AUDIT_ROWS).await, audit_before + 1);
    let audit = ok(
        &app,
        &c.admin,
        Method::GET,
        &format!("/admin/audit?action=ticket.out_of_scope&target={ticket}"),
        None,
    )
    .await;
    assert_eq!(audit["total"], 1, "{audit}");
    assert_eq!(audit["entries"][0]["actor_id"], json!(c.agent.id));

    let (status, detail) = app.get(&c.customer_a, &format!("/tickets/{ticket}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(detail["ticket"]["status"], "solved");
    let reason = detail["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"]["type"] == "out_of_scope")
        .unwrap_or_else(|| panic!("the customer sees the reason: {detail}"));
    assert_eq!(reason["kind"]["exclusion"], "personal_devices");
    assert_eq!(reason["kind"]["terms_version"], 1);
    assert_eq!(reason["kind"]["label_en"], "Personal devices");
    assert_eq!(reason["kind"]["label_ar"], "الأجهزة الشخصية");
    // And through the feed, as their app gets it offline.
    let events = pulled(&app, &c.customer_a, "event").await;
    let pulled_reason = events
        .iter()
        .find(|e| e["kind"]["type"] == "out_of_scope")
        .expect("pulled");
    assert_eq!(pulled_reason["kind"]["label_ar"], "الأجهزة الشخصية");
    assert!(pulled(&app, &c.customer_b, "event")
        .await
        .iter()
        .all(|e| e["ticket_id"] != json!(ticket)));

    // A closed ticket is not resolved otherwise.
    let (_, d) = app.get(&c.agent, &format!("/tickets/{ticket}")).await;
    let seen = d["ticket"]["versions"]["status"].as_i64().unwrap();
    let close = m::envelope(m::set(
        ticket,
        tadhkira_proto::FieldValue::Status(tadhkira_proto::Status::Closed),
        seen,
    ));
    assert_eq!(app.push(&c.agent, &[close]).await[0]["outcome"], "applied");
    let closed = app.push(&c.agent, &[out("training")]).await;
    assert_eq!(closed[0]["code"], "invalid", "{closed:?}");
    app.finish().await;
}
on_both!(the_customer_reads_why_a_ticket_is_outside_the_terms_in_both_languages);

async fn a_checklist_is_one_per_category_and_reaches_every_client(db: Db) {
    let app = TestApp::spawn(db).await;
    let c = app.cast().await;
    let first = ok(
        &app,
        &c.admin,
        Method::PUT,
        "/admin/checklists",
        Some(json!({"category": " Printing ", "items": [
        {"id": "paper_checked", "en": "I checked the paper tray", "ar": "تحققت من درج الورق"}]})),
    )
    .await;
    assert_eq!(first["category"], "Printing");
    // The same category in other letters replaces that list.
    let second = ok(
        &app,
        &c.admin,
        Method::PUT,
        "/admin/checklists",
        Some(json!({"category": "printing", "items": [
        {"id": "paper_checked", "en": "I checked the paper tray", "ar": "تحققت من درج الورق"},
        {"id": "restarted", "en": "I restarted the printer", "ar": "أعدت تشغيل الطابعة"}]})),
    )
    .await;
    assert_eq!(second["id"], first["id"]);
    ok(
        &app,
        &c.admin,
        Method::PUT,
        "/admin/checklists",
        Some(json!({"category": "", "items": [
        {"id": "restarted", "en": "I restarted the device", "ar": "أعدت تشغيل الجهاز"}]})),
    )
    .await;
    let all = ok(&app, &c.admin, Method::GET, "/admin/checklists", None).await;
    let categories: Vec<&Value> = all["checklists"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| &l["category"])
        .collect();
    assert_eq!(categories, [&json!(""), &json!("printing")]);
    for who in [&c.customer_a, &c.lapsed, &c.agent] {
        let lists = pulled(&app, who, "checklist").await;
        assert_eq!(lists.len(), 2, "{}: {lists:?}", who.email);
        let printing = lists.iter().find(|l| l["id"] == first["id"]).unwrap();
        assert_eq!(printing["items"][1]["ar"], "أعدت تشغيل الطابعة");
    }
    app.finish().await;
}
on_both!(a_checklist_is_one_per_category_and_reaches_every_client);

/// The server holds a customer's ticket to the terms in force whichever way it comes
/// (push or REST): refused `terms_not_accepted` until the organisation accepted the
/// newest version, accepted with it; staff filing for a customer are not held.
async fn a_customer_files_only_under_the_terms_in_force(db: Db) {
    let app = TestApp::spawn(db).await;
    let c = app.cast().await;
    // No terms published: nothing to accept.
    let (_, before) = filing("Before any terms", None);
    assert_eq!(
        app.push(&c.customer_a, &[before]).await[0]["outcome"],
        "applied"
    );

    publish(&app, &c.admin, "v1").await;
    let (_, plain) = filing("Printer offline", None);
    let refused = app.push(&c.customer_a, std::slice::from_ref(&plain)).await;
    assert_eq!(refused[0]["outcome"], "rejected", "{refused:?}");
    assert_eq!(refused[0]["code"], "terms_not_accepted", "{refused:?}");
    assert!(
        refused[0]["message"]
            .as_str()
            .unwrap()
            .contains("version 1"),
        "{refused:?}"
    );
    let rest = json!({
        "id": Uuid::now_v7(), "title": "Printer offline", "description": "It blinks",
        "priority": "low", "channel": "desktop", "contact": {}
    });
    let (status, body) = app
        .call(
            Method::POST,
            "/tickets",
            Some(&c.customer_a.token),
            Some(rest),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(body["code"], "terms_not_accepted", "{body}");
    // Staff logging a ticket for the customer are not held to the customer's form.
    let for_them = m::envelope(m::new_ticket(
        Uuid::now_v7(),
        "Phoned in",
        Some(c.customer_a.id),
    ));
    assert_eq!(
        app.push(&c.agent, &[for_them]).await[0]["outcome"],
        "applied"
    );
    assert_eq!(app.count_on_database(ACCEPTANCES).await, 0);

    // Accepted with a ticket; the organisation's next tickets need nothing more.
    let (_, accept) = filing("Printer offline", Some(1));
    assert_eq!(
        app.push(&c.customer_a, &[accept]).await[0]["outcome"],
        "applied"
    );
    let (_, next) = filing("Scanner jams", None);
    assert_eq!(
        app.push(&c.customer_a, &[next]).await[0]["outcome"],
        "applied"
    );
    // Another organisation has not accepted it.
    let (_, other) = filing("Wi-Fi drops", None);
    assert_eq!(
        app.push(&c.customer_b, &[other]).await[0]["code"],
        "terms_not_accepted"
    );

    // A new version holds the organisation again, an acceptance of the old one too.
    // In one batch (one transaction, which asks about the terms once): held until the
    // ticket that accepts it, then free.
    publish(&app, &c.admin, "v2").await;
    let batch = [
        filing("Monitor flickers", Some(1)).1,
        filing("Monitor still flickers", None).1,
        filing("Monitor flickers", Some(2)).1,
        filing("Keyboard sticks", None).1,
    ];
    let answers = app.push(&c.customer_a, &batch).await;
    let codes: Vec<&str> = answers
        .iter()
        .map(|a| a["code"].as_str().unwrap_or(a["outcome"].as_str().unwrap()))
        .collect();
    assert_eq!(
        codes,
        [
            "terms_not_accepted",
            "terms_not_accepted",
            "applied",
            "applied"
        ],
        "{answers:?}"
    );
    assert_eq!(app.count_on_database(ACCEPTANCES).await, 2);
    app.finish().await;
}
on_both!(a_customer_files_only_under_the_terms_in_force);
