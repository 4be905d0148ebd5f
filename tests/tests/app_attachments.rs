//! Attachments in the real app under Xvfb against a real server (issue 18).
//!
//! A customer's ticket carries a log (filed from the customer's own engine). In the app,
//! the customer pastes a screenshot (a real PNG of the display, put into a paste event
//! as the clipboard would) on a reply and sends it: the server holds it once, with the
//! same SHA-256. The agent then signs in to the app on the same machine (another
//! account, so no local copy: it is fetched from the server) and the screenshot
//! previews in the timeline, decoded by Rust and shown as a PNG data: URL that the web
//! view decodes. Last, the agent's new-ticket form takes two dropped files and a
//! screenshot captured with the system's own tool (ImageMagick's `import` on X11).
//!
//! With `TADHKIRA_SCREENSHOTS=DIR`: the timeline with the image and the log, and the
//! new-ticket form with files, in English light and Arabic dark.

use std::time::Duration;

use sha2::{Digest, Sha256};
use tadhkira_client::NewTicketInput;
use tadhkira_tests::app::{eventually, launch_app, App};
use tadhkira_tests::server::spawn_server;

const TITLE: &str = "Label printer shows a driver error";

/// Dispatches `event` (`paste` or `drop`) carrying files (name, type, hex of bytes) on
/// the element matching `css`, as the clipboard or a file manager would.
async fn dispatch_files(app: &App, css: &str, event: &str, files: &[(&str, &str, &[u8])]) {
    let files: Vec<serde_json::Value> = files
        .iter()
        .map(|(name, kind, bytes)| serde_json::json!([name, kind, hex::encode(bytes)]))
        .collect();
    let done = app
        .driver
        .execute(
            r#"
            const [css, event, files] = arguments;
            const dt = new DataTransfer();
            for (const [name, type, hex] of files) {
              const bytes = new Uint8Array(hex.length / 2);
              for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(hex.substr(i * 2, 2), 16);
              dt.items.add(new File([bytes], name, { type }));
            }
            const target = document.querySelector(css);
            if (event === 'paste') {
              target.focus();
              const paste = new ClipboardEvent('paste', { clipboardData: dt, bubbles: true, cancelable: true });
              target.dispatchEvent(paste);
            } else {
              target.dispatchEvent(new DragEvent('dragover', { dataTransfer: dt, bubbles: true, cancelable: true }));
              target.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
            }
            return dt.files.length;
            "#,
            vec![css.into(), event.into(), serde_json::Value::Array(files.clone())],
        )
        .await
        .expect("dispatch the files");
    assert_eq!(
        done,
        serde_json::json!(files.len()),
        "every file in the event"
    );
}

async fn count(app: &App, css: &str) -> usize {
    app.driver
        .execute(
            "return document.querySelectorAll(arguments[0]).length;",
            vec![css.into()],
        )
        .await
        .ok()
        .and_then(|v| v.as_u64())
        .unwrap_or(0) as usize
}

/// Scrolls the element matching `css` to the middle of the window (for a screenshot).
async fn scroll_to(app: &App, css: &str) {
    app.driver
        .execute(
            "document.querySelector(arguments[0])?.scrollIntoView({ block: 'center' }); \
             document.documentElement.scrollTop = 0; document.body.scrollTop = 0;",
            vec![css.into()],
        )
        .await
        .expect("scroll");
    tokio::time::sleep(Duration::from_millis(400)).await;
}

