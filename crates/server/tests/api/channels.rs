//! Channels (issue 19) through the API, on both engines: who may see and place the
//! unmatched queue, what placing does (and refuses), and the staff's call log. The
//! WhatsApp webhook itself is driven end to end by `tests/tests/channel_whatsapp.rs`;
//! here messages enter the queue through the store's inbound path, as the webhook
//! hands them over.

use reqwest::{Method, StatusCode};
use serde_json::json;
use tadhkira_proto::{Channel, ContactLog, Direction, Mutation, ShortText};
use tadhkira_server::channels::{Inbound, MailThread, Placed};
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

/// An e-mail from `sender`, as the mailbox reader would place it.
async fn mail_arrives(app: &TestApp, sender: &str, subject: &str, body: &str) -> Placed {
    let inbound = Inbound {
        channel: Channel::Email,
        external_id: format!("{}@else.example", Uuid::now_v7().simple()),
        sender: sender.into(),
        sender_name: Some("Nadia Saleh".into()),
        body: body.into(),
        files: vec![],
        mail: Some(MailThread {
            message_id: None,
            refs: vec![],
            subject: subject.into(),
            ticket_number: None,
            cc: vec![],
        }),
    };
    app.server
        .store
        .receive_inbound(&inbound, &app.settings)
        .await
        .expect("placed")
}

async fn make_person(
    app: &TestApp,
    who: Option<&Person>,
    id: Uuid,
    person: &serde_json::Value,
) -> (StatusCode, serde_json::Value) {
    app.call(
        Method::POST,
        &format!("/channels/unmatched/{id}/person"),
        who.map(|p| p.token.as_str()),
        Some(person.clone()),
    )
    .await
}

