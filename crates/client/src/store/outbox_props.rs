//! Property test of the outbox rules (issue 21): random sequences of local changes,
//! push rounds with random answers (applied, duplicate, rejected, transient), resends,
//! discards and crashes (the store closed and opened again) run against a real SQLite
//! file and against a plain in-memory model of the rules; after every step the outbox
//! must equal the model — same entries, same order, same states, reasons and holds.
//!
//! The rules the model spells out (see `outbox.rs`):
//! - entries leave only by an applied or duplicate answer, or by a discard;
//! - a push sends queued entries in order, after holding every queued entry that has an
//!   earlier rejected entry on the same ticket (`depends_on_rejected`, on the earliest);
//! - a rejection inside a batch holds the ticket's later rejections of that batch on it;
//!   a transient rejection (busy, rate limited, internal) leaves the entry queued;
//! - a resend queues the entry and those held on it; discarding a creation drops every
//!   entry of its ticket, discarding anything else releases what was held on it;
//! - a crash changes nothing that was committed;
//! - the queued and rejected counts the sync state shows are the outbox's.
//!
//! `PROPTEST_CASES=N` runs more cases.

use proptest::prelude::*;
use tadhkira_proto::{
    Applied, Channel, Description, ErrorCode, MessageBody, Mutation, MutationEnvelope,
    MutationResult, NewMessage, NewTicket, Outcome, Priority, Role, TicketTitle, Visibility,
};
use uuid::Uuid;

use super::{outbox, Store};
use crate::model::OutboxState;

const TICKETS: usize = 3;

#[derive(Debug, Clone)]
enum Op {
    Append {
        ticket: usize,
        create: bool,
    },
    /// A push of at most `limit` entries; answers drawn from `answers` in turn
    /// (0 applied, 1 duplicate, 2 rejected, 3 transient).
    Push {
        limit: usize,
        answers: Vec<u8>,
    },
    Resend {
        pick: usize,
    },
    Discard {
        pick: usize,
    },
    Crash,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0..TICKETS, any::<bool>()).prop_map(|(ticket, create)| Op::Append { ticket, create }),
        3 => (1usize..6, prop::collection::vec(0u8..4, 1..6))
            .prop_map(|(limit, answers)| Op::Push { limit, answers }),
        1 => any::<usize>().prop_map(|pick| Op::Resend { pick }),
        1 => any::<usize>().prop_map(|pick| Op::Discard { pick }),
        1 => Just(Op::Crash),
    ]
}

/// One entry as the model sees it.
#[derive(Debug, Clone, PartialEq)]
struct Entry {
    id: Uuid,
    ticket: usize,
    create: bool,
    rejected: Option<(ErrorCode, Option<Uuid>)>,
}

#[derive(Default)]
struct Model {
    entries: Vec<Entry>,
}

impl Model {
    fn hold_behind_rejected(&mut self) -> u32 {
        let mut held = 0;
        for i in 0..self.entries.len() {
            if self.entries[i].rejected.is_some() {
                continue;
            }
            let ticket = self.entries[i].ticket;
            let first = self.entries[..i]
                .iter()
                .find(|e| e.ticket == ticket && e.rejected.is_some())
                .map(|e| e.id);
            if let Some(first) = first {
                self.entries[i].rejected = Some((ErrorCode::DependsOnRejected, Some(first)));
                held += 1;
            }
        }
        held
    }

    fn batch(&self, limit: usize) -> Vec<Uuid> {
        self.entries
            .iter()
            .filter(|e| e.rejected.is_none())
            .take(limit)
            .map(|e| e.id)
            .collect()
    }

    fn answer(&mut self, answers: &[(Uuid, u8)]) {
        let mut first_rejected: std::collections::HashMap<usize, Uuid> = Default::default();
        for (id, a) in answers {
            let Some(i) = self.entries.iter().position(|e| e.id == *id) else {
                continue;
            };
            match a {
                0 | 1 => {
                    self.entries.remove(i);
                }
                2 => {
                    let ticket = self.entries[i].ticket;
                    self.entries[i].rejected = Some(match first_rejected.get(&ticket) {
                        Some(first) => (ErrorCode::DependsOnRejected, Some(*first)),
                        None => (ErrorCode::Forbidden, None),
                    });
                    first_rejected.entry(ticket).or_insert(*id);
                }
                _ => {}
            }
        }
    }

    fn resend(&mut self, id: Uuid) {
        for e in &mut self.entries {
            if e.id == id || matches!(e.rejected, Some((_, Some(d))) if d == id) {
                e.rejected = None;
            }
        }
    }

    fn discard(&mut self, id: Uuid) {
        let Some(i) = self.entries.iter().position(|e| e.id == id) else {
            return;
        };
        let gone = self.entries[i].clone();
        if gone.create {
            self.entries.retain(|e| e.ticket != gone.ticket);
        } else {
            self.entries.remove(i);
            for e in &mut self.entries {
                if matches!(e.rejected, Some((_, Some(d))) if d == id) {
                    e.rejected = None;
                }
            }
        }
    }
}

