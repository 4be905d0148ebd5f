//! The local knowledge base on a real SQLite file: pulled articles are found with or
//! without harakat and tatweel, in the user's language first, published ones only; a
//! withdrawn article leaves the store and its index.

use chrono::Utc;
use tadhkira_proto::{Article, ArticleLang, ArticleStatus, ArticleWithdrawn, Change, Entity, Role};
use uuid::Uuid;

use super::Store;

fn article(title: &str, body: &str, lang: ArticleLang, status: ArticleStatus) -> Article {
    let id = Uuid::now_v7();
    Article {
        id,
        group_id: id,
        lang,
        title: title.into(),
        body: body.into(),
        category: Some("Printing".into()),
        tags: vec![],
        status,
        author_id: Uuid::now_v7(),
        author_name: "Layla".into(),
        version: 1,
        created_at: Utc::now(),
        updated_at: Utc::now(),
        deflections: None,
    }
}

async fn store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let s = Store::open(&dir.path().join("local.db")).await.unwrap();
    (dir, s)
}

async fn pull(s: &Store, entities: Vec<Entity>, cursor: i64) {
    let changes: Vec<Change> = entities
        .into_iter()
        .enumerate()
        .map(|(i, entity)| Change {
            seq: cursor - 10 + i as i64,
            entity,
        })
        .collect();
    let me = super::tests::user(Role::Customer);
    s.apply_pull_page(&changes, cursor, &me, false)
        .await
        .unwrap();
}

async fn found(s: &Store, text: &str, lang: Option<&str>) -> Vec<Uuid> {
    s.related_articles(text, lang, 5)
        .await
        .unwrap()
        .into_iter()
        .map(|h| h.id)
        .collect()
}

/// The demo's kind of knowledge base: a printer article in each language, and others.
fn library() -> Vec<Article> {
    use ArticleLang::{Ar, En};
    use ArticleStatus::Published;
    vec![
        article(
            "الطابعة لا تطبع أو تظهر غير متصلة",
            "أطفئ الطابعة وانتظر ٣٠ ثانية ثم شغّلها.",
            Ar,
            Published,
        ),
        article(
            "Printer shows offline",
            "Switch the printer off and on again.",
            En,
            Published,
        ),
        article(
            "انقطاع الشبكة اللاسلكية في المستودع",
            "الرفوف المعدنية تُضعف الإشارة.",
            Ar,
            Published,
        ),
        article(
            "إعادة تعيين كلمة المرور المنسية",
            "اختر نسيت كلمة المرور.",
            Ar,
            Published,
        ),
        article(
            "VPN keeps disconnecting",
            "Update the VPN client.",
            En,
            Published,
        ),
    ]
}

#[tokio::test]
async fn search_with_and_without_harakat_and_tatweel_finds_the_same_articles() {
    let (_d, s) = store().await;
    let lib = library();
    pull(&s, lib.iter().cloned().map(Entity::Article).collect(), 20).await;
    let plain = found(&s, "الطابعه لا تطبع", Some("ar")).await;
    assert_eq!(plain.first(), Some(&lib[0].id), "the printer article first");
    for typed in [
        "الطّابِعَةُ لا تَطْبَعُ",
        "الطـــابعة لا تطـبع",
        "الطابعة لا تطبع",
        "طابعة لا تطبع",
    ] {
        assert_eq!(found(&s, typed, Some("ar")).await, plain, "{typed:?}");
    }
    // Arabic-Indic and Latin alike, case-folded; nothing for words in no article.
    assert_eq!(
        found(&s, "PRINTER", Some("en")).await.first(),
        Some(&lib[1].id)
    );
    assert!(found(&s, "kettle", None).await.is_empty());
    assert!(found(&s, " ، . ", None).await.is_empty());
}

#[tokio::test]
async fn the_users_language_comes_first_and_matches_are_marked() {
    let (_d, s) = store().await;
    let lib = library();
    pull(&s, lib.iter().cloned().map(Entity::Article).collect(), 20).await;
    // "printer الطابعة": both printer articles match; the user's language leads.
    let both = "printer الطابعة";
    assert_eq!(
        found(&s, both, Some("en")).await,
        [lib[1].id, lib[0].id],
        "English first for an English user"
    );
    assert_eq!(found(&s, both, Some("ar")).await, [lib[0].id, lib[1].id]);
    let hits = s
        .related_articles("الطابعه لا تطبع", Some("ar"), 1)
        .await
        .unwrap();
    let marked: Vec<&str> = hits[0]
        .title
        .iter()
        .filter(|t| t.highlighted)
        .map(|t| t.text.as_str())
        .collect();
    assert_eq!(marked, ["الطابعة", "لا", "تطبع"]);
    let title: String = hits[0].title.iter().map(|t| t.text.as_str()).collect();
    assert_eq!(title, lib[0].title, "the segments are the title, untouched");
}

#[tokio::test]
async fn drafts_are_never_suggested_and_a_withdrawn_article_leaves_the_store() {
    let (_d, s) = store().await;
    let shown = article(
        "Printer jam",
        "Open the tray.",
        ArticleLang::En,
        ArticleStatus::Published,
    );
    let draft = article(
        "Printer toner",
        "Draft.",
        ArticleLang::En,
        ArticleStatus::Draft,
    );
    pull(
        &s,
        vec![
            Entity::Article(shown.clone()),
            Entity::Article(draft.clone()),
        ],
        20,
    )
    .await;
    assert_eq!(found(&s, "printer", None).await, [shown.id]);
    // An edit replaces the stored copy and its index entry.
    let mut edited = shown.clone();
    edited.title = "Paper jam".into();
    edited.version = 2;
    pull(&s, vec![Entity::Article(edited)], 30).await;
    assert!(found(&s, "printer", None).await.is_empty());
    assert_eq!(found(&s, "paper", None).await, [shown.id]);
    assert_eq!(s.article(shown.id).await.unwrap().version, 2);

    pull(
        &s,
        vec![Entity::ArticleWithdrawn(ArticleWithdrawn { id: shown.id })],
        40,
    )
    .await;
    assert!(found(&s, "paper", None).await.is_empty());
    assert!(s.article(shown.id).await.is_err());
    let left: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM article_fts")
        .fetch_one(&s.pool)
        .await
        .unwrap();
    assert_eq!(left, 1, "only the draft's index entry is left");
}
