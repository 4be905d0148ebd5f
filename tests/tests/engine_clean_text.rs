//! The engine refuses text with control characters and an update naming a field twice
//! before queueing anything, by the same rule as the server: nothing reaches the outbox
//! that the server would only reject later.

use tadhkira_client::{EngineError, NewTicketInput};
use tadhkira_proto::{FieldValue, Status, TicketTitle};
use tadhkira_tests::server::spawn_server;

fn input(fields: serde_json::Value) -> NewTicketInput {
    serde_json::from_value(fields).unwrap()
}

fn invalid_naming(result: Result<impl std::fmt::Debug, EngineError>, words: &[&str]) {
    match result {
        Err(EngineError::Invalid(message)) => {
            for w in words {
                assert!(message.contains(w), "{message:?} should name {w}");
            }
        }
        other => panic!("expected invalid naming {words:?}, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn control_characters_and_twice_named_fields_are_refused_before_queueing() {
    let server = spawn_server();
    server.demo();
    let dev = server.device("customer@nile.example").await;
    let e = &dev.engine;

    invalid_naming(
        e.create_ticket(input(serde_json::json!({
            "title": "Printer \u{1b}[2J offline", "description": "d"
        })))
        .await,
        &["title", "U+001B"],
    );
    invalid_naming(
        e.create_ticket(input(serde_json::json!({
            "title": "Printer offline", "description": "d",
            "contact": {"phone": "+20\u{1b}100"}
        })))
        .await,
        &["contact phone", "U+001B"],
    );
    invalid_naming(
        e.create_ticket(input(serde_json::json!({
            "title": "Printer offline", "description": "d",
            "system_info": "OS\u{202D}"
        })))
        .await,
        &["system information", "U+202D"],
    );
    assert!(e.outbox().await.unwrap().is_empty(), "nothing was queued");

    let id = e
        .create_ticket(input(serde_json::json!({
            "title": "Printer \u{2067}الطابعة\u{2069} offline", "description": "line\n\tline"
        })))
        .await
        .unwrap();
    invalid_naming(
        e.add_message(id, "hi \u{85} there", tadhkira_proto::Visibility::Public)
            .await,
        &["message", "U+0085"],
    );
    invalid_naming(
        e.update_ticket(
            id,
            vec![
                FieldValue::Status(Status::Solved),
                FieldValue::Title(TicketTitle::parse("Printer offline again").unwrap()),
                FieldValue::Status(Status::Open),
            ],
        )
        .await,
        &["status", "more than once"],
    );
    let outbox = e.outbox().await.unwrap();
    assert_eq!(
        outbox.len(),
        1,
        "only the clean ticket is queued: {outbox:?}"
    );
    let report = e.sync_now().await.unwrap();
    assert_eq!(report.rejected, 0, "{report:?}");
    assert!(e.outbox().await.unwrap().is_empty());
}
