//! The real desktop app under Xvfb, driven through tauri-driver against a real server.
//!
//! Needs `tadhkira-app` and `tadhkira-server` built next to this test (cargo xtask test
//! builds the workspace first), plus Xvfb, dbus-daemon, python3-dbus, tauri-driver and
//! WebKitWebDriver; a missing one fails the test with its name.

use tadhkira_tests::app::launch_app;
use tadhkira_tests::server::spawn_server;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sign_in_screen_shows_and_the_health_check_succeeds_from_inside_the_app() {
    let server = spawn_server();
    let app = launch_app(&server.url()).await;

    let heading = app.text_of("h1#signin-title").await;
    assert_eq!(heading, "Sign in");
    let field = app.wait_for(r#"[data-testid="server-url"]"#).await;
    let shown = field
        .prop("value")
        .await
        .expect("value")
        .unwrap_or_default();
    assert_eq!(
        shown,
        server.url(),
        "the server address comes from TADHKIRA_SERVER_URL"
    );

    // The app asked the server through its check_server command; the real server's
    // version is what it shows.
    let status = app
        .text_of(r#"[data-testid="server-status"][data-state="ok"]"#)
        .await;
    assert!(
        status.contains("Connected to Tadhkira server"),
        "status: {status}"
    );
    app.screenshot_if_asked("signin-en-light");
    app.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_app_says_when_the_server_is_unreachable() {
    let mut server = spawn_server();
    let url = server.url();
    server.stop();
    let app = launch_app(&url).await;
    let status = app
        .text_of(r#"[data-testid="server-status"][data-state="error"]"#)
        .await;
    assert!(status.contains("cannot be reached"), "status: {status}");
    app.close().await;
}