async fn open_ticket(app: &App) {
    app.type_into(r#"[data-testid="search"]"#, "driver error")
        .await;
    eventually("the search finds the ticket", 30, || async {
        app.inner_text(r#"[data-testid="ticket-count"]"#).await == "1 ticket"
    })
    .await;
    app.click(r#"[data-testid="ticket-row"]"#).await;
    assert_eq!(app.text_of(r#"[data-testid="ticket-title"]"#).await, TITLE);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pasted_screenshot_on_a_reply_reaches_the_agents_app_and_previews_in_the_timeline() {
    let server = spawn_server();
    server.demo();
    let work = tempfile::tempdir().unwrap();

    // The customer's ticket with a log, filed from their own engine.
    let log = work.path().join("printer-spooler.log");
    std::fs::write(
        &log,
        "2026-12-06T08:00:01Z ERROR driver HP-4: ribbon sensor not found\n".repeat(40),
    )
    .unwrap();
    let customer = server.device("customer@nile.example").await;
    let input: NewTicketInput = serde_json::from_value(serde_json::json!({
        "title": TITLE,
        "description": "Every print job stops with a driver error. The log is attached.",
        "priority": "high",
    }))
    .unwrap();
    let ticket_id = customer
        .engine
        .create_ticket_with_files(input, std::slice::from_ref(&log))
        .await
        .expect("customer files with a log");
    customer.engine.sync_now().await.expect("customer pushes");
    customer.engine.close().await;

    // The customer, in the app, pastes a screenshot on a reply.
    let app = launch_app(&server.url()).await;
    app.sign_in("customer@nile.example", "demo1234").await;
    open_ticket(&app).await;
    let shot_path = work.path().join("display.png");
    app.screenshot(&shot_path);
    let shot = std::fs::read(&shot_path).unwrap();
    let reply = "This is the dialog the printer shows.";
    app.type_into(r#"[data-testid="reply-body"]"#, reply).await;
    dispatch_files(
        &app,
        r#"[data-testid="reply-body"]"#,
        "paste",
        &[("image.png", "image/png", &shot)],
    )
    .await;
    // Staged in Rust: its thumbnail is Rust's re-encoded PNG.
    let thumb = app.wait_for(r#"[data-testid="staged-thumbnail"]"#).await;
    let src = thumb.attr("src").await.unwrap().unwrap_or_default();
    assert!(
        src.starts_with("data:image/png;base64,"),
        "{}",
        &src[..src.len().min(40)]
    );
    let staged_name = app.text_of(r#"[data-testid="staged-name"]"#).await;
    assert!(
        staged_name.starts_with("pasted-") && staged_name.ends_with(".png"),
        "{staged_name}"
    );
    app.click(r#"[data-testid="send-reply"]"#).await;
    eventually("the reply and its file reach the server", 60, || async {
        app.inner_text(r#"[data-testid="sync-indicator"]"#)
            .await
            .contains("All changes sent")
            && app
                .inner_text(r#"[data-testid="timeline"]"#)
                .await
                .contains(reply)
    })
    .await;

    // The server holds it once, with the same hash: an agent's engine sees it.
    let agent = server.device("l1@tadhkira.example").await;
    let files = agent
        .engine
        .attachments(&ticket_id.to_string())
        .await
        .unwrap();
    let sha = hex::encode(Sha256::digest(&shot));
    let names: Vec<&str> = files.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names.len(), 2, "{names:?}");
    assert_eq!(names[0], "printer-spooler.log");
    assert_eq!(
        (files[1].sha256.as_str(), files[1].size),
        (sha.as_str(), shot.len() as i64)
    );
    assert_eq!(files[1].content_type, "image/png");
    agent.engine.close().await;

    // The agent signs in to the app: the screenshot previews in the timeline.
    app.click(r#"[data-testid="sign-out"]"#).await;
    app.sign_in("l1@tadhkira.example", "demo1234").await;
    open_ticket(&app).await;
    let preview = app.wait_for(r#"[data-testid="attachment-preview"]"#).await;
    let src = preview.attr("src").await.unwrap().unwrap_or_default();
    assert!(src.starts_with("data:image/png;base64,"));
    eventually("the web view decoded the preview", 20, || async {
        app.driver
            .execute(
                "const i = document.querySelector('[data-testid=\"attachment-preview\"]'); return i.complete && i.naturalWidth > 0 && i.naturalWidth <= 480;",
                vec![],
            )
            .await
            .ok()
            == Some(serde_json::json!(true))
    })
    .await;
    assert_eq!(
        count(&app, r#"[data-testid="attachment-preview"]"#).await,
        1,
        "the log never previews"
    );
    assert!(app
        .inner_text(r#"[data-testid="timeline"]"#)
        .await
        .contains("printer-spooler.log"));
    // "Save" puts a copy in Downloads (here the test's home: no XDG Downloads folder
    // is configured) and says where; the bytes are the log's.
    app.click(r#"[data-testid="attachment-save"]"#).await;
    let notice = app.text_of(r#"[data-testid="attachment-notice"]"#).await;
    let saved = notice
        .strip_prefix("Saved to ")
        .unwrap_or_else(|| panic!("a saved notice: {notice}"));
    assert!(
        saved.starts_with(&app.home().display().to_string()),
        "{saved}"
    );
    assert!(saved.ends_with("printer-spooler.log"), "{saved}");
    assert_eq!(std::fs::read(saved).unwrap(), std::fs::read(&log).unwrap());
    scroll_to(&app, r#"[data-testid="attachment-preview"]"#).await;
    app.screenshot_if_asked("attachments-timeline-staff-en-light");
    if std::env::var_os("TADHKIRA_SCREENSHOTS").is_some() {
        app.look("ar", "dark").await;
        tokio::time::sleep(Duration::from_millis(300)).await;
        scroll_to(&app, r#"[data-testid="attachment-preview"]"#).await;
        app.screenshot_if_asked("attachments-timeline-staff-ar-dark");
    }

    // The new-ticket form takes dropped files: each listed with its size, the image
    // with Rust's thumbnail.
    app.click(r#"[data-testid="nav-new"]"#).await;
    app.wait_for(r#"[data-testid="attachment-picker"]"#).await;
    app.type_into(
        r#"[data-testid="new-title"]"#,
        "Scanner stops after the update",
    )
    .await;
    app.type_into(
        r#"[data-testid="new-description"]"#,
        "The scanner app closes when a scan starts; its log and a picture are attached.",
    )
    .await;
    let log_bytes = std::fs::read(&log).unwrap();
    dispatch_files(
        &app,
        r#"[data-testid="attachment-picker"]"#,
        "drop",
        &[
            ("scanner.png", "image/png", &shot),
            ("سجل-الماسح.log", "text/plain", &log_bytes),
        ],
    )
    .await;
    eventually("both files staged", 20, || async {
        count(&app, r#"[data-testid="staged-file"]"#).await == 2
    })
    .await;
    assert_eq!(count(&app, r#"[data-testid="staged-thumbnail"]"#).await, 1);
    // "Attach a screenshot": `import` is on this X display, so the button is there; the
    // window hides, the screen is captured, and the picture waits for a confirmation.
    app.click(r#"[data-testid="attach-screenshot"]"#).await;
    let shown = app
        .wait_for(r#"[data-testid="screenshot-confirm"] img"#)
        .await
        .attr("src")
        .await
        .unwrap()
        .unwrap_or_default();
    assert!(shown.starts_with("data:image/png;base64,"));
    app.click(r#"[data-testid="screenshot-keep"]"#).await;
    eventually(
        "the screenshot staged beside the dropped files",
        20,
        || async { count(&app, r#"[data-testid="staged-file"]"#).await == 3 },
    )
    .await;
    assert!(app
        .inner_text(r#"[data-testid="attachment-picker"]"#)
        .await
        .contains("screenshot-"));
    scroll_to(&app, r#"[data-testid="attachment-picker"]"#).await;
    if std::env::var_os("TADHKIRA_SCREENSHOTS").is_some() {
        app.screenshot_if_asked("attachments-new-ticket-ar-dark");
        app.look("en", "light").await;
        tokio::time::sleep(Duration::from_millis(300)).await;
        scroll_to(&app, r#"[data-testid="attachment-picker"]"#).await;
        app.screenshot_if_asked("attachments-new-ticket-en-light");
    }
    app.close().await;
}
