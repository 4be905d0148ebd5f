//! Reply alerts: none on the first sync, one per new reply by someone else on a followed
//! ticket, one summary for several, never twice for a message (across restarts), none
//! for the user's own messages.

use std::sync::Arc;

use tadhkira_client::{NewTicketInput, RecordingNotifier};
use tadhkira_proto::Visibility;
use tadhkira_tests::server::{open_device, spawn_server};

fn input(title: &str) -> NewTicketInput {
    serde_json::from_value(serde_json::json!({ "title": title, "description": "alerts" })).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replies_alert_once_and_several_are_summarised() {
    let server = spawn_server();
    server.demo();
    // The demo data already has agent replies on this customer's tickets: the first
    // sync must not alert about them.
    let customer = server.device("customer@nile.example").await;
    assert!(
        customer.alerts.alerts().is_empty(),
        "first sync alerted: {:?}",
        customer.alerts.alerts()
    );
    let agent = server.device("l1@tadhkira.example").await;
    let (c, a) = (&customer.engine, &agent.engine);

    let t1 = c
        .create_ticket(input("Label printer offline"))
        .await
        .unwrap();
    let t2 = c.create_ticket(input("Shared drive full")).await.unwrap();
    c.sync_now().await.unwrap();
    a.sync_now().await.unwrap();

    // One reply → one alert naming the ticket and the author.
    a.add_message(t1, "please restart it", Visibility::Public)
        .await
        .unwrap();
    a.sync_now().await.unwrap();
    let report = c.sync_now().await.unwrap();
    assert_eq!(report.alerts, 1);
    let alerts = customer.alerts.alerts();
    assert_eq!(alerts.len(), 1);
    assert_eq!(alerts[0].count, 1);
    assert_eq!(alerts[0].ticket_id, t1);
    assert!(
        alerts[0].title.contains("Label printer offline"),
        "{:?}",
        alerts[0]
    );

    // The customer's own reply and the agent's internal note raise nothing.
    c.add_message(t1, "restarted, still offline", Visibility::Public)
        .await
        .unwrap();
    a.add_message(t1, "internal: check the driver", Visibility::Internal)
        .await
        .unwrap();
    a.sync_now().await.unwrap();
    c.sync_now().await.unwrap();
    assert_eq!(customer.alerts.alerts().len(), 1);

    // Three replies on two tickets → one summary.
    a.sync_now().await.unwrap();
    a.add_message(t1, "driver updated", Visibility::Public)
        .await
        .unwrap();
    a.add_message(t2, "cleaned up old files", Visibility::Public)
        .await
        .unwrap();
    a.add_message(t2, "you have 40% free now", Visibility::Public)
        .await
        .unwrap();
    a.sync_now().await.unwrap();
    c.sync_now().await.unwrap();
    let alerts = customer.alerts.alerts();
    assert_eq!(alerts.len(), 2);
    assert_eq!(alerts[1].count, 3);
    assert_eq!(alerts[1].message_ids.len(), 3);

    // The agent follows the tickets they replied on: the customer's reply alerted them.
    assert!(agent.alerts.alerts().iter().any(|al| al.ticket_id == t1));

    // Restart the customer's engine: nothing alerts again.
    let dir = customer.dir.path().to_path_buf();
    c.close().await;
    drop(customer.engine);
    let again = Arc::new(RecordingNotifier::default());
    let reopened = open_device(&dir, again.clone()).await;
    reopened.sync_now().await.unwrap();
    assert!(again.alerts().is_empty(), "{:?}", again.alerts());
}
