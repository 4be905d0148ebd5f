//! Channels (issue 19) through the API, on both engines: who may see and place the
//! unmatched queue, what placing does (and refuses), and the staff's call log. The
//! WhatsApp webhook itself is driven end to end by `tests/tests/channel_whatsapp.rs`;
//! here messages enter the queue through the store's inbound path, as the webhook
//! hands them over.

use reqwest::{Method, StatusCode};
use serde_json::json;
use tadhkira_proto::{Channel, ContactLog, Direction, Mutation, ShortText};
use tadhkira_server::channels::{Inbound, Placed};
use uuid::Uuid;

use crate::helpers::{m, Person, TestApp};
use crate::on_both;

/// A WhatsApp message from `sender`, as the webhook would place it.
async fn arrives(app: &TestApp, sender: &str, body: &str) -> Placed {
    let inbound = Inbound {
        channel: Channel::Whatsapp,
        external_id: format!("wamid.{}", Uuid::now_v7().simple()),
        sender: sender.into(),
        sender_name: Some("Unknown Sender".into()),
        body: body.into(),
        files: vec![],
        mail: None,
    };
    app.server
        .store
        .receive_inbound(&inbound, &app.settings)
        .await
        .expect("placed")
}

async fn link(
    app: &TestApp,
    who: Option<&Person>,
    id: &str,
    customer: Uuid,
) -> (StatusCode, serde_json::Value) {
    app.call(
        Method::POST,
        &format!("/channels/unmatched/{id}/link"),
        who.map(|p| p.token.as_str()),
        Some(json!({ "customer_id": customer, "save_address": true })),
    )
    .await
}

