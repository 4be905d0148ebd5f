//! The knowledge base's staff half in the real app under Xvfb against a real server
//! (issue 17).
//!
//! A customer has filed a ticket about a plotter (over REST). An agent, in the app,
//! writes an article in the editor — its Markdown previewed live and safely, a script
//! in it rendered as text — and publishes it; the server has it, published. On the
//! customer's ticket the agent's "Related articles" panel suggests it (from the local
//! full-text search over the ticket's words); "Insert link" puts its
//! `tadhkira://article/<id>` into the reply, which is sent.
//!
//! Then the customer's app: typing the problem into the new-ticket form suggests the
//! agent's article; on the ticket, the agent's reply shows the link as a button, and
//! it opens the article inside the app (the page never navigates away, nothing asks
//! to open a browser). Screenshots in English-light and Arabic-dark of the editor,
//! the new-ticket form with suggestions, and the article opened from the reply.

use std::time::Duration;

use serde_json::{json, Value};
use tadhkira_tests::app::{eventually, launch_app, App};
use tadhkira_tests::rest::Rest;
use tadhkira_tests::server::{spawn_server, PASSWORD};

const TICKET: &str = "Plotter ribbon smudges diagonally on every page";
const TITLE: &str = "Plotter ribbon smudges diagonally";
const BODY: &str = "## Steps\n\n1. Switch the plotter off.\n2. Clean the **ribbon guide** with a dry cloth.\n3. Print a test page.\n\n<script>window.__kbPwned = 1</script>\n\nStill smudging? See [the maker's guide](https://plotters.example/ribbon).";

/// Runs `script` in the app's page and returns its answer.
async fn js(app: &App, script: &str, args: Vec<Value>) -> Value {
    app.driver
        .execute(script, args)
        .await
        .unwrap_or_else(|e| panic!("{script}: {e}"))
}

/// Clicks the first element matching `css` whose text contains `text`; false if none.
async fn click_with_text(app: &App, css: &str, text: &str) -> bool {
    js(
        app,
        "const e = [...document.querySelectorAll(arguments[0])].find((e) => e.innerText.includes(arguments[1])); if (e) e.click(); return !!e;",
        vec![css.into(), text.into()],
    )
    .await
        == json!(true)
}

