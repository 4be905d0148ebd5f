//! A rejected change (lapsed subscription) stays visible with its reason, holds the
//! changes that depend on it, does not block others, and goes through once resent after
//! the subscription is renewed.

use tadhkira_client::{NewTicketInput, OutboxState};
use tadhkira_proto::{ErrorCode, FieldValue, Priority, Visibility};
use tadhkira_tests::server::spawn_server;

fn input(title: &str) -> NewTicketInput {
    serde_json::from_value(serde_json::json!({ "title": title, "description": "lapsed" })).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rejected_ticket_stays_visible_and_goes_through_after_renewal() {
    let server = spawn_server();
    server.demo();
    let dev = server.device("customer@dunes.example").await;
    let e = &dev.engine;
    let existing = e.list_tickets(&Default::default()).await.unwrap();

    let id = e
        .create_ticket(input("Customs portal is down"))
        .await
        .unwrap();
    e.add_message(id, "since this morning", Visibility::Public)
        .await
        .unwrap();
    // A reply on an existing ticket is not held back by the rejection.
    let other = existing.rows.first().map(|r| r.id);
    if let Some(other) = other {
        e.add_message(other, "any news?", Visibility::Public)
            .await
            .unwrap();
    }
    let report = e.sync_now().await.unwrap();
    assert_eq!(report.rejected, 2, "{report:?}");
    assert_eq!(e.sync_state().rejected, 2);

    let outbox = e.outbox().await.unwrap();
    assert_eq!(
        outbox.len(),
        2,
        "the other ticket's reply went through: {outbox:?}"
    );
    let create = &outbox[0];
    assert_eq!(create.kind, "create_ticket");
    assert_eq!(create.state, OutboxState::Rejected);
    assert_eq!(
        create.error.as_ref().unwrap().code,
        ErrorCode::SubscriptionInactive
    );
    assert!(!create.error.as_ref().unwrap().message.is_empty());
    assert_eq!(
        outbox[1].error.as_ref().unwrap().code,
        ErrorCode::DependsOnRejected
    );
    assert_eq!(outbox[1].depends_on, Some(create.id));
    // Still visible locally, unnumbered, flagged.
    let d = e.ticket(&id.to_string()).await.unwrap();
    assert!(d.local_only);
    assert_eq!(d.pending.len(), 2);
    let rows = e.list_tickets(&Default::default()).await.unwrap().rows;
    assert!(rows
        .iter()
        .any(|r| r.id == id && r.has_rejected && r.number.is_none()));

    // Nothing changes until the user acts, however often it syncs.
    e.sync_now().await.unwrap();
    assert_eq!(e.sync_state().rejected, 2);

    // Editing the held reply shows the new text at once; it stays held behind the
    // rejected creation.
    let tadhkira_proto::Mutation::AddMessage(mut reply) = outbox[1].mutation.clone() else {
        panic!("{:?}", outbox[1]);
    };
    reply.body = tadhkira_proto::MessageBody::parse("down since this morning, 9:00").unwrap();
    let edited = tadhkira_proto::Mutation::AddMessage(reply);
    e.resend(outbox[1].id, Some(edited)).await.unwrap();
    let d = e.ticket(&id.to_string()).await.unwrap();
    assert_eq!(d.messages[0].body, "down since this morning, 9:00");
    e.sync_now().await.unwrap();
    assert_eq!(e.sync_state().rejected, 2, "still held behind the creation");

    server.set_subscription("Dunes Trading", "2099-12-31");
    e.resend(create.id, None).await.unwrap();
    assert_eq!(e.sync_state().queued, 2);
    let report = e.sync_now().await.unwrap();
    assert_eq!((report.accepted, report.rejected), (2, 0), "{report:?}");
    assert!(e.outbox().await.unwrap().is_empty());
    let d = e.ticket(&id.to_string()).await.unwrap();
    assert!(!d.local_only && d.ticket.number > 0);
    assert_eq!(d.messages.len(), 1);
    assert_eq!(d.messages[0].body, "down since this morning, 9:00");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn discarding_a_rejected_creation_removes_the_local_ticket() {
    let server = spawn_server();
    server.demo();
    let dev = server.device("customer@dunes.example").await;
    let e = &dev.engine;
    let id = e.create_ticket(input("Never mind this one")).await.unwrap();
    e.add_message(id, "extra", Visibility::Public)
        .await
        .unwrap();
    e.sync_now().await.unwrap();
    let outbox = e.outbox().await.unwrap();
    assert_eq!(outbox.len(), 2);
    e.discard(outbox[0].id).await.unwrap();
    assert!(e.outbox().await.unwrap().is_empty());
    assert!(e.ticket(&id.to_string()).await.is_err());
    assert_eq!(e.sync_state().rejected, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn discarding_a_rejected_field_change_puts_the_servers_value_back() {
    let server = spawn_server();
    server.demo();
    let dev = server.device("customer@nile.example").await;
    let e = &dev.engine;
    let id = e.create_ticket(input("Mouse double-clicks")).await.unwrap();
    e.sync_now().await.unwrap();
    let before = e.ticket(&id.to_string()).await.unwrap().ticket.priority;
    // Customers may not change priority: shown at once, rejected by the server.
    let wanted = if before == Priority::Urgent {
        Priority::Low
    } else {
        Priority::Urgent
    };
    e.update_ticket(id, vec![FieldValue::Priority(wanted)])
        .await
        .unwrap();
    assert_eq!(
        e.ticket(&id.to_string()).await.unwrap().ticket.priority,
        wanted
    );
    e.sync_now().await.unwrap();
    let outbox = e.outbox().await.unwrap();
    assert_eq!(outbox.len(), 1);
    assert_eq!(outbox[0].error.as_ref().unwrap().code, ErrorCode::Forbidden);
    // Until the user decides, the local value stays as they set it.
    assert_eq!(
        e.ticket(&id.to_string()).await.unwrap().ticket.priority,
        wanted
    );
    e.discard(outbox[0].id).await.unwrap();
    assert_eq!(
        e.ticket(&id.to_string()).await.unwrap().ticket.priority,
        before
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_servers_reason_comes_in_the_users_language() {
    let server = spawn_server();
    server.demo();
    let dev = server.device("customer@dunes.example").await;
    let e = &dev.engine;

    e.set_language(Some("ar"));
    e.create_ticket(input("الماسح لا يعمل")).await.unwrap();
    e.sync_now().await.unwrap();
    e.set_language(Some("en"));
    e.create_ticket(input("Scanner down")).await.unwrap();
    e.sync_now().await.unwrap();

    let outbox = e.outbox().await.unwrap();
    let reasons: Vec<_> = outbox
        .iter()
        .map(|o| o.error.as_ref().expect("rejected").message.clone())
        .collect();
    assert_eq!(reasons.len(), 2, "{reasons:?}");
    assert!(reasons[0].contains("اشتراك مؤسستك"), "{reasons:?}");
    assert!(reasons[1].contains("subscription"), "{reasons:?}");
    assert!(outbox
        .iter()
        .all(|o| o.error.as_ref().unwrap().code == ErrorCode::SubscriptionInactive));
}