async fn staff_make_a_new_customer_from_an_unmatched_message(db: crate::helpers::Db) {
    let app = TestApp::spawn(db).await;
    let c = app.cast().await;
    let store = &app.server.store;
    let org_a = store.organisation_by_name("Org A").await.unwrap().id;
    let lapsed = store.organisation_by_name("Lapsed Org").await.unwrap().id;
    let Placed::Unmatched { id } = arrives(&app, "+201005556677", "Our scanner is broken").await
    else {
        panic!("an unknown number is unmatched");
    };
    let person_id = Uuid::now_v7();
    let form = |email: &str, phone: &str, org: Uuid| {
        json!({"person_id": person_id, "name": "Salma Adel", "email": email,
               "phone": phone, "org_id": org, "locale": "ar"})
    };
    let good = form("salma@org-a.example", "+20 100 555 6677", org_a);

    // Only staff.
    let (s, _) = make_person(&app, None, id, &good).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let (s, body) = make_person(&app, Some(&c.customer_a), id, &good).await;
    assert_eq!(
        (s, body["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("forbidden"))
    );

    // Refusals that write nothing: an address someone has, a lapsed organisation, a
    // number that is none, a missing organisation or message.
    let taken = form(&c.customer_a.email, "+20 100 555 6677", org_a);
    let (s, body) = make_person(&app, Some(&c.agent), id, &taken).await;
    assert_eq!(
        (s, body["code"].as_str()),
        (StatusCode::CONFLICT, Some("conflict")),
        "{body}"
    );
    let said = body["message"].as_str().unwrap();
    assert!(
        said.contains("a@org-a.example") && said.contains("Test a@org-a.example"),
        "{said}"
    );
    let (s, body) = make_person(
        &app,
        Some(&c.agent),
        id,
        &form("salma@org-a.example", "+20 100 555 6677", lapsed),
    )
    .await;
    assert_eq!(
        (s, body["code"].as_str()),
        (StatusCode::PAYMENT_REQUIRED, Some("subscription_inactive")),
        "{body}"
    );
    assert!(
        body["message"].as_str().unwrap().contains("Lapsed Org"),
        "{body}"
    );
    for bad in [
        form("salma@org-a.example", "call me", org_a),
        form("salma@org-a.example", "+20 100 555 6677", Uuid::now_v7()),
        form("not an address", "", org_a),
    ] {
        let (s, body) = make_person(&app, Some(&c.agent), id, &bad).await;
        assert_eq!(
            (s, body["code"].as_str()),
            (StatusCode::BAD_REQUEST, Some("invalid")),
            "{bad} {body}"
        );
    }
    let (s, _) = make_person(&app, Some(&c.agent), Uuid::now_v7(), &good).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert_eq!(
        app.count_on_database(
            "SELECT COUNT(*) AS n FROM users WHERE email = 'salma@org-a.example'"
        )
        .await,
        0
    );
    let (_, queue) = app.get(&c.agent, "/channels/unmatched").await;
    assert_eq!(queue["messages"].as_array().unwrap().len(), 1, "{queue}");

    // The agent makes her: a customer of Org A with the number as sent, and the
    // message her new WhatsApp ticket.
    let (s, made) = make_person(&app, Some(&c.agent), id, &good).await;
    assert_eq!(s, StatusCode::OK, "{made}");
    assert_eq!(made["user"]["id"], person_id.to_string());
    assert_eq!(made["user"]["role"], "customer");
    assert_eq!(made["user"]["org_id"], org_a.to_string());
    assert_eq!(made["user"]["phone"], "+201005556677");
    assert_eq!(made["user"]["locale"], "ar");
    let ticket_id = made["ticket_id"].as_str().unwrap().to_owned();
    let (s, detail) = app.get(&c.agent, &format!("/tickets/{ticket_id}")).await;
    assert_eq!(s, StatusCode::OK, "{detail}");
    assert_eq!(detail["ticket"]["requester_id"], person_id.to_string());
    assert_eq!(detail["ticket"]["channel"], "whatsapp");
    assert_eq!(detail["ticket"]["description"], "Our scanner is broken");
    assert_eq!(detail["ticket"]["number"], made["ticket_number"]);
    let (_, queue) = app.get(&c.agent, "/channels/unmatched").await;
    assert_eq!(queue["messages"], json!([]), "{queue}");

    // The same request again (its answer was lost) answers the same, and makes nobody.
    let (s, again) = make_person(&app, Some(&c.agent), id, &good).await;
    assert_eq!(s, StatusCode::OK, "{again}");
    assert_eq!(again, made);
    assert_eq!(
        app.count_on_database(
            "SELECT COUNT(*) AS n FROM users WHERE email = 'salma@org-a.example'"
        )
        .await,
        1
    );
    // Her id on another message is refused; another person on this one too.
    let Placed::Unmatched { id: other } = arrives(&app, "+201009990000", "Hello?").await else {
        panic!("unmatched");
    };
    let (s, body) = make_person(&app, Some(&c.agent), other, &good).await;
    assert_eq!(
        (s, body["code"].as_str()),
        (StatusCode::CONFLICT, Some("conflict"))
    );
    let mut someone_else = form("x@org-a.example", "", org_a);
    someone_else["person_id"] = json!(Uuid::now_v7());
    let (s, body) = make_person(&app, Some(&c.agent), id, &someone_else).await;
    assert_eq!(
        (s, body["code"].as_str()),
        (StatusCode::CONFLICT, Some("conflict"))
    );

    // Audited as the agent's act.
    let (s, audit) = app
        .get(&c.admin, "/admin/audit?action=user.create_from_channel")
        .await;
    assert_eq!(s, StatusCode::OK, "{audit}");
    assert_eq!(audit["total"], 1, "{audit}");
    assert_eq!(
        audit["entries"][0]["actor_id"],
        c.agent.id.to_string(),
        "{audit}"
    );

    // Her next message finds her ticket by itself.
    let placed = arrives(&app, "+201005556677", "It works again").await;
    assert!(
        matches!(placed, Placed::Reply { ticket_id: t, .. } if t.to_string() == ticket_id),
        "{placed:?}"
    );

    // An e-mail from an unknown address, by an admin: the address is the sender's,
    // and her next e-mail is placed as hers.
    let Placed::Unmatched { id: mail } =
        mail_arrives(&app, "nadia@org-b.example", "Invoice printer", "It jams.").await
    else {
        panic!("an unknown address is unmatched");
    };
    let org_b = store.organisation_by_name("Org B").await.unwrap().id;
    let nadia = json!({"person_id": Uuid::now_v7(), "name": "Nadia Saleh",
                       "email": "nadia@org-b.example", "org_id": org_b, "locale": "en"});
    let (s, made) = make_person(&app, Some(&c.admin), mail, &nadia).await;
    assert_eq!(s, StatusCode::OK, "{made}");
    assert_eq!(made["user"]["phone"], serde_json::Value::Null);
    let (_, detail) = app
        .get(
            &c.admin,
            &format!("/tickets/{}", made["ticket_id"].as_str().unwrap()),
        )
        .await;
    assert_eq!(detail["ticket"]["title"], "Invoice printer");
    assert_eq!(detail["ticket"]["contact"]["email"], "nadia@org-b.example");
    let placed = mail_arrives(&app, "nadia@org-b.example", "Another one", "Hi").await;
    assert!(matches!(placed, Placed::Ticket { .. }), "{placed:?}");
    app.finish().await;
}
on_both!(staff_make_a_new_customer_from_an_unmatched_message);
