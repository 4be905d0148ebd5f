//! The desktop shell around the window, in the real app under Xvfb with a real server:
//! the API token in the OS keychain (gnome-keyring's Secret Service on the test's own
//! bus) or, with no keychain, in a private file that moves into the keychain once one
//! appears; one instance per data folder (a second launch shows the first and exits);
//! start minimised; and a click on a reply notification opening that ticket.
//!
//! Needs what `app_e2e.rs` needs, plus gnome-keyring, libsecret-tools (`secret-tool`,
//! to read the keychain from another process) and xdotool.

use std::path::Path;
use std::time::{Duration, Instant};

use tadhkira_client::ListQuery;
use tadhkira_proto::Visibility;
use tadhkira_tests::app::{eventually, launch_app, launch_app_with, App, LaunchOptions};
use tadhkira_tests::server::spawn_server;
use tadhkira_tests::workspace_bin;

const CUSTOMER: &str = "customer@nile.example";
const PASSWORD: &str = "demo1234";
const KEYCHAIN_TEXT: &str = "Kept in the system keychain";
const FILE_TEXT: &str = "Kept in a file only you can read";

/// What the settings screen says about the token.
async fn token_storage_shown(app: &App) -> String {
    app.click(r#"[data-testid="nav-settings"]"#).await;
    app.text_of(r#"[data-testid="token-storage"]"#).await
}

/// The token the keychain holds for the app's data folder, read by `secret-tool` (a
/// process other than the app), or `None`.
fn token_in_keychain(app: &App) -> Option<String> {
    let account = app.data_dir().join("engine").display().to_string();
    let out = app
        .command("secret-tool")
        .args(["lookup", "service", "Tadhkira", "username", &account])
        .output()
        .expect("secret-tool runs (apt-get install libsecret-tools)");
    let token = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    (out.status.success() && !token.is_empty()).then_some(token)
}

/// Every file under `dir` whose bytes contain `needle`.
fn files_containing(dir: &Path, needle: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if let Ok(bytes) = std::fs::read(&path) {
                if bytes.windows(needle.len()).any(|w| w == needle.as_bytes()) {
                    found.push(path.display().to_string());
                }
            }
        }
    }
    found
}

