//! Writing knowledge-base articles through the engine (issue 17, the staff half), against
//! a real server: the app's editor calls these.
//!
//! A save is a plain call to the server, never queued (it needs the server's answer: a
//! colleague's newer version is refused `conflict`, versions live on the server), and
//! the answer is kept in the writer's store at once. A draft stays out of a customer's
//! store and suggestions; published, it is suggested after the customer's next pull.
//! Versions are listed and restored; offline, a save fails `Offline` and changes
//! nothing locally; a customer is refused before anything is sent.

use serde_json::json;
use tadhkira_client::EngineError;
use tadhkira_proto::{ArticleChanges, ArticleStatus, ErrorCode, NewArticle};
use tadhkira_tests::server::spawn_server;

/// Words no demo article has, so the suggestion is this article's alone.
const WORDS: &str = "plotter ribbon smudges diagonally";

fn new_article(title: &str, body: &str) -> NewArticle {
    serde_json::from_value(json!({
        "title": title, "body": body, "lang": "en",
        "category": "Printing", "tags": ["plotter"],
    }))
    .expect("a valid article")
}

fn changes(value: serde_json::Value) -> ArticleChanges {
    serde_json::from_value(value).expect("valid changes")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_write_publish_and_restore_articles_that_customers_then_find() {
    let mut server = spawn_server();
    server.demo();
    let agent = server.device("l1@tadhkira.example").await;
    let colleague = server.device("l2@tadhkira.example").await;
    let customer = server.device("customer@nile.example").await;

    // A draft: in the writer's store at once, without waiting for a pull.
    let draft = agent
        .engine
        .create_article(&new_article(
            "Plotter ribbon smudges diagonally",
            "Clean the ribbon guide, then print a test page.",
        ))
        .await
        .expect("created");
    assert_eq!(draft.status, ArticleStatus::Draft, "draft unless asked");
    assert_eq!(draft.version, 1);
    let local = agent.engine.article(draft.id).await.expect("kept locally");
    assert_eq!(local, draft);
    assert!(agent
        .engine
        .articles(true)
        .await
        .expect("list")
        .iter()
        .any(|a| a.id == draft.id));

    // The customer never sees the draft.
    customer.engine.sync_now().await.expect("sync");
    assert!(matches!(
        customer.engine.article(draft.id).await,
        Err(EngineError::NotFound(_))
    ));
    let hits = customer
        .engine
        .related_articles(WORDS, Some("en"), 5)
        .await
        .expect("suggestions");
    assert!(
        hits.iter().all(|h| h.id != draft.id),
        "a draft is suggested"
    );

    // Published: suggested to the customer after the next pull.
    let published = agent
        .engine
        .update_article(
            draft.id,
            &changes(json!({ "status": "published", "seen_version": 1 })),
        )
        .await
        .expect("published");
    assert_eq!(published.status, ArticleStatus::Published);
    assert_eq!(published.version, 2);
    customer.engine.sync_now().await.expect("sync");
    let hits = customer
        .engine
        .related_articles(WORDS, Some("en"), 5)
        .await
        .expect("suggestions");
    assert_eq!(hits.first().map(|h| h.id), Some(draft.id), "{hits:?}");

    // A colleague edits; the first writer's save over the version they saw is refused,
    // and the colleague's text stands.
    colleague.engine.sync_now().await.expect("sync");
    let edited = colleague
        .engine
        .update_article(
            draft.id,
            &changes(json!({ "body": "Replace the ribbon.", "seen_version": 2 })),
        )
        .await
        .expect("colleague's save");
    assert_eq!(
        (edited.category.as_deref(), edited.tags.clone()),
        (Some("Printing"), vec!["plotter".to_owned()]),
        "a body-only save keeps the rest"
    );
    let stale = agent
        .engine
        .update_article(
            draft.id,
            &changes(json!({ "body": "Shake the ribbon.", "seen_version": 2 })),
        )
        .await
        .expect_err("stale save");
    assert_eq!(stale.server_code(), Some(ErrorCode::Conflict), "{stale:?}");

    // Versions: every earlier state, newest first; restoring one is a save itself.
    let versions = agent
        .engine
        .article_versions(draft.id)
        .await
        .expect("versions");
    let numbers: Vec<i64> = versions.iter().map(|v| v.version).collect();
    assert_eq!(numbers, [2, 1], "{versions:?}");
    let restored = agent
        .engine
        .restore_article_version(draft.id, 1)
        .await
        .expect("restored");
    assert_eq!(
        restored.body,
        "Clean the ribbon guide, then print a test page."
    );
    assert_eq!(restored.version, 4);
    assert_eq!(
        agent.engine.article(draft.id).await.expect("local").version,
        4,
        "the restore is kept locally at once"
    );
    let after: Vec<i64> = agent
        .engine
        .article_versions(draft.id)
        .await
        .expect("versions")
        .iter()
        .map(|v| v.version)
        .collect();
    assert_eq!(after, [3, 2, 1], "the replaced text is kept too");

    // A translation joins the article's group.
    let mut arabic = new_article(
        "الراسمة تلطخ الشريط بشكل مائل",
        "نظّف دليل الشريط ثم اطبع صفحة اختبار.",
    );
    arabic.lang = tadhkira_proto::ArticleLang::Ar;
    arabic.translation_of = Some(draft.id);
    let translation = agent
        .engine
        .create_article(&arabic)
        .await
        .expect("translation");
    assert_eq!(translation.group_id, draft.group_id);

    // A customer is refused before anything is sent.
    let refused = customer
        .engine
        .create_article(&new_article("Customer article", "Text"))
        .await
        .expect_err("customers do not write articles");
    assert!(matches!(refused, EngineError::Invalid(_)), "{refused:?}");
    let refused = customer
        .engine
        .article_versions(draft.id)
        .await
        .expect_err("nor read versions");
    assert!(matches!(refused, EngineError::Invalid(_)), "{refused:?}");

    // Offline: refused as offline, nothing kept locally, nothing queued.
    server.stop();
    let before = agent.engine.articles(true).await.expect("list").len();
    let offline = agent
        .engine
        .create_article(&new_article("Written on the plane", "Text"))
        .await
        .expect_err("offline");
    assert!(matches!(offline, EngineError::Offline(_)), "{offline:?}");
    assert_eq!(
        agent.engine.articles(true).await.expect("list").len(),
        before
    );
    assert!(agent.engine.outbox().await.expect("outbox").is_empty());
}