fn mutation(ticket_id: Uuid, create: bool) -> Mutation {
    if create {
        Mutation::CreateTicket(NewTicket {
            id: ticket_id,
            title: TicketTitle::parse("Printer offline").unwrap(),
            description: Description::parse("since the update").unwrap(),
            priority: Priority::Normal,
            channel: Channel::Desktop,
            category: None,
            contact: Default::default(),
            checks: vec![],
            system_info: None,
            requester_id: None,
            lapsed_override: None,
            terms_version: None,
            attachments: vec![],
        })
    } else {
        Mutation::AddMessage(NewMessage {
            id: Uuid::now_v7(),
            ticket_id,
            body: MessageBody::parse("more detail").unwrap(),
            visibility: Visibility::Public,
            attachments: vec![],
        })
    }
}

/// The outbox as the model's entries (ticket numbers from `tickets`).
async fn observed(s: &Store, tickets: &[Uuid]) -> Vec<Entry> {
    s.outbox(None)
        .await
        .unwrap()
        .into_iter()
        .map(|item| Entry {
            id: item.id,
            ticket: tickets.iter().position(|t| *t == item.ticket_id).unwrap(),
            create: item.kind == "create_ticket",
            rejected: (item.state == OutboxState::Rejected)
                .then(|| (item.error.expect("a reason").code, item.depends_on)),
        })
        .collect()
}

async fn run(ops: Vec<Op>) -> Result<(), TestCaseError> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("local.db");
    let mut s = Store::open(&path).await.unwrap();
    let me = super::tests::user(Role::Customer);
    let tickets: Vec<Uuid> = (0..TICKETS).map(|_| Uuid::now_v7()).collect();
    let mut model = Model::default();
    for (step, op) in ops.into_iter().enumerate() {
        match &op {
            Op::Append { ticket, create } => {
                let env = MutationEnvelope {
                    id: Uuid::now_v7(),
                    mutation: mutation(tickets[*ticket], *create),
                };
                let mut conn = s.pool.acquire().await.unwrap();
                outbox::append(&mut conn, &env).await.unwrap();
                model.entries.push(Entry {
                    id: env.id,
                    ticket: *ticket,
                    create: *create,
                    rejected: None,
                });
            }
            Op::Push { limit, answers } => {
                let (held, batch) = s.next_batch(*limit).await.unwrap();
                // The store skips holding when nothing is rejected; so does the model
                // (nothing to hold behind).
                let model_held = model.hold_behind_rejected();
                prop_assert_eq!(held, model_held, "step {}: held", step);
                let ids: Vec<Uuid> = batch.iter().map(|e| e.id).collect();
                prop_assert_eq!(&ids, &model.batch(*limit), "step {}: batch", step);
                let answered: Vec<(Uuid, u8)> = ids
                    .iter()
                    .zip(answers.iter().cycle())
                    .map(|(id, a)| (*id, *a))
                    .collect();
                let results: Vec<MutationResult> = answered
                    .iter()
                    .map(|(id, a)| MutationResult {
                        id: *id,
                        outcome: match a {
                            0 | 1 => {
                                let result = Applied {
                                    ticket_id: Uuid::nil(),
                                    ticket_number: 1,
                                    seq: 1,
                                };
                                if *a == 0 {
                                    Outcome::Applied { result }
                                } else {
                                    Outcome::Duplicate { result }
                                }
                            }
                            2 => Outcome::Rejected {
                                code: ErrorCode::Forbidden,
                                message: "no".into(),
                            },
                            _ => Outcome::Rejected {
                                code: ErrorCode::Busy,
                                message: "busy".into(),
                            },
                        },
                    })
                    .collect();
                s.apply_push_results(&results).await.unwrap();
                model.answer(&answered);
            }
            Op::Resend { pick } => {
                let rejected: Vec<Uuid> = model
                    .entries
                    .iter()
                    .filter(|e| e.rejected.is_some())
                    .map(|e| e.id)
                    .collect();
                if let Some(id) = rejected.get(pick % rejected.len().max(1)) {
                    s.resend(*id, None).await.unwrap();
                    model.resend(*id);
                }
            }
            Op::Discard { pick } => {
                if let Some(e) = model.entries.get(pick % model.entries.len().max(1)) {
                    let id = e.id;
                    s.discard(id, &me).await.unwrap();
                    model.discard(id);
                }
            }
            Op::Crash => {
                s.close().await;
                s = Store::open(&path).await.unwrap();
            }
        }
        let seen = observed(&s, &tickets).await;
        prop_assert_eq!(&seen, &model.entries, "step {} ({:?})", step, op);
        // The counts the triggers keep (migration 0014) follow every change.
        let rejected = model
            .entries
            .iter()
            .filter(|e| e.rejected.is_some())
            .count() as u32;
        prop_assert_eq!(
            s.outbox_counts().await.unwrap(),
            (model.entries.len() as u32 - rejected, rejected),
            "step {} ({:?}): counts",
            step,
            op
        );
    }
    prop_assert_eq!(s.integrity_check().await.unwrap(), "ok");
    s.close().await;
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 48,
        // A failure prints its minimal case; nothing is written into the source tree.
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn the_outbox_follows_its_rules_through_any_sequence(ops in prop::collection::vec(op(), 1..40)) {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(run(ops))?;
    }
}

