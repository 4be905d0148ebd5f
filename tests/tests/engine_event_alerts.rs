//! Alerts for what matters besides replies, against a real server process: staff
//! solving or pending a customer's ticket, the server's pending reminder (its job run
//! with a chosen clock through `tadhkira-server jobs --now`), an assignment, an
//! escalation into a tier, and a customer's reopen. One alert each, to the right
//! people, never for one's own action, never twice (not after a restart either), and
//! none of a kind switched off.

use std::sync::Arc;

use tadhkira_client::{AlertKind, AlertSettings, NewTicketInput, RecordingNotifier};
use tadhkira_proto::{FieldValue, Status, Tier};
use tadhkira_tests::server::{open_device, spawn_server, Device};
use uuid::Uuid;

fn input(title: &str) -> NewTicketInput {
    serde_json::from_value(serde_json::json!({ "title": title, "description": "alerts" })).unwrap()
}

/// The kinds of the alerts `d` got about ticket `t`, oldest first.
fn kinds(d: &Device, t: Uuid) -> Vec<AlertKind> {
    d.alerts
        .alerts()
        .iter()
        .filter(|a| a.ticket_id == t)
        .map(|a| a.kind)
        .collect()
}

async fn sync_all(devices: &[&Device]) {
    for d in devices {
        d.engine.sync_now().await.unwrap();
    }
}

async fn set(d: &Device, t: Uuid, s: Status) {
    d.engine
        .update_ticket(t, vec![FieldValue::Status(s)])
        .await
        .unwrap();
    d.engine.sync_now().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_event_alerts_the_right_people_once() {
    let server = spawn_server();
    server.create_org("Nile", "2099-12-31");
    server.customer_of("Nile", "amal@nile.example");
    server.agent(1, "l1@help.example");
    server.agent(1, "l1b@help.example");
    server.agent(2, "l2@help.example");
    let customer = server.device("amal@nile.example").await;
    let l1 = server.device("l1@help.example").await;
    let l1b = server.device("l1b@help.example").await;
    let l2 = server.device("l2@help.example").await;
    let all = [&customer, &l1, &l1b, &l2];

    let t = customer
        .engine
        .create_ticket(input("Label printer offline"))
        .await
        .unwrap();
    sync_all(&all).await;

    // Staff want an answer: the requester hears, once, in their words.
    set(&l1, t, Status::Pending).await;
    sync_all(&all).await;
    assert_eq!(kinds(&customer, t), [AlertKind::Pending]);
    let pending = customer.alerts.alerts().last().cloned().unwrap();
    assert!(
        pending.title.contains("Label printer offline"),
        "{pending:?}"
    );
    assert!(pending.title.contains('#'), "names the number: {pending:?}");

    // Three days later the server reminds them; a second run of the job is silent.
    let later =
        (chrono::Utc::now() + chrono::Duration::days(3) + chrono::Duration::hours(1)).to_rfc3339();
    let out = server.admin(&["jobs", "--now", &later]);
    assert!(out.contains("reminded 1"), "{out}");
    server.admin(&["jobs", "--now", &later]);
    sync_all(&all).await;
    assert_eq!(
        kinds(&customer, t),
        [AlertKind::Pending, AlertKind::Reminder]
    );

    // Solved by staff: the requester is asked to confirm.
    set(&l1, t, Status::Solved).await;
    sync_all(&all).await;
    assert_eq!(
        kinds(&customer, t),
        [AlertKind::Pending, AlertKind::Reminder, AlertKind::Solved]
    );

    // The customer reopens; nobody is assigned, so the ticket's tier (L1) hears — not
    // L2, and not the customer, whose own action it was.
    set(&customer, t, Status::Open).await;
    sync_all(&all).await;
    assert_eq!(kinds(&l1, t), [AlertKind::Reopened]);
    assert_eq!(kinds(&l1b, t), [AlertKind::Reopened]);
    assert!(kinds(&l2, t).is_empty());
    assert_eq!(
        customer.alerts.alerts().len(),
        3,
        "nothing for my own reopen"
    );

    // Assigned to l1b by l1: only l1b hears. Then a reopen goes to the assignee only.
    l1.engine
        .update_ticket(
            t,
            vec![FieldValue::Assignee(Some(
                l1b.engine.account().unwrap().user.id,
            ))],
        )
        .await
        .unwrap();
    l1.engine.sync_now().await.unwrap();
    sync_all(&all).await;
    assert_eq!(kinds(&l1b, t), [AlertKind::Reopened, AlertKind::Assigned]);
    set(&l1b, t, Status::Solved).await;
    set(&customer, t, Status::Open).await;
    sync_all(&all).await;
    assert_eq!(
        kinds(&l1, t),
        [AlertKind::Reopened],
        "no longer l1's to hear"
    );
    assert_eq!(
        kinds(&l1b, t),
        [
            AlertKind::Reopened,
            AlertKind::Assigned,
            AlertKind::Reopened
        ]
    );

    // Escalated into L2: the L2 agent hears; the customer never sees escalations.
    l1b.engine
        .escalate(t, Tier::L2, "needs a driver fix")
        .await
        .unwrap();
    l1b.engine.sync_now().await.unwrap();
    sync_all(&all).await;
    assert_eq!(kinds(&l2, t), [AlertKind::Escalated]);
    let esc = l2.alerts.alerts().last().cloned().unwrap();
    assert!(esc.body.contains("needs a driver fix"), "{esc:?}");
    assert_eq!(kinds(&customer, t).len(), 4);

    // A restart brings nothing back.
    let dir = customer.dir.path().to_path_buf();
    customer.engine.close().await;
    drop(customer.engine);
    let again = Arc::new(RecordingNotifier::default());
    let reopened = open_device(&dir, again.clone()).await;
    reopened.sync_now().await.unwrap();
    assert!(again.alerts().is_empty(), "{:?}", again.alerts());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kind_switched_off_stays_quiet_and_does_not_come_back_when_switched_on() {
    let server = spawn_server();
    server.create_org("Nile", "2099-12-31");
    server.customer_of("Nile", "amal@nile.example");
    server.agent(1, "l1@help.example");
    let customer = server.device("amal@nile.example").await;
    let l1 = server.device("l1@help.example").await;
    let t = customer
        .engine
        .create_ticket(input("Scanner jams"))
        .await
        .unwrap();
    customer.engine.sync_now().await.unwrap();
    l1.engine.sync_now().await.unwrap();

    customer.engine.set_alert_settings(AlertSettings {
        solved: false,
        ..AlertSettings::default()
    });
    set(&l1, t, Status::Solved).await;
    let report = customer.engine.sync_now().await.unwrap();
    assert_eq!(report.alerts, 0);
    assert!(kinds(&customer, t).is_empty());

    // Switched back on: the old solve stays quiet; a new pending alerts.
    customer.engine.set_alert_settings(AlertSettings::default());
    customer.engine.sync_now().await.unwrap();
    assert!(kinds(&customer, t).is_empty());
    set(&l1, t, Status::Pending).await;
    customer.engine.sync_now().await.unwrap();
    assert_eq!(kinds(&customer, t), [AlertKind::Pending]);
}