/// Opens the ticket titled `title` from the list.
async fn open_ticket(app: &App, title: &str) {
    app.click(r#"[data-testid="nav-tickets"]"#).await;
    app.wait_for(r#"[data-testid="ticket-list"]"#).await;
    eventually("the ticket is listed", 60, || async {
        click_with_text(app, r#"[data-testid="ticket-row"]"#, title).await
    })
    .await;
    app.wait_for(r#"[data-testid="ticket-title"]"#).await;
}

/// Switches the app to Arabic and the dark theme.
async fn arabic_dark(app: &App) {
    app.look("ar", "dark").await;
    eventually("the page is in Arabic", 10, || async {
        js(app, "return document.documentElement.dir", vec![]).await == json!("rtl")
    })
    .await;
    // Let the theme's repaint settle before a screenshot.
    tokio::time::sleep(Duration::from_millis(300)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_agent_writes_publishes_and_links_an_article_that_the_customer_finds_and_opens_in_app() {
    let server = spawn_server();
    server.demo();
    let staff = Rest::sign_in(&server, "l1@tadhkira.example").await;
    let customer = Rest::sign_in(&server, "customer@nile.example").await;
    let ticket_id = uuid::Uuid::now_v7().to_string();
    customer
        .post(
            "/api/v1/tickets",
            json!({
                "id": ticket_id, "title": TICKET, "priority": "normal",
                "channel": "desktop",
                "description": "The new plotter leaves a diagonal smudge from the ribbon.",
            }),
        )
        .await;

    // The agent writes and publishes the article in the app.
    let agent = launch_app(&server.url()).await;
    agent.sign_in("l1@tadhkira.example", PASSWORD).await;
    agent.click(r#"[data-testid="nav-kb"]"#).await;
    agent.wait_for(r#"[data-testid="kb-article"]"#).await;
    agent.click(r#"[data-testid="kb-new"]"#).await;
    agent
        .type_into(r#"[data-testid="editor-title"]"#, TITLE)
        .await;
    agent
        .type_into(r#"[data-testid="editor-category"]"#, "Printing")
        .await;
    agent
        .type_into(r#"[data-testid="editor-tags"]"#, "plotter, ribbon")
        .await;
    // WebDriver's keys lose the line breaks Markdown needs: set the text as a paste would.
    agent.type_into(r#"[data-testid="editor-body"]"#, "x").await;
    js(
        &agent,
        "const e = document.querySelector(arguments[0]); e.value = arguments[1]; e.dispatchEvent(new Event('input', { bubbles: true }));",
        vec![r#"[data-testid="editor-body"]"#.into(), BODY.into()],
    )
    .await;
    eventually("the preview follows the text", 20, || async {
        agent
            .inner_text(r#"[data-testid="editor-preview"] [data-testid="article-body"]"#)
            .await
            .contains("Print a test page")
    })
    .await;
    let preview = agent
        .inner_text(r#"[data-testid="editor-preview"] [data-testid="article-body"]"#)
        .await;
    assert!(
        preview.contains("<script>"),
        "the script is text: {preview}"
    );
    assert_eq!(
        js(
            &agent,
            "return document.querySelectorAll('[data-testid=\"editor-preview\"] ol > li').length",
            vec![]
        )
        .await,
        json!(3),
        "the Markdown list is a list"
    );
    assert_eq!(
        js(
            &agent,
            "return document.querySelectorAll('[data-testid=\"editor-preview\"] :is(script, img, iframe)').length",
            vec![]
        )
        .await,
        json!(0)
    );
    assert_eq!(
        js(&agent, "return window.__kbPwned === undefined", vec![]).await,
        json!(true),
        "nothing of the article ran"
    );
    agent.screenshot_if_asked("kb-editor-en-light");
    agent.click(r#"[data-testid="editor-publish"]"#).await;
    eventually("the editor shows the article published", 30, || async {
        js(
            &agent,
            "const e = document.querySelector('[data-testid=\"editor-status\"]'); return e ? e.closest('[data-testid=\"article-editor\"]') !== null && document.querySelector('[data-testid=\"editor-publish\"]') === null : false",
            vec![],
        )
        .await
            == json!(true)
    })
    .await;
    let on_server = staff
        .get("/api/v1/articles?status=published&limit=200")
        .await;
    let article = on_server["articles"]
        .as_array()
        .expect("articles")
        .iter()
        .find(|a| a["title"] == TITLE)
        .unwrap_or_else(|| panic!("{TITLE:?} published on the server: {on_server}"))
        .clone();
    let article_id = article["id"].as_str().expect("id").to_owned();
    assert_eq!(article["body"], json!(BODY));
    assert_eq!(article["category"], json!("Printing"));
    assert_eq!(article["tags"], json!(["plotter", "ribbon"]));

    // On the customer's ticket the panel suggests it; its link goes into the reply.
    open_ticket(&agent, TICKET).await;
    let insert = format!(
        r#"[data-testid="ticket-article"][data-article-id="{article_id}"] [data-testid="ticket-article-insert"]"#
    );
    agent.click(&insert).await;
    let reply = agent
        .wait_for(r#"[data-testid="reply-body"]"#)
        .await
        .prop("value")
        .await
        .expect("reply")
        .unwrap_or_default();
    let link = format!("tadhkira://article/{article_id}");
    assert_eq!(reply, format!("{TITLE}: {link}\n"));
    agent.click(r#"[data-testid="send-reply"]"#).await;
    eventually("the reply with the link reaches the server", 60, || async {
        customer
            .get(&format!("/api/v1/tickets/{ticket_id}"))
            .await
            .to_string()
            .contains(&link)
    })
    .await;
    agent.screenshot_if_asked("kb-ticket-panel-en-light");
    // The editor once more, in Arabic and dark, for the screenshot.
    arabic_dark(&agent).await;
    agent.click(r#"[data-testid="nav-kb"]"#).await;
    agent.wait_for(r#"[data-testid="kb-article"]"#).await;
    assert!(click_with_text(&agent, r#"[data-testid="kb-article"] button"#, TITLE).await);
    // A save keeps the text it replaces as a version, listed at once.
    agent.wait_for(r#"[data-testid="versions-none"]"#).await;
    js(
        &agent,
        "const e = document.querySelector(arguments[0]); e.value = arguments[1]; e.dispatchEvent(new Event('input', { bubbles: true }));",
        vec![
            r#"[data-testid="editor-body"]"#.into(),
            format!("{BODY}\n\nإذا استمرت المشكلة فاتصل بالدعم.").into(),
        ],
    )
    .await;
    agent.click(r#"[data-testid="editor-save"]"#).await;
    agent
        .wait_for(r#"[data-testid="version"][data-version="1"]"#)
        .await;
    let saved = staff.get(&format!("/api/v1/articles/{article_id}")).await;
    assert_eq!(saved["version"], json!(2), "{saved}");
    assert_eq!(
        saved["status"],
        json!("published"),
        "a save keeps the status"
    );
    agent.screenshot_if_asked("kb-editor-ar-dark");
    agent.close().await;

    // The customer's app: the article is suggested while filing…
    let app = launch_app(&server.url()).await;
    app.sign_in("customer@nile.example", PASSWORD).await;
    app.click(r#"[data-testid="nav-new"]"#).await;
    app.type_into(r#"[data-testid="new-title"]"#, "plotter ribbon smudges")
        .await;
    let suggestion = format!(r#"[data-testid="related-article"][data-article-id="{article_id}"]"#);
    app.wait_for(&suggestion).await;
    app.screenshot_if_asked("kb-new-ticket-suggestions-en-light");

    // …and the agent's link opens it inside the app.
    open_ticket(&app, TICKET).await;
    let page = js(&app, "return location.href", vec![]).await;
    let button = format!(r#"[data-testid="message-article-link"][data-article-id="{article_id}"]"#);
    app.click(&button).await;
    app.wait_for(r#"[data-testid="article-view"]"#).await;
    let title = app.inner_text("#article-title").await;
    assert_eq!(title, TITLE);
    let body = app.inner_text(r#"[data-testid="article-body"]"#).await;
    assert!(body.contains("ribbon guide"), "{body}");
    assert_eq!(
        js(&app, "return location.href", vec![]).await,
        page,
        "opened in the app, the page never left"
    );
    assert!(
        app.driver
            .find_all(fantoccini::Locator::Css(r#"[data-testid="link-confirm"]"#))
            .await
            .expect("query")
            .is_empty(),
        "nothing asks to open a browser"
    );
    app.screenshot_if_asked("kb-article-from-reply-en-light");
    app.click(r#"[data-testid="article-back"]"#).await;
    app.wait_for(r#"[data-testid="ticket-title"]"#).await;

    // The same in Arabic and dark.
    arabic_dark(&app).await;
    app.click(&button).await;
    app.wait_for(r#"[data-testid="article-view"]"#).await;
    app.screenshot_if_asked("kb-article-from-reply-ar-dark");
    app.click(r#"[data-testid="nav-new"]"#).await;
    app.type_into(r#"[data-testid="new-title"]"#, "plotter ribbon smudges")
        .await;
    app.wait_for(&suggestion).await;
    app.screenshot_if_asked("kb-new-ticket-suggestions-ar-dark");
    app.close().await;
}
