//! The knowledge base: customers see published articles only — through the list, the
//! detail, search, pull and live events alike — an article that stops being published
//! is withdrawn from their stores, every save keeps the previous version (restorable by
//! staff), and "this solved it" is counted once per mutation.

use std::time::Duration;

use futures::StreamExt;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use tadhkira_proto::{Deflection, Mutation};
use uuid::Uuid;

use crate::helpers::{m, Db, Person, TestApp, HEAD_AT_START};
use crate::on_both;

/// Writes an article as `who`; answers the status and body.
async fn write(app: &TestApp, who: &Person, body: Value) -> (StatusCode, Value) {
    app.call(Method::POST, "/articles", Some(&who.token), Some(body))
        .await
}

/// Writes an article as staff and answers its id.
async fn article(app: &TestApp, who: &Person, title: &str, status: &str) -> String {
    let (s, body) = write(
        app,
        who,
        json!({"title": title, "body": format!("How to fix: {title}"), "lang": "en",
               "category": "Printing", "tags": ["printer"], "status": status}),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{body}");
    body["id"].as_str().unwrap().to_owned()
}

async fn patch(app: &TestApp, who: &Person, id: &str, body: Value) -> (StatusCode, Value) {
    app.call(
        Method::PATCH,
        &format!("/articles/{id}"),
        Some(&who.token),
        Some(body),
    )
    .await
}

/// Pulls from `cursor` to the end; answers the changes and the new cursor.
async fn pull_from(app: &TestApp, who: &Person, mut cursor: i64) -> (Vec<Value>, i64) {
    let mut all = Vec::new();
    loop {
        let (s, body) = app
            .get(who, &format!("/sync/pull?cursor={cursor}&limit=500"))
            .await;
        assert_eq!(s, StatusCode::OK, "{body}");
        all.extend(body["changes"].as_array().unwrap().iter().cloned());
        cursor = body["cursor"].as_i64().unwrap();
        if !body["has_more"].as_bool().unwrap() {
            return (all, cursor);
        }
    }
}

/// The (kind, id) of each pulled change about an article.
fn article_changes(changes: &[Value]) -> Vec<(String, String)> {
    changes
        .iter()
        .filter(|c| {
            matches!(
                c["entity"]["kind"].as_str(),
                Some("article" | "article_withdrawn")
            )
        })
        .map(|c| {
            (
                c["entity"]["kind"].as_str().unwrap().to_owned(),
                c["entity"]["data"]["id"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn titles(list: &Value) -> Vec<String> {
    list["articles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["title"].as_str().unwrap().to_owned())
        .collect()
}

/// Reads the `changes` events of a stream for `window`; answers their seqs.
async fn event_seqs(resp: reqwest::Response, window: Duration) -> Vec<i64> {
    let mut stream = resp.bytes_stream();
    let mut text = String::new();
    let _ = tokio::time::timeout(window, async {
        while let Some(Ok(chunk)) = stream.next().await {
            text.push_str(&String::from_utf8_lossy(&chunk));
        }
    })
    .await;
    text.lines()
        .filter_map(|l| l.strip_prefix("data:"))
        .filter_map(|d| serde_json::from_str::<Value>(d.trim()).ok())
        .filter_map(|v| v["seq"].as_i64())
        .collect()
}

async fn a_customer_never_sees_a_draft_or_archived_article(db: Db) {
    let app = TestApp::spawn(db).await;
    let c = app.cast().await;
    let open = |who: &Person| {
        app.http
            .get(app.url("/events"))
            .bearer_auth(who.token.clone())
            .send()
    };
    let customer_events = open(&c.customer_a).await.unwrap();
    let agent_events = open(&c.agent).await.unwrap();
    let draft = article(&app, &c.agent, "Toner replacement draft", "draft").await;
    let archived = article(&app, &c.agent, "Toner for the old printer", "archived").await;
    let published = article(&app, &c.agent, "Toner light is blinking", "published").await;

    // Live events: the customer hears only of the published one (the third change).
    let (customer_seqs, agent_seqs) = tokio::join!(
        event_seqs(customer_events, Duration::from_millis(1500)),
        event_seqs(agent_events, Duration::from_millis(1500))
    );
    assert_eq!(
        customer_seqs,
        vec![HEAD_AT_START, HEAD_AT_START + 3],
        "customer: the published one only"
    );
    // The agent hears of every save: an event means "pull up to here", and notices that
    // queue up while the streams are told are merged into the newest (db/notices.rs),
    // so under load two saves may come as one event; the last names the third save.
    assert_eq!(agent_seqs.first(), Some(&HEAD_AT_START), "{agent_seqs:?}");
    assert_eq!(
        agent_seqs.last(),
        Some(&(HEAD_AT_START + 3)),
        "agent: every save, {agent_seqs:?}"
    );
    assert!(
        agent_seqs.windows(2).all(|w| w[0] < w[1]),
        "agent: in order, each once: {agent_seqs:?}"
    );

    // List and search.
    let (s, list) = app.get(&c.customer_a, "/articles").await;
    assert_eq!(s, StatusCode::OK, "{list}");
    assert_eq!(titles(&list), ["Toner light is blinking"]);
    assert_eq!(list["total"], 1);
    let (_, found) = app.get(&c.customer_a, "/articles?q=toner").await;
    assert_eq!(titles(&found), ["Toner light is blinking"]);
    let (_, asked) = app.get(&c.customer_a, "/articles?status=draft").await;
    assert_eq!(
        titles(&asked),
        ["Toner light is blinking"],
        "status is staff only"
    );
    let (_, staff) = app.get(&c.agent, "/articles?q=toner").await;
    assert_eq!(staff["total"], 3);
    let (_, drafts) = app.get(&c.agent, "/articles?status=draft").await;
    assert_eq!(titles(&drafts), ["Toner replacement draft"]);

    // Detail: a draft's id answers exactly like an id that does not exist.
    for hidden in [&draft, &archived] {
        let (s, body) = app.get(&c.customer_a, &format!("/articles/{hidden}")).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{body}");
        assert_eq!(body["code"], "not_found");
        let (s, _) = app.get(&c.agent, &format!("/articles/{hidden}")).await;
        assert_eq!(s, StatusCode::OK);
    }
    let (_, missing) = app
        .get(&c.customer_a, &format!("/articles/{}", Uuid::now_v7()))
        .await;
    let (_, hidden) = app.get(&c.customer_a, &format!("/articles/{draft}")).await;
    assert_eq!(missing["message"], hidden["message"]);
    let (s, body) = app
        .get(&c.customer_a, &format!("/articles/{published}"))
        .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    assert_eq!(body["deflections"], Value::Null, "the count is for staff");

    // Pull: the published article only; no tombstone names a draft either.
    let customer_pull = article_changes(&app.pull_all(&c.customer_a).await);
    assert_eq!(customer_pull, vec![("article".into(), published.clone())]);
    let agent_pull = article_changes(&app.pull_all(&c.agent).await);
    assert_eq!(agent_pull.len(), 3, "{agent_pull:?}");

    // Writing is for staff.
    let (s, body) = write(
        &app,
        &c.customer_a,
        json!({"title": "Mine", "body": "b", "lang": "en", "status": "published"}),
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{body}");
    let (s, _) = patch(&app, &c.customer_a, &published, json!({"title": "Hacked"})).await;
    assert_eq!(s, StatusCode::FORBIDDEN);

    // A deflection on a draft is refused as if it did not exist.
    let results = app
        .push(
            &c.customer_a,
            &[m::envelope(Mutation::Deflect(Deflection {
                article_id: draft.parse().unwrap(),
            }))],
        )
        .await;
    assert_eq!(results[0]["outcome"], "rejected");
    assert_eq!(results[0]["code"], "not_found");
    app.finish().await;
}
on_both!(a_customer_never_sees_a_draft_or_archived_article);

async fn an_article_that_stops_being_published_is_withdrawn_from_customers(db: Db) {
    let app = TestApp::spawn(db).await;
    let c = app.cast().await;
    let id = article(&app, &c.agent, "Printer shows offline", "published").await;
    let (got, cursor) = pull_from(&app, &c.customer_a, 0).await;
    assert_eq!(article_changes(&got), vec![("article".into(), id.clone())]);

    let (s, body) = patch(&app, &c.agent, &id, json!({"status": "archived"})).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    let (got, cursor) = pull_from(&app, &c.customer_a, cursor).await;
    assert_eq!(
        article_changes(&got),
        vec![("article_withdrawn".into(), id.clone())]
    );
    let withdrawn = got
        .iter()
        .find(|c| c["entity"]["kind"] == "article_withdrawn");
    assert_eq!(
        withdrawn.unwrap()["entity"]["data"],
        json!({"id": id}),
        "the tombstone carries nothing but the id"
    );
    // Edits while it is not published reach staff only.
    let (s, _) = patch(&app, &c.agent, &id, json!({"body": "Secret draft text"})).await;
    assert_eq!(s, StatusCode::OK);
    let (got, cursor) = pull_from(&app, &c.customer_a, cursor).await;
    assert!(article_changes(&got).is_empty(), "{got:?}");
    // A fresh customer store gets no content of it: only the withdrawal of an id that
    // was once public (deleting nothing there).
    assert_eq!(
        article_changes(&app.pull_all(&c.customer_b).await),
        vec![("article_withdrawn".into(), id.clone())]
    );

    // Published again, it comes back with its current text.
    patch(&app, &c.agent, &id, json!({"status": "published"})).await;
    let (got, _) = pull_from(&app, &c.customer_a, cursor).await;
    assert_eq!(article_changes(&got), vec![("article".into(), id.clone())]);
    assert_eq!(got[0]["entity"]["data"]["body"], "Secret draft text");
    app.finish().await;
}
on_both!(an_article_that_stops_being_published_is_withdrawn_from_customers);

async fn every_save_keeps_a_version_that_staff_can_restore(db: Db) {
    let app = TestApp::spawn(db).await;
    let c = app.cast().await;
    let id = article(&app, &c.agent, "VPN keeps disconnecting", "published").await;
    let (s, v2) = patch(
        &app,
        &c.agent,
        &id,
        json!({"body": "Second text", "seen_version": 1}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v2}");
    assert_eq!(v2["version"], 2);
    let (s, v3) = patch(
        &app,
        &c.admin,
        &id,
        json!({"title": "VPN drops", "body": "Third text", "category": null}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v3}");
    assert_eq!(v3["version"], 3);
    assert_eq!(v3["category"], Value::Null);
    assert_eq!(v3["tags"], json!(["printer"]), "untouched fields stay");

    // A save over a version the editor did not see is refused.
    let (s, body) = patch(
        &app,
        &c.agent,
        &id,
        json!({"body": "Stale edit", "seen_version": 2}),
    )
    .await;
    assert_eq!(s, StatusCode::CONFLICT, "{body}");

    let (s, list) = app.get(&c.agent, &format!("/articles/{id}/versions")).await;
    assert_eq!(s, StatusCode::OK, "{list}");
    let versions = list["versions"].as_array().unwrap();
    let kept: Vec<(i64, &str, &str)> = versions
        .iter()
        .map(|v| {
            (
                v["version"].as_i64().unwrap(),
                v["title"].as_str().unwrap(),
                v["body"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        kept,
        [
            (2, "VPN keeps disconnecting", "Second text"),
            (
                1,
                "VPN keeps disconnecting",
                "How to fix: VPN keeps disconnecting"
            ),
        ]
    );
    let (s, _) = app
        .get(&c.customer_a, &format!("/articles/{id}/versions"))
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);

    let (s, restored) = app
        .call(
            Method::POST,
            &format!("/articles/{id}/versions/1/restore"),
            Some(&c.agent.token),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{restored}");
    assert_eq!(restored["version"], 4);
    assert_eq!(restored["title"], "VPN keeps disconnecting");
    assert_eq!(restored["body"], "How to fix: VPN keeps disconnecting");
    let (_, list) = app.get(&c.agent, &format!("/articles/{id}/versions")).await;
    assert_eq!(list["versions"][0]["version"], 3);
    assert_eq!(
        list["versions"][0]["body"], "Third text",
        "the restore kept what it replaced"
    );
    let (s, _) = app
        .call(
            Method::POST,
            &format!("/articles/{id}/versions/9/restore"),
            Some(&c.agent.token),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    app.finish().await;
}
on_both!(every_save_keeps_a_version_that_staff_can_restore);

async fn a_staff_edit_of_a_published_article_reaches_the_next_pull(db: Db) {
    let app = TestApp::spawn(db).await;
    let c = app.cast().await;
    let id = article(&app, &c.agent, "Reset a forgotten password", "published").await;
    let (_, cursor) = pull_from(&app, &c.customer_a, 0).await;
    let (s, _) = patch(&app, &c.agent, &id, json!({"body": "Use the new portal."})).await;
    assert_eq!(s, StatusCode::OK);
    let (got, _) = pull_from(&app, &c.customer_a, cursor).await;
    assert_eq!(got.len(), 1, "{got:?}");
    let data = &got[0]["entity"]["data"];
    assert_eq!(got[0]["entity"]["kind"], "article");
    assert_eq!(data["body"], "Use the new portal.");
    assert_eq!(data["version"], 2);

    // A translation joins the group of the article it translates.
    let (s, ar) = write(
        &app,
        &c.agent,
        json!({"title": "إعادة تعيين كلمة المرور", "body": "استخدم البوابة الجديدة.", "lang": "ar",
               "translation_of": id, "status": "published"}),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{ar}");
    assert_eq!(ar["group_id"], id.as_str());
    let (_, ar_only) = app.get(&c.customer_a, "/articles?lang=ar").await;
    assert_eq!(titles(&ar_only), ["إعادة تعيين كلمة المرور"]);
    app.finish().await;
}
on_both!(a_staff_edit_of_a_published_article_reaches_the_next_pull);

async fn each_deflection_is_counted_once(db: Db) {
    let app = TestApp::spawn(db).await;
    let c = app.cast().await;
    let id = article(&app, &c.agent, "Wi-Fi keeps dropping", "published").await;
    let deflect = || {
        m::envelope(Mutation::Deflect(Deflection {
            article_id: id.parse().unwrap(),
        }))
    };
    let first = deflect();
    let results = app.push(&c.customer_a, &[first.clone(), deflect()]).await;
    assert_eq!(results[0]["outcome"], "applied", "{results:?}");
    assert_eq!(results[1]["outcome"], "applied", "{results:?}");
    // A retry of the first is answered from its record and not counted again.
    let retry = app.push(&c.customer_a, &[first]).await;
    assert_eq!(retry[0]["outcome"], "duplicate", "{retry:?}");
    let (_, staff) = app.get(&c.agent, &format!("/articles/{id}")).await;
    assert_eq!(staff["deflections"], 2);
    app.finish().await;
}
on_both!(each_deflection_is_counted_once);
