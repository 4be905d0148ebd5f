//! Channels in the real app under Xvfb against a real server with WhatsApp set up
//! (issue 19), as an L1 agent: a WhatsApp message from a number no customer has waits
//! on the "Unmatched" screen; the agent places it on customer@nile.example, and it is
//! her WhatsApp ticket after the sync; on it the agent logs a remote session, which
//! reaches the server and shows on the timeline. A customer's app has neither the
//! screen nor the call log. Another message's sender is nobody yet: the agent makes
//! them a new customer of Nile Logistics from the same screen, and the message is
//! their ticket.
//!
//! With `TADHKIRA_SCREENSHOTS=DIR`, the unmatched queue and the ticket with its logged
//! session are saved there in English (light) and Arabic (dark).

use std::time::Duration;

use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;
use tadhkira_tests::app::launch_app;
use tadhkira_tests::server::{spawn_server_with, TestServer};

const APP_SECRET: &str = "app-test-secret";

/// A server whose WhatsApp points at a closed port (nothing is sent in this story).
fn whatsapp_server(dir: &std::path::Path) -> TestServer {
    let secret = |name: &str, value: &str| {
        let p = dir.join(name);
        std::fs::write(&p, value).unwrap();
        p.display().to_string()
    };
    let toml = format!(
        "[channels.whatsapp]\ngraph_url = \"http://127.0.0.1:9\"\nphone_number_id = \"1\"\n\
         access_token = {{ file = \"{}\" }}\napp_secret = {{ file = \"{}\" }}\n\
         verify_token = {{ file = \"{}\" }}\ntemplate_name = \"support_follow_up\"\n",
        secret("token", "t"),
        secret("secret", APP_SECRET),
        secret("verify", "v"),
    );
    let path = dir.join("server.toml");
    std::fs::write(&path, toml).unwrap();
    spawn_server_with(vec!["--config".into(), path.into_os_string()])
}

/// Delivers a signed WhatsApp text from `from` (digits) as Meta would.
async fn whatsapp_text(server: &TestServer, from: &str, id: &str, text: &str) {
    let payload = json!({
        "object": "whatsapp_business_account",
        "entry": [{"id": "1", "changes": [{"field": "messages", "value": {
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "15550783881", "phone_number_id": "1"},
            "contacts": [{"profile": {"name": "Sara"}, "wa_id": from}],
            "messages": [{"from": from, "id": id, "timestamp": "1733462400", "type": "text",
                          "text": {"body": text}}]
        }}]}]
    });
    let body = serde_json::to_vec(&payload).unwrap();
    let mut mac = Hmac::<Sha256>::new_from_slice(APP_SECRET.as_bytes()).unwrap();
    mac.update(&body);
    let signature = format!("sha256={}", hex::encode(mac.finalize().into_bytes()));
    let status = reqwest::Client::new()
        .post(format!("{}/api/v1/channels/whatsapp/webhook", server.url()))
        .header("x-hub-signature-256", signature)
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status.as_u16(), 200);
}

