//! One visibility rule, two ways to read: for random tickets, replies, internal notes,
//! assignments, escalations and status changes, every role's `GET /tickets/{id}`,
//! `GET /tickets` and `/sync/pull` from 0 agree on what exists and what it holds — and
//! what a customer gets holds nothing internal (no note, no staff-only event, no
//! assignee, nothing of another organisation).
//!
//! The data comes from a seeded generator: the seed is printed, and
//! `TADHKIRA_VISIBILITY_SEED=N` replays a failing run.

use std::collections::{BTreeMap, BTreeSet};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use reqwest::StatusCode;
use serde_json::Value;
use tadhkira_proto::{FieldValue, Mutation, Priority, ShortText, Status, Tier, Visibility};
use uuid::Uuid;

use crate::helpers::{m, Db, Person, TestApp};
use crate::on_both;

/// What one person got of one ticket, through one way of reading.
#[derive(Debug, Default, PartialEq)]
struct Seen {
    ticket: Option<Value>,
    messages: BTreeMap<String, Value>,
    events: BTreeMap<String, Value>,
}

fn id_of(v: &Value) -> String {
    v["id"].as_str().expect("id").to_owned()
}

/// Everything a pull from 0 gives `who`, per ticket.
async fn by_pull(app: &TestApp, who: &Person) -> BTreeMap<String, Seen> {
    let mut out: BTreeMap<String, Seen> = BTreeMap::new();
    for change in app.pull_all(who).await {
        let data = change["entity"]["data"].clone();
        match change["entity"]["kind"].as_str().expect("kind") {
            "ticket" => {
                let id = id_of(&data);
                out.entry(id).or_default().ticket = Some(data);
            }
            "message" => {
                let t = data["ticket_id"].as_str().unwrap().to_owned();
                out.entry(t)
                    .or_default()
                    .messages
                    .insert(id_of(&data), data);
            }
            "event" => {
                let t = data["ticket_id"].as_str().unwrap().to_owned();
                out.entry(t).or_default().events.insert(id_of(&data), data);
            }
            // The same for everyone, and nothing the REST side lists.
            "response_policy" => {}
            other => panic!("unexpected entity {other}"),
        }
    }
    out
}

/// One ticket through `GET /tickets/{id}` (`None`: not found).
async fn by_detail(app: &TestApp, who: &Person, id: &str) -> Option<Seen> {
    let (status, body) = app.get(who, &format!("/tickets/{id}")).await;
    if status == StatusCode::NOT_FOUND {
        assert_eq!(body["code"], "not_found");
        return None;
    }
    assert_eq!(status, StatusCode::OK, "{body}");
    let keyed = |list: &Value| {
        list.as_array()
            .unwrap()
            .iter()
            .map(|v| (id_of(v), v.clone()))
            .collect()
    };
    Some(Seen {
        ticket: Some(body["ticket"].clone()),
        messages: keyed(&body["messages"]),
        events: keyed(&body["events"]),
    })
}

/// The ids `GET /tickets` lists for `who`.
async fn by_list(app: &TestApp, who: &Person) -> BTreeSet<String> {
    let (status, body) = app.get(who, "/tickets?limit=200").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["tickets"]
        .as_array()
        .unwrap()
        .iter()
        .map(id_of)
        .collect()
}

/// Event kinds that reveal internal handling (an independent list, not the server's).
fn internal_event(e: &Value) -> bool {
    let kind = e["kind"]["type"].as_str().unwrap_or_default();
    let field = e["kind"]["field"].as_str().unwrap_or_default();
    matches!(kind, "assigned" | "escalated" | "lapsed_override")
        || (kind == "overwritten" && matches!(field, "assignee" | "tier"))
}

/// A random change by a random person (some are refused by the server: a customer
/// writing on another organisation's ticket, a fourth escalation — that is part of it).
fn random_change(
    rng: &mut StdRng,
    tickets: &[(Uuid, usize)],
    people: &[&Person],
    customers: &[(usize, Uuid)],
    staff: &[usize],
) -> (usize, Mutation) {
    let pick_staff = |rng: &mut StdRng| staff[rng.gen_range(0..staff.len())];
    if tickets.is_empty() || rng.gen_bool(0.2) {
        let (who, requester) = customers[rng.gen_range(0..customers.len())];
        return if rng.gen_bool(0.5) {
            (
                who,
                m::new_ticket(Uuid::now_v7(), "A customer's ticket", None),
            )
        } else {
            let by = pick_staff(rng);
            (
                by,
                m::new_ticket(Uuid::now_v7(), "Logged by phone", Some(requester)),
            )
        };
    }
    let (ticket, owner) = tickets[rng.gen_range(0..tickets.len())];
    let anyone = rng.gen_range(0..people.len());
    match rng.gen_range(0..7) {
        0 => (
            if rng.gen_bool(0.5) { owner } else { anyone },
            m::message(ticket, "A public reply", Visibility::Public),
        ),
        1 => (
            pick_staff(rng),
            m::message(ticket, "An internal note", Visibility::Internal),
        ),
        2 => {
            let to = if rng.gen_bool(0.7) {
                Some(people[pick_staff(rng)].id)
            } else {
                None
            };
            (pick_staff(rng), m::set(ticket, FieldValue::Assignee(to), 0))
        }
        3 => (
            pick_staff(rng),
            Mutation::Escalate(tadhkira_proto::Escalation {
                ticket_id: ticket,
                to_tier: [Tier::L2, Tier::L3][rng.gen_range(0..2)],
                reason: ShortText::parse("Needs the next tier").unwrap(),
            }),
        ),
        4 => {
            let status = [Status::Open, Status::Pending, Status::Solved][rng.gen_range(0..3)];
            (
                pick_staff(rng),
                m::set(ticket, FieldValue::Status(status), 0),
            )
        }
        5 => (owner, m::set(ticket, FieldValue::Status(Status::Solved), 0)),
        _ => (
            pick_staff(rng),
            m::set(ticket, FieldValue::Priority(Priority::High), 0),
        ),
    }
}