async fn only_staff_see_and_place_the_unmatched_queue(db: crate::helpers::Db) {
    let app = TestApp::spawn(db).await;
    let c = app.cast().await;
    let placed = arrives(&app, "+201009998877", "My printer is on fire").await;
    let Placed::Unmatched { id } = placed else {
        panic!("an unknown number is unmatched: {placed:?}");
    };

    // Nobody, and customers, see nothing of it.
    let (s, body) = app
        .call(Method::GET, "/channels/unmatched", None, None)
        .await;
    assert_eq!(
        (s, body["code"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("unauthorized"))
    );
    let (s, body) = app.get(&c.customer_a, "/channels/unmatched").await;
    assert_eq!(
        (s, body["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("forbidden"))
    );
    assert!(!body.to_string().contains("fire"), "{body}");
    let (s, _) = link(&app, Some(&c.customer_a), &id.to_string(), c.customer_a.id).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = link(&app, None, &id.to_string(), c.customer_a.id).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);

    // Agents and admins see it, with the sender and the text.
    for staff in [&c.agent, &c.admin] {
        let (s, body) = app.get(staff, "/channels/unmatched").await;
        assert_eq!(s, StatusCode::OK, "{body}");
        let list = body["messages"].as_array().unwrap();
        assert_eq!(list.len(), 1, "{body}");
        assert_eq!(list[0]["id"], id.to_string());
        assert_eq!(list[0]["sender"], "+201009998877");
        assert_eq!(list[0]["sender_name"], "Unknown Sender");
        assert_eq!(list[0]["body"], "My printer is on fire");
        assert_eq!(list[0]["channel"], "whatsapp");
    }

    // Placing it on staff or on a missing message is refused, and changes nothing.
    let (s, body) = link(&app, Some(&c.agent), &id.to_string(), c.agent.id).await;
    assert_eq!(
        (s, body["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid")),
        "{body}"
    );
    let (s, body) = link(
        &app,
        Some(&c.agent),
        &Uuid::now_v7().to_string(),
        c.customer_a.id,
    )
    .await;
    assert_eq!(
        (s, body["code"].as_str()),
        (StatusCode::NOT_FOUND, Some("not_found")),
        "{body}"
    );
    // A lapsed organisation's customer gets no ticket, even from an agent's hands here
    // (staff file lapsed tickets through the override on the new-ticket form).
    let (s, body) = link(&app, Some(&c.agent), &id.to_string(), c.lapsed.id).await;
    assert_eq!(
        (s, body["code"].as_str()),
        (StatusCode::PAYMENT_REQUIRED, Some("subscription_inactive")),
        "{body}"
    );
    let (_, body) = app.get(&c.agent, "/channels/unmatched").await;
    assert_eq!(body["messages"].as_array().unwrap().len(), 1, "{body}");

    // An agent places it: a new WhatsApp ticket of the customer, filed on their behalf.
    let (s, body) = link(&app, Some(&c.agent), &id.to_string(), c.customer_a.id).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    assert_eq!(body["created"], true);
    let ticket_id = body["ticket_id"].as_str().unwrap().to_owned();
    let (s, detail) = app
        .get(&c.customer_a, &format!("/tickets/{ticket_id}"))
        .await;
    assert_eq!(s, StatusCode::OK, "{detail}");
    assert_eq!(detail["ticket"]["channel"], "whatsapp");
    assert_eq!(
        detail["ticket"]["requester_id"],
        c.customer_a.id.to_string()
    );
    assert_eq!(detail["ticket"]["description"], "My printer is on fire");
    assert_eq!(detail["ticket"]["contact"]["phone"], "+201009998877");

    // Placed once: again is a conflict, and the queue is empty.
    let (s, body) = link(&app, Some(&c.agent), &id.to_string(), c.customer_a.id).await;
    assert_eq!(
        (s, body["code"].as_str()),
        (StatusCode::CONFLICT, Some("conflict")),
        "{body}"
    );
    let (_, body) = app.get(&c.agent, "/channels/unmatched").await;
    assert_eq!(body["messages"], json!([]), "{body}");

    // The number was saved on the customer: their next message finds their ticket.
    let placed = arrives(&app, "+201009998877", "It is out now").await;
    assert!(
        matches!(placed, Placed::Reply { ticket_id: t, .. } if t.to_string() == ticket_id),
        "{placed:?}"
    );
    let (_, detail) = app
        .get(&c.customer_a, &format!("/tickets/{ticket_id}"))
        .await;
    let messages = detail["messages"].as_array().unwrap();
    assert_eq!(messages.len(), 1, "{detail}");
    assert_eq!(messages[0]["body"], "It is out now");
    assert_eq!(messages[0]["author_id"], c.customer_a.id.to_string());
    let (s, audit) = app
        .get(&c.admin, "/admin/audit?action=user.phone_from_channel")
        .await;
    assert_eq!(s, StatusCode::OK, "{audit}");
    assert_eq!(audit["total"], 1, "{audit}");
    app.finish().await;
}
on_both!(only_staff_see_and_place_the_unmatched_queue);

async fn staff_log_calls_and_remote_sessions_that_customers_never_see(db: crate::helpers::Db) {
    let app = TestApp::spawn(db).await;
    let c = app.cast().await;
    let t = Uuid::now_v7();
    app.push(
        &c.customer_a,
        &[m::envelope(m::new_ticket(t, "VPN drops", None))],
    )
    .await;
    let log = |channel, tool: Option<&str>| {
        Mutation::LogContact(ContactLog {
            ticket_id: t,
            channel,
            direction: Direction::Outbound,
            minutes: 25,
            notes: Some(ShortText::parse("Reinstalled the VPN client").unwrap()),
            remote_tool: tool.map(|s| ShortText::parse(s).unwrap()),
            remote_id: tool.map(|_| ShortText::parse("123 456 789").unwrap()),
        })
    };
    let results = app
        .push(
            &c.agent,
            &[
                m::envelope(log(Channel::Phone, None)),
                m::envelope(log(Channel::Remote, Some("AnyDesk"))),
                // Remote details on a phone call, and a channel that is not logged.
                m::envelope(log(Channel::Phone, Some("AnyDesk"))),
                m::envelope(log(Channel::Email, None)),
            ],
        )
        .await;
    let outcomes: Vec<(&str, Option<&str>)> = results
        .iter()
        .map(|r| (r["outcome"].as_str().unwrap(), r["code"].as_str()))
        .collect();
    assert_eq!(
        outcomes,
        [
            ("applied", None),
            ("applied", None),
            ("rejected", Some("invalid")),
            ("rejected", Some("invalid"))
        ],
        "{results:?}"
    );
    // A customer may not log one.
    let results = app
        .push(&c.customer_a, &[m::envelope(log(Channel::Phone, None))])
        .await;
    assert_eq!(results[0]["code"], "forbidden", "{results:?}");

    let (_, staff_view) = app.get(&c.agent, &format!("/tickets/{t}")).await;
    let logged: Vec<&serde_json::Value> = staff_view["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"]["type"] == "contact_logged")
        .collect();
    assert_eq!(logged.len(), 2, "{staff_view}");
    assert_eq!(logged[1]["kind"]["remote_tool"], "AnyDesk");
    assert_eq!(logged[1]["kind"]["remote_id"], "123 456 789");
    assert_eq!(logged[0]["kind"]["minutes"], 25);
    assert_eq!(logged[0]["kind"]["direction"], "outbound");

    let (_, customer_view) = app.get(&c.customer_a, &format!("/tickets/{t}")).await;
    assert!(
        !customer_view.to_string().contains("VPN client"),
        "{customer_view}"
    );
    let pulled = app.pull_all(&c.customer_a).await;
    assert!(!serde_json::to_string(&pulled)
        .unwrap()
        .contains("contact_logged"));
    let pulled = app.pull_all(&c.agent).await;
    assert!(serde_json::to_string(&pulled)
        .unwrap()
        .contains("contact_logged"));
    app.finish().await;
}
on_both!(staff_log_calls_and_remote_sessions_that_customers_never_see);