/// Everything another agent pulls from the server's change feed, as JSON text.
async fn feed_as_another_agent(server: &TestServer) -> String {
    let http = reqwest::Client::new();
    let login: Value = http
        .post(format!("{}/api/v1/auth/login", server.url()))
        .json(&json!({"email": "l2@tadhkira.example", "password": "demo1234"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let page: Value = http
        .get(format!(
            "{}/api/v1/sync/pull?cursor=0&limit=5000",
            server.url()
        ))
        .bearer_auth(login["token"].as_str().unwrap())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    page["changes"].to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_agent_places_an_unmatched_whatsapp_message_and_logs_a_remote_session() {
    let dir = tempfile::tempdir().unwrap();
    let server = whatsapp_server(dir.path());
    server.demo();
    whatsapp_text(
        &server,
        "201112223334",
        "wamid.APP1",
        "Hello, the warehouse scanner will not pair since this morning",
    )
    .await;

    let app = launch_app(&server.url()).await;
    app.sign_in("l1@tadhkira.example", "demo1234").await;
    app.click(r#"[data-testid="nav-unmatched"]"#).await;
    app.until_text(
        "the unmatched message",
        r#"[data-testid="unmatched-list"]"#,
        "warehouse scanner will not pair",
    )
    .await;
    let sender = app.inner_text(r#"[data-testid="unmatched-sender"]"#).await;
    assert!(sender.contains("+201112223334"), "{sender}");
    app.click(r#"[data-testid="unmatched-place"]"#).await;
    app.type_into(r#"[data-testid="for-whom"]"#, "customer@nile")
        .await;
    app.click(r#"[data-testid="customer-option"]"#).await;
    app.wait_for(r#"[data-testid="chosen-customer"]"#).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    app.screenshot_if_asked("unmatched-en-light");
    app.click(r#"[data-testid="unmatched-link"]"#).await;
    app.until_text(
        "placed on a ticket",
        r#"[data-testid="unmatched-linked"]"#,
        "Placed on ticket #",
    )
    .await;

    // She has an open WhatsApp ticket (the demo data's), so the message is a reply on
    // it; it arrives with the sync the link started. Open it from there.
    app.click(r#"[data-testid="unmatched-linked"] button"#)
        .await;
    app.until_text(
        "the message on her WhatsApp ticket",
        r#"[data-testid="timeline"]"#,
        "warehouse scanner will not pair",
    )
    .await;
    let facts = app.inner_text("dl.facts").await;
    assert!(facts.contains("WhatsApp"), "{facts}");

    // A remote session on it.
    app.click(r#"[data-testid="calllog-open"]"#).await;
    app.select(r#"[data-testid="calllog-channel"]"#, "remote")
        .await;
    app.select(r#"[data-testid="calllog-direction"]"#, "outbound")
        .await;
    app.type_into(r#"[data-testid="calllog-minutes"]"#, "25")
        .await;
    app.type_into(r#"[data-testid="calllog-tool"]"#, "AnyDesk")
        .await;
    app.type_into(r#"[data-testid="calllog-session"]"#, "123 456 789")
        .await;
    app.type_into(
        r#"[data-testid="calllog-notes"]"#,
        "Re-paired the scanner over the remote session",
    )
    .await;
    app.click(r#"[data-testid="calllog-submit"]"#).await;
    app.until_text(
        "the logged session on the timeline",
        r#"[data-testid="timeline"]"#,
        "logged a remote session (outgoing, 25 min)",
    )
    .await;
    // It reached the server (the timeline above is the server's copy, pulled back).
    let feed = feed_as_another_agent(&server).await;
    assert!(
        feed.contains(r#""type":"contact_logged""#) && feed.contains(r#""remote_tool":"AnyDesk""#),
        "the logged session is on the server"
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    app.screenshot_if_asked("calllog-en-light");

    if std::env::var_os("TADHKIRA_SCREENSHOTS").is_some() {
        app.look("ar", "dark").await;
        app.until_text(
            "the timeline in Arabic",
            r#"[data-testid="timeline"]"#,
            "جلسة تحكم عن بُعد",
        )
        .await;
        tokio::time::sleep(Duration::from_millis(500)).await;
        app.screenshot_if_asked("calllog-ar-dark");
        whatsapp_text(
            &server,
            "966501112233",
            "wamid.APP2",
            "مرحبًا، الطابعة لا تطبع",
        )
        .await;
        app.click(r#"[data-testid="nav-unmatched"]"#).await;
        app.until_text(
            "the second unmatched message",
            r#"[data-testid="unmatched-list"]"#,
            "الطابعة",
        )
        .await;
        tokio::time::sleep(Duration::from_millis(500)).await;
        app.screenshot_if_asked("unmatched-ar-dark");
        app.look("en", "light").await;
    }
    app.close().await;

    // The customer's app: no unmatched queue, no call log.
    let customer = launch_app(&server.url()).await;
    customer.sign_in("customer@nile.example", "demo1234").await;
    assert_eq!(
        customer
            .inner_text(r#"[data-testid="nav-unmatched"]"#)
            .await,
        ""
    );
    customer.click(r#"[data-testid="ticket-row"]"#).await;
    customer.wait_for(r#"[data-testid="reply-body"]"#).await;
    assert_eq!(
        customer.inner_text(r#"[data-testid="calllog-open"]"#).await,
        ""
    );
    customer.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_agent_makes_a_new_customer_from_an_unmatched_whatsapp_message() {
    let dir = tempfile::tempdir().unwrap();
    let server = whatsapp_server(dir.path());
    server.demo();
    whatsapp_text(
        &server,
        "201115556667",
        "wamid.NEW1",
        "Good morning, I am the new accountant and the invoice printer is offline",
    )
    .await;
    let nile = server
        .query_texts("SELECT id FROM organisations WHERE name = 'Nile Logistics'")
        .await
        .pop()
        .expect("the demo's paid organisation");

    let app = launch_app(&server.url()).await;
    app.sign_in("l1@tadhkira.example", "demo1234").await;
    app.click(r#"[data-testid="nav-unmatched"]"#).await;
    app.until_text(
        "the unmatched message",
        r#"[data-testid="unmatched-list"]"#,
        "new accountant",
    )
    .await;
    app.click(r#"[data-testid="unmatched-new-person"]"#).await;
    app.wait_for(&format!(
        r#"[data-testid="person-org"] option[value="{nile}"]"#
    ))
    .await;
    app.type_into(r#"[data-testid="person-name"]"#, "Hana Fouad")
        .await;
    app.type_into(r#"[data-testid="person-email"]"#, "hana@nile.example")
        .await;
    app.select(r#"[data-testid="person-org"]"#, &nile).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    app.screenshot_if_asked("unmatched-new-person-en-light");
    app.click(r#"[data-testid="person-create"]"#).await;
    app.until_text(
        "the new customer and her ticket",
        r#"[data-testid="unmatched-linked"]"#,
        "Hana Fouad is now a customer of Nile Logistics.",
    )
    .await;

    // On the server: a customer of Nile Logistics with the number the message came
    // from, the message her WhatsApp ticket, and the agent's act in the audit log.
    let rows = server
        .query_texts(
            "SELECT u.phone || ' ' || u.role || ' ' || t.channel || ' ' || t.title FROM users u \
             JOIN tickets t ON t.requester_id = u.id WHERE u.email = 'hana@nile.example'",
        )
        .await;
    assert_eq!(
        rows,
        vec!["+201115556667 customer whatsapp \
             Good morning, I am the new accountant and the invoice printer is offline"
            .to_owned()]
    );
    let audit = server
        .query_texts(
            "SELECT u.email FROM audit_log a JOIN users u ON u.id = a.actor_id \
             WHERE a.action = 'user.create_from_channel'",
        )
        .await;
    assert_eq!(audit, vec!["l1@tadhkira.example".to_owned()]);

    // The ticket arrives with the sync and opens from here.
    app.click(r#"[data-testid="unmatched-linked"] button"#)
        .await;
    app.until_text(
        "the new customer's ticket",
        r#"[data-testid="ticket-title"]"#,
        "new accountant",
    )
    .await;
    if std::env::var_os("TADHKIRA_SCREENSHOTS").is_some() {
        whatsapp_text(
            &server,
            "966507778899",
            "wamid.NEW2",
            "مرحبًا، أنا موظفة جديدة",
        )
        .await;
        app.look("ar", "dark").await;
        app.click(r#"[data-testid="nav-unmatched"]"#).await;
        app.click(r#"[data-testid="unmatched-new-person"]"#).await;
        app.wait_for(r#"[data-testid="person-form"]"#).await;
        tokio::time::sleep(Duration::from_millis(500)).await;
        app.screenshot_if_asked("unmatched-new-person-ar-dark");
        app.look("en", "light").await;
    }
    app.close().await;
}