/// One queued entry of the pipelined-push property: its ticket, and whether it is a
/// creation carrying the support terms' acceptance (which orders other tickets).
#[derive(Debug, Clone)]
struct Queued {
    ticket: usize,
    kind: u8,
}

fn queued() -> impl Strategy<Value = Queued> {
    // 0 a creation, 1 a reply, 2 a creation that accepts the terms.
    (
        0..5usize,
        prop_oneof![3 => Just(0u8), 6 => Just(1u8), 1 => Just(2u8)],
    )
        .prop_map(|(ticket, kind)| Queued { ticket, kind })
}

/// The pipelined push's second batch (`next_batch_beside`), built while the first is in
/// flight: it shares no ticket with the first; per ticket it is the ticket's earliest
/// queued entries (no entry of it is skipped or overtaken); it holds no entry that
/// orders other tickets and none queued after such an entry; and it is as long as these
/// rules allow (up to its limit).
async fn pipelined(entries: Vec<Queued>, first: usize, second: usize) -> Result<(), TestCaseError> {
    let dir = tempfile::tempdir().unwrap();
    let s = Store::open(&dir.path().join("local.db")).await.unwrap();
    let tickets: Vec<Uuid> = (0..5).map(|_| Uuid::now_v7()).collect();
    let mut queue = Vec::new();
    let mut conn = s.pool.acquire().await.unwrap();
    for q in &entries {
        let mut m = mutation(tickets[q.ticket], q.kind != 1);
        if let (Mutation::CreateTicket(t), 2) = (&mut m, q.kind) {
            t.terms_version = Some(1);
        }
        let env = MutationEnvelope {
            id: Uuid::now_v7(),
            mutation: m,
        };
        outbox::append(&mut conn, &env).await.unwrap();
        queue.push((env.id, q.ticket, q.kind == 2));
    }
    drop(conn);
    let (_, a) = s.next_batch(first).await.unwrap();
    let busy: std::collections::HashSet<Uuid> = a.iter().map(|e| e.mutation.ticket_id()).collect();
    let (_, b) = s.next_batch_beside(second, &busy).await.unwrap();
    let a_ids: Vec<Uuid> = a.iter().map(|e| e.id).collect();
    let b_ids: Vec<Uuid> = b.iter().map(|e| e.id).collect();
    prop_assert_eq!(
        &a_ids[..],
        &queue.iter().take(first).map(|q| q.0).collect::<Vec<_>>()[..]
    );
    // What the rules allow, written out plainly from the queue.
    let busy_tickets: Vec<usize> = queue.iter().take(first).map(|q| q.1).collect();
    let mut allowed = Vec::new();
    if !busy.is_empty() {
        // The whole queue: the entries in flight are still queued, and one of them that
        // orders other tickets stops the batch too.
        for &(id, ticket, terms) in queue.iter() {
            if terms || allowed.len() == second {
                break;
            }
            if !busy_tickets.contains(&ticket) {
                allowed.push(id);
            }
        }
    } else {
        allowed = queue.iter().take(second).map(|q| q.0).collect();
    }
    prop_assert_eq!(&b_ids, &allowed);
    for e in &b {
        prop_assert!(
            !busy.contains(&e.mutation.ticket_id()),
            "a ticket in flight"
        );
        prop_assert!(!super::orders_other_tickets(&e.mutation) || busy.is_empty());
    }
    // Per ticket, the second batch is a prefix of what is left of the ticket's queue.
    for t in &tickets {
        let left: Vec<Uuid> = queue
            .iter()
            .filter(|q| tickets[q.1] == *t && !a_ids.contains(&q.0))
            .map(|q| q.0)
            .collect();
        let sent: Vec<Uuid> = b
            .iter()
            .filter(|e| e.mutation.ticket_id() == *t)
            .map(|e| e.id)
            .collect();
        prop_assert_eq!(&left[..sent.len()], &sent[..]);
    }
    s.close().await;
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 64,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn a_batch_sent_beside_another_can_overtake_it_safely(
        entries in prop::collection::vec(queued(), 0..30),
        first in 0usize..8,
        second in 1usize..8,
    ) {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(pipelined(entries, first, second))?;
    }
}
