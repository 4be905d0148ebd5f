//! Staff logging a ticket for an organisation whose subscription is not active: refused
//! without an override reason, accepted with one, and the reason kept on the timeline
//! for staff only. Customers cannot override.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use uuid::Uuid;

use crate::helpers::{m, Db, TestApp};
use crate::on_both;

async fn staff_need_a_reason_to_log_a_ticket_for_a_lapsed_organisation(db: Db) {
    let app = TestApp::spawn(db).await;
    let cast = app.cast().await;
    let ticket = Uuid::now_v7();
    let call = || m::new_ticket(ticket, "Cannot print", Some(cast.lapsed.id));

    let refused = app.push(&cast.agent, &[m::envelope(call())]).await;
    assert_eq!(refused[0]["outcome"], "rejected", "{refused:?}");
    assert_eq!(refused[0]["code"], "subscription_inactive");
    let message = refused[0]["message"].as_str().unwrap();
    assert!(
        message.contains("Lapsed Org") && message.contains("override"),
        "{message}"
    );
    assert!(
        app.pull_all_but_policy(&cast.agent).await.is_empty(),
        "nothing created"
    );

    // The same mutation id, fixed: rejections are not recorded.
    let reason = "Renewal paid by bank transfer, not yet booked";
    let logged = app
        .push(&cast.agent, &[m::envelope(m::overriding(call(), reason))])
        .await;
    assert_eq!(logged[0]["outcome"], "applied", "{logged:?}");

    let (status, staff_view) = app.get(&cast.agent, &format!("/tickets/{ticket}")).await;
    assert_eq!(status, StatusCode::OK);
    let kinds: Vec<&Value> = staff_view["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["kind"])
        .collect();
    assert_eq!(kinds.len(), 2, "{kinds:?}");
    assert_eq!(kinds[0]["type"], "created");
    assert_eq!(
        *kinds[1],
        json!({"type": "lapsed_override", "org_name": "Lapsed Org", "reason": reason})
    );
    // Pulled by staff too, so the app shows it offline.
    let staff_feed = app.pull_all(&cast.agent).await;
    assert!(
        staff_feed
            .iter()
            .any(|c| c["entity"]["data"]["kind"]["type"] == "lapsed_override"),
        "{staff_feed:?}"
    );

    // How support handles the account is internal: the customer sees the ticket and
    // its creation, not the override.
    let (_, customer_view) = app.get(&cast.lapsed, &format!("/tickets/{ticket}")).await;
    let customer_kinds: Vec<&Value> = customer_view["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["kind"]["type"])
        .collect();
    assert_eq!(customer_kinds, [&json!("created")]);
    let customer_feed = app.pull_all(&cast.lapsed).await;
    assert!(!customer_feed.is_empty());
    assert!(
        customer_feed
            .iter()
            .all(|c| c["entity"]["data"]["kind"]["type"] != "lapsed_override"),
        "{customer_feed:?}"
    );
    app.finish().await;
}
on_both!(staff_need_a_reason_to_log_a_ticket_for_a_lapsed_organisation);

async fn an_override_for_a_paid_organisation_is_not_recorded(db: Db) {
    let app = TestApp::spawn(db).await;
    let cast = app.cast().await;
    let ticket = Uuid::now_v7();
    // A directory kept offline may be older than a renewal: the ticket goes through and
    // the timeline does not claim a lapse that is not there.
    let logged = app
        .push(
            &cast.agent,
            &[m::envelope(m::overriding(
                m::new_ticket(ticket, "Cannot print", Some(cast.customer_a.id)),
                "Thought it had lapsed",
            ))],
        )
        .await;
    assert_eq!(logged[0]["outcome"], "applied", "{logged:?}");
    let (_, view) = app.get(&cast.agent, &format!("/tickets/{ticket}")).await;
    let events = view["events"].as_array().unwrap();
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0]["kind"]["type"], "created");
    app.finish().await;
}
on_both!(an_override_for_a_paid_organisation_is_not_recorded);

async fn customers_cannot_override_a_lapsed_subscription(db: Db) {
    let app = TestApp::spawn(db).await;
    let cast = app.cast().await;
    for who in [&cast.lapsed, &cast.customer_a] {
        let pushed = app
            .push(
                who,
                &[m::envelope(m::overriding(
                    m::new_ticket(Uuid::now_v7(), "Please let me in", None),
                    "I will pay next week",
                ))],
            )
            .await;
        assert_eq!(pushed[0]["code"], "forbidden", "{pushed:?}");
    }
    // The REST route goes through the same check.
    let (status, body) = app
        .call(
            Method::POST,
            "/tickets",
            Some(&cast.lapsed.token),
            Some(json!({
                "id": Uuid::now_v7(), "title": "Please let me in", "description": "d",
                "priority": "low", "channel": "desktop", "lapsed_override": "pay later"
            })),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(body["code"], "forbidden");
    let (_, list) = app.get(&cast.agent, "/tickets").await;
    assert_eq!(list["total"], 0);
    app.finish().await;
}
on_both!(customers_cannot_override_a_lapsed_subscription);
