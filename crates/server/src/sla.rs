//! Response targets: when a ticket's first public reply and its resolution are due.
//!
//! Wall-clock minutes (no business hours yet): due = created + target + time paused.
//! While a ticket is `pending` (waiting on the customer) the clock stops; when it
//! leaves `pending` the paused time is added, so the due times move later by exactly
//! that much. The due times are stored on the ticket so clients can sort and warn
//! offline.

use chrono::{DateTime, Duration, Utc};
use tadhkira_proto::{Status, Ticket};

use crate::config::SlaTargets;

/// Sets the due times from the ticket's priority, creation time and paused total.
pub fn recompute_dues(t: &mut Ticket, paused_ms: i64, targets: &SlaTargets) {
    let target = targets.for_priority(t.priority);
    let base = t.created_at + Duration::milliseconds(paused_ms);
    t.first_response_due_at = Some(base + Duration::minutes(target.first_response_minutes));
    t.resolution_due_at = Some(base + Duration::minutes(target.resolution_minutes));
}

/// Applies the clock rules of a status change made at `now`.
pub fn on_status_change(
    t: &mut Ticket,
    paused_ms: &mut i64,
    to: Status,
    now: DateTime<Utc>,
    targets: &SlaTargets,
) {
    let from = t.status;
    t.status = to;
    if to != Status::Pending {
        if let Some(since) = t.sla_paused_at.take() {
            *paused_ms += (now - since).num_milliseconds().max(0);
            recompute_dues(t, *paused_ms, targets);
        }
    } else if t.sla_paused_at.is_none() {
        t.sla_paused_at = Some(now);
    }
    if !to.is_active() {
        t.solved_at.get_or_insert(now);
    } else if !from.is_active() {
        t.solved_at = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tadhkira_proto::{Channel, Description, Filing, NewTicket, Priority, TicketTitle};
    use uuid::Uuid;

    /// An urgent ticket filed at `created`.
    fn ticket(created: DateTime<Utc>) -> Ticket {
        let new = NewTicket {
            id: Uuid::nil(),
            title: TicketTitle::parse("Printer offline").unwrap(),
            description: Description::parse("d").unwrap(),
            priority: Priority::Urgent,
            channel: Channel::Desktop,
            category: None,
            contact: Default::default(),
            checks: vec![],
            system_info: None,
            requester_id: None,
            lapsed_override: None,
            attachments: vec![],
            terms_version: None,
        };
        let filing = Filing {
            org_id: Uuid::nil(),
            org_name: String::new(),
            requester_id: Uuid::nil(),
            requester_name: String::new(),
            created_by: Uuid::nil(),
        };
        let mut t = Ticket::new(&new, filing, created);
        t.number = 1001;
        t
    }

    #[test]
    fn pending_pauses_the_clock_and_moves_the_due_time_later() {
        let t0 = Utc::now();
        let targets = SlaTargets::default();
        let mut t = ticket(t0);
        let mut paused = 0;
        recompute_dues(&mut t, paused, &targets);
        assert_eq!(t.resolution_due_at, Some(t0 + Duration::minutes(480)));
        on_status_change(
            &mut t,
            &mut paused,
            Status::Pending,
            t0 + Duration::minutes(10),
            &targets,
        );
        assert_eq!(t.sla_paused_at, Some(t0 + Duration::minutes(10)));
        assert!(
            !t.is_breaching(t0 + Duration::days(3)),
            "never breaching while paused"
        );
        on_status_change(
            &mut t,
            &mut paused,
            Status::Open,
            t0 + Duration::minutes(40),
            &targets,
        );
        assert_eq!(t.sla_paused_at, None);
        assert_eq!(t.resolution_due_at, Some(t0 + Duration::minutes(480 + 30)));
        on_status_change(
            &mut t,
            &mut paused,
            Status::Solved,
            t0 + Duration::minutes(50),
            &targets,
        );
        assert_eq!(t.solved_at, Some(t0 + Duration::minutes(50)));
        on_status_change(
            &mut t,
            &mut paused,
            Status::Open,
            t0 + Duration::minutes(60),
            &targets,
        );
        assert_eq!(t.solved_at, None);
    }
}
