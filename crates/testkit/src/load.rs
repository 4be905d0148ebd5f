//! Loading a server over the wire protocol: tickets and their messages as one ordered
//! list of mutations, pushed in the largest batches the server takes. The bench
//! measures with it (push throughput, the data a first sync pulls); the suites fill a
//! server with it (a first sync of 10,000 tickets to kill the app in).

use std::time::Instant;

use anyhow::{ensure, Result};
use tadhkira_proto::{
    Channel, Contact, Description, MessageBody, Mutation, MutationEnvelope, NewMessage, NewTicket,
    Outcome, Priority, PushRequest, PushResponse, TicketTitle, Visibility, MAX_PUSH_BATCH,
};
use uuid::Uuid;

/// A new ticket as a customer would file it.
pub fn new_ticket(i: usize) -> NewTicket {
    NewTicket {
        id: Uuid::now_v7(),
        title: TicketTitle::parse(format!("Bench ticket {i}: VPN drops every hour"))
            .expect("title"),
        description: Description::parse(
            "The VPN disconnects every hour since Monday. ينقطع الاتصال كل ساعة.",
        )
        .expect("description"),
        priority: Priority::Normal,
        channel: Channel::Desktop,
        category: None,
        contact: Contact::default(),
        checks: vec![],
        system_info: None,
        requester_id: None,
        lapsed_override: None,
        attachments: vec![],
        terms_version: None,
    }
}

/// `tickets` × (create_ticket + `messages` × add_message) as one ordered list.
pub fn creations(tickets: usize, messages: usize) -> Vec<MutationEnvelope> {
    let mut out = Vec::with_capacity(tickets * (1 + messages));
    for i in 0..tickets {
        let t = new_ticket(i);
        let ticket_id = t.id;
        out.push(MutationEnvelope {
            id: Uuid::now_v7(),
            mutation: Mutation::CreateTicket(t),
        });
        out.extend((0..messages).map(|_| MutationEnvelope {
            id: Uuid::now_v7(),
            mutation: Mutation::AddMessage(NewMessage {
                id: Uuid::now_v7(),
                ticket_id,
                body: MessageBody::parse("Screenshot of the error attached.").expect("body"),
                visibility: Visibility::Public,
                attachments: vec![],
            }),
        }));
    }
    out
}

/// Pushes `mutations` in batches over the wire protocol; returns mutations/s.
pub async fn push_wire(url: &str, token: &str, mutations: Vec<MutationEnvelope>) -> Result<f64> {
    let http = reqwest::Client::new();
    let client_id = Uuid::new_v4();
    let n = mutations.len();
    let start = Instant::now();
    for batch in mutations.chunks(MAX_PUSH_BATCH) {
        let resp: PushResponse = http
            .post(format!("{url}/api/v1/sync/push"))
            .bearer_auth(token)
            .json(&PushRequest {
                client_id,
                mutations: batch.to_vec(),
            })
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        for r in &resp.results {
            ensure!(
                matches!(r.outcome, Outcome::Applied { .. }),
                "mutation {} not applied: {:?}",
                r.id,
                r.outcome
            );
        }
    }
    Ok(n as f64 / start.elapsed().as_secs_f64())
}
