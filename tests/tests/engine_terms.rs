//! The support terms on the engine against a real server: the Support policy is read
//! from the local store, so it works with the server gone; a customer whose organisation
//! has not accepted the version in force cannot file without accepting it, and the
//! acceptance queued offline is recorded once when the server is back; the first-line
//! checklists are there offline; staff resolve a ticket as outside the terms and the
//! customer's store gets the exclusion in both languages. The response targets in
//! effect are in the store too; a ticket filed before a new version reached the app is
//! refused by the server, stays in the outbox with the reason, and goes through once
//! the customer accepts the new version with it.

use tadhkira_client::{EngineError, NewTicketInput, OutboxState};
use tadhkira_proto::{ErrorCode, EventKind, Mutation, Status};
use tadhkira_tests::server::spawn_server;

fn input(title: &str, terms_version: Option<i64>) -> NewTicketInput {
    NewTicketInput {
        title: title.into(),
        description: "The office laptop at home does not start.".into(),
        priority: tadhkira_proto::Priority::Normal,
        channel: tadhkira_proto::Channel::Desktop,
        category: Some("hardware".into()),
        contact: Default::default(),
        checks: vec!["restarted".into()],
        system_info: None,
        requester_id: None,
        lapsed_override: None,
        terms_version,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_support_policy_works_offline_and_a_new_organisation_accepts_the_terms_once() {
    let mut server = spawn_server();
    server.demo();
    server.create_org("Delta Freight", "2030-06-30");
    server.customer_of("Delta Freight", "customer@delta.example");
    let delta = server.device("customer@delta.example").await;
    let nile = server.device("customer@nile.example").await;
    let agent = server.device("l1@tadhkira.example").await;

    // The demo's Nile Logistics accepted version 1 with its first ticket.
    let policy = nile.engine.support_policy().await.expect("policy");
    assert_eq!(policy.terms.as_ref().map(|t| t.version), Some(1));
    assert!(
        policy.accepted.is_some() && !policy.must_accept,
        "{policy:?}"
    );

    // The server goes away: Delta's customer still reads everything, from the store.
    server.stop();
    let policy = delta.engine.support_policy().await.expect("offline policy");
    let terms = policy
        .terms
        .clone()
        .expect("terms pulled with the first sync");
    assert_eq!(terms.version, 1);
    assert!(terms.content.ar.scope.as_str().contains("يشمل الدعم"));
    assert!(terms
        .content
        .en
        .channels
        .as_str()
        .contains("Sunday to Thursday"));
    assert_eq!(terms.content.exclusions.len(), 5);
    // The response targets in effect, pulled like the terms.
    let targets = policy.targets.clone().expect("the response policy, pulled");
    assert_eq!(targets.version, 1);
    assert!(
        targets.targets.urgent.first_response_minutes < targets.targets.low.first_response_minutes,
        "{targets:?}"
    );
    let org = policy.organisation.clone().expect("their organisation");
    assert_eq!(org.name, "Delta Freight");
    assert_eq!(
        org.paid_until
            .map(|d| d.date_naive().to_string())
            .as_deref(),
        Some("2030-06-30")
    );
    assert!(
        policy.must_accept && policy.accepted.is_none(),
        "{policy:?}"
    );
    let lists = delta.engine.checklists().await.expect("checklists offline");
    let categories: Vec<&str> = lists.iter().map(|l| l.category.as_str()).collect();
    assert_eq!(categories, ["", "hardware", "software"]);

    // Filing without accepting is refused at once; accepting queues it with the ticket.
    let err = delta
        .engine
        .create_ticket(input("Laptop does not start", None))
        .await
        .expect_err("must accept");
    assert!(
        matches!(&err, EngineError::Invalid(m) if m.contains("version 1")),
        "{err:?}"
    );
    let first = delta
        .engine
        .create_ticket(input("Laptop does not start", Some(1)))
        .await
        .expect("filed");
    let policy = delta.engine.support_policy().await.expect("policy");
    assert!(
        policy.acceptance_queued && !policy.must_accept,
        "{policy:?}"
    );
    // A second ticket, still offline: no question asked again.
    let second = delta
        .engine
        .create_ticket(input("Docking station is dead", None))
        .await
        .expect("filed");

    server.start();
    let report = delta.engine.sync_now().await.expect("sync");
    assert_eq!(report.accepted, 2, "{report:?}");
    let policy = delta.engine.support_policy().await.expect("policy");
    let accepted = policy.accepted.expect("the server's acceptance, pulled");
    assert_eq!(accepted.version, 1);
    assert_eq!(accepted.ticket_id, first);
    assert!(!policy.acceptance_queued && !policy.must_accept);

    // Staff see it on the ticket, and resolve the second as outside the terms.
    agent.engine.sync_now().await.expect("sync");
    let view = agent
        .engine
        .ticket(&first.to_string())
        .await
        .expect("ticket");
    assert!(
        view.events
            .iter()
            .any(|e| e.kind == EventKind::TermsAccepted { terms_version: 1 }),
        "{:?}",
        view.events
    );
    agent
        .engine
        .resolve_out_of_scope(second, "personal_devices")
        .await
        .expect("queued");
    assert_eq!(
        agent
            .engine
            .ticket(&second.to_string())
            .await
            .unwrap()
            .ticket
            .status,
        Status::Solved
    );
    let err = agent
        .engine
        .resolve_out_of_scope(second, "no_such_thing")
        .await
        .expect_err("unknown");
    assert!(matches!(err, EngineError::Invalid(_)), "{err:?}");
    assert!(
        delta
            .engine
            .resolve_out_of_scope(second, "personal_devices")
            .await
            .is_err(),
        "customers do not"
    );
    agent.engine.sync_now().await.expect("sync");

    delta.engine.sync_now().await.expect("sync");
    let view = delta
        .engine
        .ticket(&second.to_string())
        .await
        .expect("ticket");
    assert_eq!(view.ticket.status, Status::Solved);
    let reason = view
        .events
        .iter()
        .find_map(|e| match &e.kind {
            EventKind::OutOfScope {
                label_en, label_ar, ..
            } => Some((label_en.clone(), label_ar.clone())),
            _ => None,
        })
        .expect("the reason reached the customer");
    assert_eq!(reason.0, "Personal devices not listed in the subscription");
    assert_eq!(reason.1, "الأجهزة الشخصية غير المدرجة في الاشتراك");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_ticket_filed_before_a_new_version_reached_the_app_waits_until_it_is_accepted() {
    let server = spawn_server();
    server.demo();
    let nile = server.device("customer@nile.example").await;
    let admin = server.device("admin@tadhkira.example").await;

    // Nile accepted version 1: the app asks nothing (it has not heard of version 2).
    let ticket = nile
        .engine
        .create_ticket(input("Printer prints blank pages", None))
        .await
        .expect("filed");
    let api = admin.engine.admin_api().expect("admin");
    let in_force = api
        .admin_terms()
        .await
        .expect("terms")
        .published
        .expect("version 1");
    api.admin_save_terms_draft(&in_force.content)
        .await
        .expect("draft");
    let v2 = api.admin_publish_terms().await.expect("published");
    assert_eq!(v2.version, 2);

    // The server holds the ticket to version 2: it stays in the outbox with the reason.
    nile.engine.sync_now().await.expect("sync");
    let outbox = nile.engine.outbox().await.expect("outbox");
    let item = outbox
        .iter()
        .find(|i| i.ticket_id == ticket)
        .expect("the ticket is still in the outbox");
    assert_eq!(item.state, OutboxState::Rejected, "{item:?}");
    let code = item.error.as_ref().map(|e| e.code);
    assert_eq!(code, Some(ErrorCode::TermsNotAccepted), "{item:?}");
    let policy = nile.engine.support_policy().await.expect("policy");
    assert_eq!(policy.terms.as_ref().map(|t| t.version), Some(2));
    assert!(policy.must_accept, "{policy:?}");

    // Accepting version 2 with it sends it again; the server takes it and records it.
    let Mutation::CreateTicket(mut filed) = item.mutation.clone() else {
        panic!("a ticket: {item:?}");
    };
    filed.terms_version = Some(2);
    nile.engine
        .resend(item.id, Some(Mutation::CreateTicket(filed)))
        .await
        .expect("resent");
    let report = nile.engine.sync_now().await.expect("sync");
    assert_eq!(report.accepted, 1, "{report:?}");
    assert!(nile.engine.outbox().await.expect("outbox").is_empty());
    let policy = nile.engine.support_policy().await.expect("policy");
    assert_eq!(
        policy.accepted.map(|a| (a.version, a.ticket_id)),
        Some((2, ticket))
    );
    assert!(!policy.must_accept);
}
