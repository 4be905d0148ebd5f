//! Contact details on a new ticket follow the one rule in `tadhkira_proto::contact`: a
//! clear `invalid` naming the field, and the stored value normalised.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use uuid::Uuid;

use crate::helpers::{Db, TestApp};
use crate::on_both;

fn ticket(contact: Value) -> Value {
    json!({
        "id": Uuid::now_v7(), "title": "Printer offline", "description": "It blinks",
        "priority": "low", "channel": "desktop", "contact": contact
    })
}

async fn contact_details_are_checked_per_field_and_stored_normalised(db: Db) {
    let app = TestApp::spawn(db).await;
    let cast = app.cast().await;
    let token = Some(cast.customer_a.token.as_str());
    for (contact, names) in [
        (json!({"email": "amal@nile"}), "contact e-mail"),
        (json!({"phone": "call me"}), "contact phone"),
        (json!({"phone": "12"}), "contact phone"),
        (json!({"name": "Amal\nNabil"}), "contact name"),
    ] {
        let (status, body) = app
            .call(
                Method::POST,
                "/tickets",
                token,
                Some(ticket(contact.clone())),
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{contact}: {body}");
        assert_eq!(body["code"], "invalid");
        let message = body["message"].as_str().unwrap_or_default();
        assert!(message.contains(names), "{contact}: {message}");
    }
    let (status, body) = app
        .call(
            Method::POST,
            "/tickets",
            token,
            Some(ticket(json!({
                "name": " Amal ", "email": "Amal@Nile.Example", "phone": "+٢٠ ١٠٠ ٥٥٥ ٠١٠٠"
            }))),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(
        body["ticket"]["contact"],
        json!({"name": "Amal", "email": "amal@nile.example", "phone": "+20 100 555 0100"})
    );
    app.finish().await;
}
on_both!(contact_details_are_checked_per_field_and_stored_normalised);
