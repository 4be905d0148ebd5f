//! Staff filing on behalf of a customer through the engine, offline, against a real
//! server: a lapsed organisation needs an override reason (refused at once from the
//! customer directory kept in the store, not later from the outbox), contact details
//! follow the one rule before anything is queued, and what was queued reaches the
//! server with the reason on the timeline.

use tadhkira_client::{Customer, EngineError, NewTicketInput};
use tadhkira_proto::{Channel, EventKind};
use tadhkira_tests::server::spawn_server;

fn on_behalf(customer: &Customer, contact: serde_json::Value) -> NewTicketInput {
    serde_json::from_value(serde_json::json!({
        "title": "Invoices do not print",
        "description": "Called in: the invoice printer stays offline.",
        "channel": "phone",
        "requester_id": customer.user.id,
        "contact": contact,
    }))
    .expect("input")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn offline_staff_need_a_reason_for_a_lapsed_organisation_and_valid_contact_details() {
    let mut server = spawn_server();
    server.demo();
    let agent = server.device("l1@tadhkira.example").await;
    let customers = agent.engine.customer_directory().await.expect("directory");
    let dunes = customers
        .iter()
        .find(|c| c.user.email == "customer@dunes.example")
        .expect("dunes customer")
        .clone();
    server.stop();

    // Offline, no reason: refused at once, naming the organisation.
    let err = agent
        .engine
        .create_ticket(on_behalf(&dunes, serde_json::json!({})))
        .await
        .expect_err("needs a reason");
    match &err {
        EngineError::Invalid(m) => assert!(m.contains("Dunes Trading"), "{m}"),
        other => panic!("not invalid: {other:?}"),
    }
    // Bad contact details: refused at once, each field named.
    let err = agent
        .engine
        .create_ticket(NewTicketInput {
            lapsed_override: Some("Renewal in progress".into()),
            ..on_behalf(
                &dunes,
                serde_json::json!({"email": "dunes@", "phone": "ask reception"}),
            )
        })
        .await
        .expect_err("bad contact");
    match &err {
        EngineError::Invalid(m) => {
            assert!(
                m.contains("contact e-mail") && m.contains("contact phone"),
                "{m}"
            )
        }
        other => panic!("not invalid: {other:?}"),
    }
    assert_eq!(agent.engine.sync_state().queued, 0, "nothing queued");

    // With a reason and a phone typed with Arabic-Indic digits: queued.
    let reason = "Renewal paid by transfer, finance to confirm";
    let id = agent
        .engine
        .create_ticket(NewTicketInput {
            lapsed_override: Some(reason.into()),
            ..on_behalf(&dunes, serde_json::json!({"phone": "+٩٧١ ٤ ٥٥٥ ٠١٠٠"}))
        })
        .await
        .expect("queued");
    let local = agent.engine.ticket(&id.to_string()).await.expect("local");
    assert_eq!(
        local.ticket.contact.phone.as_deref(),
        Some("+971 4 555 0100")
    );

    server.start();
    agent.engine.sync_now().await.expect("sync");
    assert_eq!(agent.engine.sync_state().queued, 0);
    assert_eq!(agent.engine.sync_state().rejected, 0);
    let synced = agent.engine.ticket(&id.to_string()).await.expect("synced");
    assert!(synced.ticket.number > 0);
    assert_eq!(synced.ticket.channel, Channel::Phone);
    assert_eq!(synced.ticket.requester_id, dunes.user.id);
    assert!(
        synced.events.iter().any(|e| e.kind
            == EventKind::LapsedOverride {
                org_name: "Dunes Trading".into(),
                reason: reason.into()
            }),
        "{:?}",
        synced.events
    );

    // The customer sees the ticket, not how support handled the account.
    let customer = server.device("customer@dunes.example").await;
    let theirs = customer
        .engine
        .ticket(&id.to_string())
        .await
        .expect("theirs");
    assert!(
        !theirs
            .events
            .iter()
            .any(|e| matches!(e.kind, EventKind::LapsedOverride { .. })),
        "{:?}",
        theirs.events
    );
    // Nor can the customer override their own lapse: refused before queueing.
    let own: NewTicketInput = serde_json::from_value(serde_json::json!({
        "title": "Please let me file", "description": "I will pay next week",
        "lapsed_override": "paying next week",
    }))
    .expect("input");
    let err = customer
        .engine
        .create_ticket(own)
        .await
        .expect_err("staff only");
    assert!(matches!(err, EngineError::Invalid(_)), "{err:?}");
    assert_eq!(customer.engine.sync_state().queued, 0);
}