/// Whether a window named Tadhkira is mapped on the app's display.
fn window_visible(app: &App) -> bool {
    app.command("xdotool")
        .args(["search", "--onlyvisible", "--name", "^Tadhkira$"])
        .output()
        .map(|o| o.status.success() && !o.stdout.is_empty())
        .expect("xdotool runs (apt-get install xdotool)")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_a_keychain_the_token_is_kept_there_and_a_fresh_app_process_is_still_signed_in() {
    let mut server = spawn_server();
    server.demo();
    let mut app = launch_app_with(
        &server.url(),
        LaunchOptions {
            keychain: true,
            ..LaunchOptions::default()
        },
    )
    .await;
    app.sign_in(CUSTOMER, PASSWORD).await;
    assert_eq!(token_storage_shown(&app).await, KEYCHAIN_TEXT);

    let token = token_in_keychain(&app).expect("the token is in the keychain");
    assert!(token.len() >= 20, "a real token: {} chars", token.len());
    let leaked = files_containing(&app.data_dir(), &token);
    assert!(leaked.is_empty(), "the token is in files: {leaked:?}");
    assert!(!app.data_dir().join("engine/token").exists());

    // A new app process reads it back: no sign-in screen, the tickets are there, and
    // the server still accepts the token (a sync succeeds).
    app.relaunch().await;
    app.wait_for(r#"[data-testid="ticket-row"]"#).await;
    assert_eq!(app.inner_text("h1#signin-title").await, "");
    assert_eq!(token_storage_shown(&app).await, KEYCHAIN_TEXT);
    assert_eq!(token_in_keychain(&app).as_deref(), Some(token.as_str()));

    // Signing out removes it from the keychain.
    app.click(r#"[data-testid="sign-out"]"#).await;
    app.wait_for("h1#signin-title").await;
    eventually("the token leaves the keychain", 10, || async {
        token_in_keychain(&app).is_none()
    })
    .await;
    server.stop();
    app.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_keychain_the_token_is_in_a_private_file_until_a_keychain_appears() {
    let server = spawn_server();
    server.demo();
    let mut app = launch_app(&server.url()).await;
    app.sign_in(CUSTOMER, PASSWORD).await;
    assert!(token_storage_shown(&app).await.starts_with(FILE_TEXT));

    let file = app.data_dir().join("engine/token");
    let token = std::fs::read_to_string(&file).expect("the token file");
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file)
            .expect("metadata")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "only the user may read the token file");
    }

    // The user installs a keychain: at the next start the token moves into it.
    app.start_keychain();
    assert_eq!(token_in_keychain(&app), None);
    app.relaunch().await;
    app.wait_for(r#"[data-testid="ticket-row"]"#).await;
    assert_eq!(token_storage_shown(&app).await, KEYCHAIN_TEXT);
    assert_eq!(token_in_keychain(&app).as_deref(), Some(token.trim()));
    assert!(!file.exists(), "the token file is removed once moved");
    app.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn start_minimised_keeps_the_window_hidden_until_a_second_launch_shows_it() {
    let server = spawn_server();
    let app = launch_app_with(
        &server.url(),
        LaunchOptions {
            settings: Some(serde_json::json!({ "start_minimised": true })),
            ..LaunchOptions::default()
        },
    )
    .await;
    // The app runs (its page answers) with no window on screen.
    app.wait_for("h1#signin-title").await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert!(!window_visible(&app), "start minimised: no window shown");

    // A second launch on the same profile hands over to the first and exits.
    let started = Instant::now();
    let mut second = app
        .command(workspace_bin("tadhkira-app"))
        .env("TADHKIRA_SERVER_URL", server.url())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("a second tadhkira-app starts");
    let status = loop {
        if let Some(status) = second.try_wait().expect("wait") {
            break status;
        }
        if started.elapsed() > Duration::from_secs(20) {
            let _ = second.kill();
            let _ = second.wait();
            panic!("the second instance is still running after 20 s");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(
        status.success(),
        "the second instance exits cleanly: {status}"
    );
    eprintln!("second launch exited after {:?}", started.elapsed());
    eventually("the first instance shows its window", 10, || async {
        window_visible(&app)
    })
    .await;
    // The first instance is the one still running, and still answers.
    assert_eq!(app.text_of("h1#signin-title").await, "Sign in");
    app.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clicking_a_reply_notification_opens_that_ticket() {
    let server = spawn_server();
    server.demo();
    let app = launch_app(&server.url()).await;
    app.sign_in(CUSTOMER, PASSWORD).await;

    // An agent replies on one of the customer's tickets.
    let agent = server.device("l1@tadhkira.example").await;
    let page = agent
        .engine
        .list_tickets(&ListQuery {
            limit: 500,
            ..ListQuery::default()
        })
        .await
        .expect("agent lists");
    let ticket = page
        .rows
        .iter()
        .find(|r| r.org_name == "Nile Logistics" && r.number.is_some())
        .expect("a ticket of the customer's organisation");
    // Markup characters: the notification daemon reads the body as markup.
    let reply = "The replacement router <b>ships</b> today & tomorrow.";
    agent
        .engine
        .add_message(ticket.id, reply, Visibility::Public)
        .await
        .expect("agent replies");
    agent.engine.sync_now().await.expect("agent pushes");

    // The customer looks at another screen when the notification arrives.
    app.click(r#"[data-testid="nav-settings"]"#).await;
    eventually("a notification about the reply", 60, || async {
        !app.notifications().is_empty()
    })
    .await;
    let shown = app.notifications();
    assert_eq!(shown.len(), 1, "{shown:?}");
    let n = &shown[0];
    let number = format!("#{}", ticket.number.unwrap_or_default());
    assert!(
        n.summary.contains(&number) && n.summary.contains(&ticket.title),
        "the summary names the ticket: {n:?}"
    );
    assert!(
        n.body
            .contains("The replacement router &lt;b&gt;ships&lt;/b&gt; today &amp; tomorrow."),
        "the body starts the reply, its markup characters as entities: {n:?}"
    );
    assert_eq!(n.actions, ["default", "Open"], "a click action: {n:?}");

    app.click_notification(n.id);
    eventually("the ticket opens", 20, || async {
        app.inner_text(r#"[data-testid="ticket-title"]"#).await == ticket.title
    })
    .await;
    eventually("its timeline shows the reply", 20, || async {
        app.inner_text(r#"[data-testid="timeline"]"#)
            .await
            .contains(reply)
    })
    .await;
    assert!(app
        .inner_text(r#"[data-testid="ticket-number"]"#)
        .await
        .contains(&number));
    agent.engine.close().await;
    app.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_tray_counts_unread_tickets_and_its_menu_follows_the_language() {
    let server = spawn_server();
    server.demo();
    let app = launch_app(&server.url()).await;
    app.sign_in(CUSTOMER, PASSWORD).await;

    eventually("the tray icon registers with the panel", 20, || async {
        app.tray(None).is_some()
    })
    .await;
    let tray = app.tray(None).expect("the tray icon");
    assert_eq!(
        tray.labels(),
        ["Open Tadhkira", "New ticket", "Sync now", "Quit"]
    );

    // The count is the engine's: another device of the same customer that opened
    // nothing yet counts the same tickets.
    let twin = server.device(CUSTOMER).await;
    let label = |n: u32| if n == 0 { String::new() } else { n.to_string() };
    let expected = label(twin.engine.unread_count().await.expect("count"));
    eventually("the tray shows the unread count", 20, || async {
        app.tray(None).is_some_and(|t| t.label == expected)
    })
    .await;

    // A reply on a ticket the customer has read makes one more.
    let first = app.wait_for(r#"[data-testid="ticket-row"]"#).await;
    first.click().await.expect("open the first ticket");
    let title = app.text_of(r#"[data-testid="ticket-title"]"#).await;
    let ticket_id = twin
        .engine
        .list_tickets(&ListQuery {
            search: Some(title.clone()),
            ..ListQuery::default()
        })
        .await
        .expect("search")
        .rows
        .first()
        .map(|r| r.id)
        .expect("the opened ticket");
    twin.engine
        .mark_read(ticket_id)
        .await
        .expect("twin reads it");
    let read = label(twin.engine.unread_count().await.expect("count"));
    eventually("opening a ticket lowers the count", 20, || async {
        app.tray(None).is_some_and(|t| t.label == read)
    })
    .await;
    app.click(r#"[data-testid="nav-tickets"]"#).await;
    let agent = server.device("l1@tadhkira.example").await;
    agent
        .engine
        .add_message(ticket_id, "A courier is on the way.", Visibility::Public)
        .await
        .expect("agent replies");
    agent.engine.sync_now().await.expect("agent pushes");
    twin.engine.sync_now().await.expect("twin pulls");
    let after = label(twin.engine.unread_count().await.expect("count"));
    assert_ne!(after, read, "the reply is unread for the twin");
    eventually(
        "the reply raises the tray's count after the sync",
        60,
        || async { app.tray(None).is_some_and(|t| t.label == after) },
    )
    .await;

    // Arabic in the settings: the menu is renamed at once.
    app.click(r#"[data-testid="nav-settings"]"#).await;
    app.select(r#"[data-testid="language"]"#, "ar").await;
    eventually("the tray menu in Arabic", 20, || async {
        app.tray(None)
            .is_some_and(|t| t.labels() == ["افتح تذكرة", "تذكرة جديدة", "زامن الآن", "إنهاء"])
    })
    .await;

    // "Quit" from the tray ends the app.
    let view = app.tray(Some("إنهاء"));
    assert!(view.is_some(), "the tray took the click");
    app.wait_until_quit().await;
    agent.engine.close().await;
    twin.engine.close().await;
    app.close().await;
}