async fn rest_and_feed_agree_for_every_role_on_random_data(db: Db) {
    let seed: u64 = std::env::var("TADHKIRA_VISIBILITY_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(rand::random);
    eprintln!("visibility: seed {seed} (TADHKIRA_VISIBILITY_SEED={seed} replays it)");
    let mut rng = StdRng::seed_from_u64(seed);

    let app = TestApp::spawn(db).await;
    let cast = app.cast().await;
    let colleague = app
        .person(
            "a2@org-a.example",
            tadhkira_proto::Role::Customer,
            Some("Org A"),
            None,
        )
        .await;
    let l3 = app
        .person(
            "l3@help.example",
            tadhkira_proto::Role::Agent,
            None,
            Some(3),
        )
        .await;
    let people = [
        &cast.customer_a,
        &colleague,
        &cast.customer_b,
        &cast.lapsed,
        &cast.agent,
        &l3,
        &cast.admin,
    ];
    let customers = [
        (0, cast.customer_a.id),
        (1, colleague.id),
        (2, cast.customer_b.id),
    ];
    let staff = [4, 5, 6];
    let org_of = |who: usize| match who {
        0 | 1 => Some("Org A"),
        2 => Some("Org B"),
        3 => Some("Lapsed Org"),
        _ => None,
    };

    let mut tickets: Vec<(Uuid, usize)> = Vec::new();
    for round in 0..3 {
        for _ in 0..40 {
            let (who, mutation) = random_change(&mut rng, &tickets, &people, &customers, &staff);
            if let Mutation::CreateTicket(t) = &mutation {
                let owner = t
                    .requester_id
                    .and_then(|r| customers.iter().find(|c| c.1 == r).map(|c| c.0))
                    .unwrap_or(who);
                let results = app
                    .push(people[who], &[m::envelope(mutation.clone())])
                    .await;
                if results[0]["outcome"] == "applied" {
                    tickets.push((t.id, owner));
                }
                continue;
            }
            app.push(people[who], &[m::envelope(mutation)]).await;
        }

        let everything = by_pull(&app, &cast.admin).await;
        for (i, who) in people.iter().enumerate() {
            let pulled = by_pull(&app, who).await;
            let listed = by_list(&app, who).await;
            let with_ticket: BTreeSet<String> = pulled
                .iter()
                .filter(|(_, s)| s.ticket.is_some())
                .map(|(id, _)| id.clone())
                .collect();
            assert_eq!(
                listed, with_ticket,
                "seed {seed} round {round}: {} list vs pull",
                who.email
            );
            for id in everything.keys() {
                let detail = by_detail(&app, who, id).await;
                let feed = pulled.get(id);
                match (&detail, feed) {
                    (None, None) => {}
                    (Some(d), Some(f)) => assert_eq!(
                        d, f,
                        "seed {seed} round {round}: {} sees ticket {id} differently in REST and pull",
                        who.email
                    ),
                    _ => panic!(
                        "seed {seed} round {round}: {} gets ticket {id} from one read only: detail {detail:?}, pull {feed:?}",
                        who.email
                    ),
                }
                let Some(seen) = detail else { continue };
                if let Some(org) = org_of(i) {
                    let t = seen.ticket.as_ref().unwrap();
                    assert_eq!(
                        t["org_name"], org,
                        "seed {seed}: another organisation's ticket"
                    );
                    assert!(
                        t["assignee_id"].is_null() && t["assignee_name"].is_null(),
                        "seed {seed}: assignee shown to a customer: {t}"
                    );
                    assert!(
                        t["tier"].is_null(),
                        "seed {seed}: tier shown to a customer: {t}"
                    );
                    for msg in seen.messages.values() {
                        assert_eq!(
                            msg["visibility"], "public",
                            "seed {seed}: internal note shown to a customer"
                        );
                    }
                    for e in seen.events.values() {
                        assert!(
                            !internal_event(e),
                            "seed {seed}: internal event shown to a customer: {e}"
                        );
                    }
                } else {
                    let t = seen.ticket.as_ref().unwrap();
                    assert!(
                        matches!(t["tier"].as_i64(), Some(1..=3)),
                        "seed {seed}: staff see the ticket's tier: {t}"
                    );
                }
            }
        }
    }
    // The run saw what it means to check: internal notes and internal events exist.
    let all = by_pull(&app, &cast.admin).await;
    let notes = all
        .values()
        .flat_map(|s| s.messages.values())
        .filter(|msg| msg["visibility"] == "internal")
        .count();
    let internal = all
        .values()
        .flat_map(|s| s.events.values())
        .filter(|e| internal_event(e))
        .count();
    assert!(
        notes > 0 && internal > 0,
        "seed {seed}: a run without internal items proves little"
    );
    app.finish().await;
}
on_both!(rest_and_feed_agree_for_every_role_on_random_data);
