//! What writing engines queued during a run of faults or a soak, and its comparison
//! with what the server holds afterwards: every ticket there once with its server
//! number, every message exactly once, every priority change leaving exactly one event.
//!
//! The suites that queue through faults (`engine_faults`, `reliability_soak`) record
//! each queued change here as the engine accepts it, and read the server back through
//! a fresh admin device once the faults are healed.

use std::collections::{BTreeMap, BTreeSet};

use tadhkira_client::{Engine, ListQuery};
use tadhkira_proto::EventKind;
use uuid::Uuid;

/// Everything the engines queued.
#[derive(Debug, Default)]
pub struct Queued {
    /// Tickets filed, in order.
    pub tickets: Vec<Uuid>,
    /// Message ids per ticket.
    pub messages: BTreeMap<Uuid, BTreeSet<Uuid>>,
    /// Priority changes per ticket (each to a new value by the ticket's one writer, so
    /// each must leave exactly one `priority_changed` event).
    pub priority_changes: BTreeMap<Uuid, usize>,
}

/// What the server holds, against what was queued.
#[derive(Debug, Default)]
pub struct Effects {
    /// Changes queued and not on the server.
    pub lost: u64,
    /// Changes on the server more often than queued (or never queued).
    pub duplicated: u64,
    /// Each difference, in words.
    pub problems: Vec<String>,
}

impl Queued {
    /// Reads every queued ticket back through `admin` (a device that sees everything),
    /// and counts the tickets whose title holds `tag`.
    pub async fn compare_with_server(&self, admin: &Engine, tag: &str) -> Effects {
        let mut out = Effects::default();
        for id in &self.tickets {
            let Ok(view) = admin.ticket(&id.to_string()).await else {
                out.lost += 1;
                out.problems
                    .push(format!("ticket {id} missing on the server"));
                continue;
            };
            if view.ticket.number <= 0 {
                out.lost += 1;
                out.problems
                    .push(format!("ticket {id} has no server number"));
            }
            let on_server: Vec<Uuid> = view.messages.iter().map(|m| m.id).collect();
            let distinct: BTreeSet<Uuid> = on_server.iter().copied().collect();
            let expected = self.messages.get(id).cloned().unwrap_or_default();
            out.duplicated += (on_server.len() - distinct.len()) as u64;
            out.lost += expected.difference(&distinct).count() as u64;
            out.duplicated += distinct.difference(&expected).count() as u64;
            if on_server.len() != distinct.len() || distinct != expected {
                out.problems.push(format!(
                    "ticket {id}: messages queued {expected:?}, on the server {on_server:?}"
                ));
            }
            let events = view
                .events
                .iter()
                .filter(|e| matches!(e.kind, EventKind::PriorityChanged { .. }))
                .count();
            let queued = self.priority_changes.get(id).copied().unwrap_or(0);
            if events != queued {
                out.lost += queued.saturating_sub(events) as u64;
                out.duplicated += events.saturating_sub(queued) as u64;
                out.problems.push(format!(
                    "ticket {id}: {queued} priority changes queued, {events} on the server"
                ));
            }
        }
        let listed = admin
            .list_tickets(&ListQuery {
                search: Some(tag.to_owned()),
                limit: 1,
                ..Default::default()
            })
            .await
            .expect("list");
        if listed.total != self.tickets.len() as i64 {
            out.problems.push(format!(
                "{} tickets filed, {} on the server",
                self.tickets.len(),
                listed.total
            ));
        }
        out
    }
}
