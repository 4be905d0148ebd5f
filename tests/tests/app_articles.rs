//! The knowledge base in the real app under Xvfb against a real server, as a customer
//! meets it while filing a ticket.
//!
//! Staff (over REST) write two printer articles before the customer's app starts: a
//! draft, and a published one whose Markdown tries everything an article must not do
//! (a script, raw HTML images and frames, a remote Markdown image, all pointing at a
//! listener of the test's own). The customer types "الطابعه لا تطبع" (no harakat, ه for
//! ة) into the new-ticket form: the demo's printer article and the published one are
//! suggested, the draft never. The hostile article renders as text: no script ran, no
//! element fetched anything (the listener saw no connection), its link only asks for
//! confirmation. "Back" returns to the form as it was; "This solved it" on the demo
//! article closes the form, files nothing, and the server counts one deflection.
//!
//! Then staff publish the draft and archive the other one: the open form's suggestions
//! follow without a restart (the withdrawal reaches the app's store). Last, with the
//! server gone, suggestions still come from the local store, and a deflection chosen
//! offline is counted once the server is back.

use std::net::TcpListener;
use std::time::Duration;

use serde_json::{json, Value};
use tadhkira_tests::app::{eventually, launch_app, App};
use tadhkira_tests::rest::Rest;
use tadhkira_tests::server::{spawn_server, PASSWORD};

/// The demo's Arabic printer article (crates/server/src/demo/articles.rs).
const DEMO_PRINTER: &str = "الطابعة لا تطبع أو تظهر غير متصلة";
/// A draft: staff only until published.
const DRAFT: &str = "الطابعة لا تطبع بعد تحديث التعريف";
/// Published, with a body that tries to run script and fetch remote content.
const HOSTILE: &str = "الطابعة لا تطبع إلا صفحات فارغة";
/// What the customer types: no harakat, ه where the articles write ة.
const TYPED: &str = "الطابعه لا تطبع";

/// The deflections the server counted on `id` (a staff view).
async fn deflections(staff: &Rest, id: &str) -> i64 {
    staff.get(&format!("/api/v1/articles/{id}")).await["deflections"]
        .as_i64()
        .expect("staff see the count")
}

/// The texts of the suggested articles' titles, in order.
async fn suggested(app: &App) -> Vec<String> {
    let mut titles = Vec::new();
    let Ok(items) = app
        .driver
        .find_all(fantoccini::Locator::Css(
            r#"[data-testid="related-article"] button.open"#,
        ))
        .await
    else {
        return titles;
    };
    for item in items {
        if let Ok(text) = item.text().await {
            titles.push(text);
        }
    }
    titles
}

/// Waits until the suggestions hold all of `wanted` and none of `unwanted`.
async fn until_suggested(app: &App, what: &str, wanted: &[&str], unwanted: &[&str]) {
    eventually(what, 60, || async {
        let titles = suggested(app).await;
        wanted.iter().all(|w| titles.iter().any(|t| t == w))
            && unwanted.iter().all(|u| titles.iter().all(|t| t != u))
    })
    .await;
}

/// Opens the new-ticket form afresh and types the customer's words into it.
async fn new_ticket_typing(app: &App, title: &str) {
    app.click(r#"[data-testid="nav-tickets"]"#).await;
    app.wait_for(r#"[data-testid="ticket-list"]"#).await;
    app.click(r#"[data-testid="nav-new"]"#).await;
    app.type_into(r#"[data-testid="new-title"]"#, title).await;
    app.type_into(
        r#"[data-testid="new-description"]"#,
        "منذ الصباح الطابعة في الطابق الخامس لا تطبع شيئاً.",
    )
    .await;
}

/// Clicks the suggestion titled `title`.
async fn open_suggestion(app: &App, title: &str) {
    let items = app
        .driver
        .find_all(fantoccini::Locator::Css(
            r#"[data-testid="related-article"] button.open"#,
        ))
        .await
        .expect("suggestions");
    for item in items {
        if item.text().await.expect("title") == title {
            item.click().await.expect("click the suggestion");
            app.wait_for(r#"[data-testid="article-view"]"#).await;
            return;
        }
    }
    panic!("{title:?} is not suggested");
}

/// Runs `script` in the app's page and returns its answer.
async fn js(app: &App, script: &str) -> Value {
    app.driver
        .execute(script, vec![])
        .await
        .unwrap_or_else(|e| panic!("{script}: {e}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_customer_finds_reads_and_is_helped_by_articles_while_filing() {
    let mut server = spawn_server();
    server.demo();
    let staff = Rest::sign_in(&server, "l1@tadhkira.example").await;
    let customer_rest = Rest::sign_in(&server, "customer@nile.example").await;

    // Anything the article's content makes the webview fetch would connect here.
    let remote = TcpListener::bind("127.0.0.1:0").expect("listener");
    remote.set_nonblocking(true).expect("non-blocking");
    let far = format!("http://{}", remote.local_addr().expect("addr"));

    let draft = staff
        .post(
            "/api/v1/articles",
            json!({
                "title": DRAFT, "lang": "ar", "category": "الطباعة", "status": "draft",
                "body": "بعد تحديث تعريف الطابعة، أعد تشغيل الجهاز ثم اطبع صفحة اختبار.",
            }),
        )
        .await;
    let draft_id = draft["id"].as_str().expect("id").to_owned();
    let hostile_body = format!(
        "إذا كانت الطابعة لا تطبع إلا صفحات فارغة فافحص الحبر.\n\n\
         <script>window.__kbPwned = 'script'</script>\n\n\
         <img src=\"{far}/raw.png\" onerror=\"window.__kbPwned = 'img'\">\n\n\
         <iframe src=\"{far}/frame\"></iframe>\n\n\
         ![صورة الخرطوشة]({far}/cartridge.png)\n\n\
         [صفحة دعم الطابعات](https://support.example/printers)\n"
    );
    let hostile = staff
        .post(
            "/api/v1/articles",
            json!({
                "title": HOSTILE, "lang": "ar", "category": "الطباعة",
                "status": "published", "body": hostile_body,
            }),
        )
        .await;
    let hostile_id = hostile["id"].as_str().expect("id").to_owned();
    let demo_id = staff.get("/api/v1/articles?lang=ar&limit=100").await["articles"]
        .as_array()
        .expect("articles")
        .iter()
        .find(|a| a["title"] == DEMO_PRINTER)
        .expect("the demo printer article")["id"]
        .as_str()
        .expect("id")
        .to_owned();
    assert_eq!(deflections(&staff, &demo_id).await, 0);
    let tickets_before = customer_rest.get("/api/v1/tickets").await["total"]
        .as_i64()
        .expect("total");

    let app = launch_app(&server.url()).await;
    app.sign_in("customer@nile.example", PASSWORD).await;
    app.wait_for(r#"[data-testid="ticket-row"]"#).await;

    // Suggestions while typing: the published printer articles, never the draft.
    new_ticket_typing(&app, TYPED).await;
    until_suggested(
        &app,
        "the printer articles suggested, the draft not",
        &[DEMO_PRINTER, HOSTILE],
        &[DRAFT],
    )
    .await;
    assert!(
        !suggested(&app).await.iter().any(|t| t == DRAFT),
        "a draft is never suggested to a customer"
    );
    app.screenshot_if_asked("related-articles-en-light");

    // The hostile article: shown as text, nothing runs, nothing is fetched.
    open_suggestion(&app, HOSTILE).await;
    let body = app.inner_text(r#"[data-testid="article-body"]"#).await;
    assert!(
        body.contains("فافحص الحبر") && body.contains("<script>"),
        "the text, raw HTML shown as the literal text it is: {body}"
    );
    let found = js(
        &app,
        "return document.querySelectorAll('[data-testid=\"article-body\"] :is(script, img, iframe, object, embed)').length",
    )
    .await;
    assert_eq!(found, json!(0), "no script, image or frame element");
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(
        js(&app, "return window.__kbPwned === undefined").await,
        json!(true),
        "no script of the article ran"
    );
    let image = app.text_of(r#"[data-testid="article-image"]"#).await;
    assert!(
        image.contains("صورة الخرطوشة"),
        "the image's description instead of the image: {image}"
    );
    assert!(
        remote.accept().is_err(),
        "the article made the webview connect to {far}"
    );
    // The link asks first, and cancelling leaves the app where it was.
    let page = js(&app, "return location.href").await;
    app.click(r#"[data-testid="article-link"]"#).await;
    let confirm = app.text_of(r#"[data-testid="link-confirm"]"#).await;
    assert!(
        confirm.contains("https://support.example/printers"),
        "the address shown before opening: {confirm}"
    );
    app.click(r#"[data-testid="link-cancel"]"#).await;
    eventually("the confirmation closes", 10, || async {
        app.driver
            .find_all(fantoccini::Locator::Css(r#"[data-testid="link-confirm"]"#))
            .await
            .map(|v| v.is_empty())
            .unwrap_or(false)
    })
    .await;
    assert_eq!(js(&app, "return location.href").await, page);

    // Back to the form as it was.
    app.click(r#"[data-testid="article-back"]"#).await;
    let title = app
        .wait_for(r#"[data-testid="new-title"]"#)
        .await
        .prop("value")
        .await
        .expect("title")
        .unwrap_or_default();
    assert_eq!(title, TYPED, "the form kept what was typed");

    // "This solved it": the form closes, one deflection, no ticket.
    open_suggestion(&app, DEMO_PRINTER).await;
    let body = app.inner_text(r#"[data-testid="article-body"]"#).await;
    assert!(body.contains("اطبع صفحة اختبار"), "{body}");
    app.screenshot_if_asked("article-view-en-light");
    app.click(r#"[data-testid="article-solved"]"#).await;
    app.wait_for(r#"[data-testid="ticket-list"]"#).await;
    eventually("the server counts the deflection", 60, || async {
        deflections(&staff, &demo_id).await >= 1
    })
    .await;
    assert_eq!(
        deflections(&staff, &demo_id).await,
        1,
        "one deflection, not more"
    );
    app.click(r#"[data-testid="nav-outbox"]"#).await;
    app.wait_for(r#"[data-testid="outbox-empty"]"#).await;
    assert_eq!(
        customer_rest.get("/api/v1/tickets").await["total"],
        json!(tickets_before),
        "nothing was filed"
    );
    assert_eq!(deflections(&staff, &hostile_id).await, 0);

    // Staff publish the draft and archive the other: the open form follows.
    new_ticket_typing(&app, TYPED).await;
    until_suggested(&app, "suggestions before the change", &[HOSTILE], &[DRAFT]).await;
    staff
        .patch(
            &format!("/api/v1/articles/{draft_id}"),
            json!({ "status": "published" }),
        )
        .await;
    staff
        .patch(
            &format!("/api/v1/articles/{hostile_id}"),
            json!({ "status": "archived" }),
        )
        .await;
    until_suggested(
        &app,
        "the published draft suggested, the archived article gone",
        &[DEMO_PRINTER, DRAFT],
        &[HOSTILE],
    )
    .await;

    // Offline: suggestions from the local store; the deflection waits for the server.
    server.stop();
    new_ticket_typing(&app, TYPED).await;
    until_suggested(
        &app,
        "suggestions offline",
        &[DEMO_PRINTER, DRAFT],
        &[HOSTILE],
    )
    .await;
    open_suggestion(&app, DRAFT).await;
    app.click(r#"[data-testid="article-solved"]"#).await;
    app.wait_for(r#"[data-testid="ticket-list"]"#).await;
    server.start();
    eventually("the offline deflection reaches the server", 60, || async {
        deflections(&staff, &draft_id).await >= 1
    })
    .await;
    app.click(r#"[data-testid="nav-outbox"]"#).await;
    app.wait_for(r#"[data-testid="outbox-empty"]"#).await;
    assert_eq!(deflections(&staff, &draft_id).await, 1);
    assert_eq!(deflections(&staff, &demo_id).await, 1);
    assert_eq!(
        customer_rest.get("/api/v1/tickets").await["total"],
        json!(tickets_before),
        "still nothing filed"
    );
    assert!(remote.accept().is_err(), "nothing ever connected to {far}");

    app.close().await;
}
