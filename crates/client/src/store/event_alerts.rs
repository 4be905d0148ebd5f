//! Which pulled timeline events deserve an alert, and for whom (the rules are decided
//! here; `wording.rs` puts them in words):
//!
//! - to the requester: staff set the ticket `solved` or `pending`, or the server's
//!   pending reminder ([`EventKind::PendingReminder`]);
//! - to staff: a ticket assigned to me, a ticket escalated into my tier;
//! - a customer's reopen (the requester moving a `solved` or `closed` ticket back to
//!   `open`) goes to the ticket's assignee, or, while nobody is assigned, to the agents
//!   of the ticket's tier (its queue): someone who can act on it hears of it, and not
//!   every agent of the desk.
//!
//! Never for my own actions. Each event alerts at most once: the id of every pulled
//! event not by me is marked in the `alerted` table like a message id (both are UUIDv7s
//! made for one entity, so they never collide), so a restart or a pull of the same
//! event again stays quiet. The first sync marks without alerting.

use tadhkira_proto::{EventKind, Role, Status, Ticket, TicketEvent, User};

use super::bulk::mark_alerted;
use super::tickets::load_tickets;
use crate::error::Result;
use crate::model::AlertKind;

/// A pulled event that deserves an alert, with what the alert shows.
#[derive(Debug, Clone)]
pub(crate) struct PulledEventAlert {
    pub kind: AlertKind,
    pub event: TicketEvent,
    pub ticket_number: Option<i64>,
    pub ticket_title: String,
}

/// The kind of alert `e` on ticket `t` raises for `me`, if any.
fn alert_kind(e: &TicketEvent, t: &Ticket, me: &User) -> Option<AlertKind> {
    if e.actor_id == me.id {
        return None;
    }
    let by_requester = e.actor_id == t.requester_id;
    let i_requested = t.requester_id == me.id;
    let my_tier_queue = me.role == Role::Agent && me.tier.is_some() && me.tier == t.tier;
    match &e.kind {
        EventKind::StatusChanged {
            to: Status::Solved, ..
        } if i_requested && !by_requester => Some(AlertKind::Solved),
        EventKind::StatusChanged {
            to: Status::Pending,
            ..
        } if i_requested && !by_requester => Some(AlertKind::Pending),
        EventKind::PendingReminder { .. } if i_requested => Some(AlertKind::Reminder),
        EventKind::Assigned { to: Some(to), .. } if *to == me.id => Some(AlertKind::Assigned),
        EventKind::Escalated { to, .. } if me.role == Role::Agent && me.tier == Some(*to) => {
            Some(AlertKind::Escalated)
        }
        EventKind::StatusChanged {
            from: Status::Solved | Status::Closed,
            to: Status::Open,
        } if by_requester && me.role.is_staff() => match t.assignee_id {
            Some(assignee) => (assignee == me.id).then_some(AlertKind::Reopened),
            None => my_tier_queue.then_some(AlertKind::Reopened),
        },
        _ => None,
    }
}

/// The events of a pulled page that deserve an alert for `me` and were never alerted
/// before. Every event not by `me` is marked alerted, whether it deserves an alert or
/// not, so the marks do not depend on the order the feed brought tickets and events in
/// (an event's ticket may come in a later page), nor on paging against a snapshot load
/// (`snapshot.rs` marks the same). `alerts` is false during the first sync: then the
/// events are only marked, and what a first sync brought never alerts later.
pub(crate) async fn pulled_event_alerts(
    conn: &mut sqlx::SqliteConnection,
    events: &[&TicketEvent],
    me: &User,
    alerts: bool,
) -> Result<Vec<PulledEventAlert>> {
    let mut others: Vec<&TicketEvent> = events
        .iter()
        .copied()
        .filter(|e| e.actor_id != me.id)
        .collect();
    let first_time = mark_alerted(&mut *conn, others.iter().map(|e| e.id)).await?;
    let mut out = Vec::new();
    if !alerts {
        return Ok(out);
    }
    others.retain(|e| first_time.contains(&e.id));
    let tickets = load_tickets(&mut *conn, others.iter().map(|e| e.ticket_id)).await?;
    for e in others {
        let Some(t) = tickets.get(&e.ticket_id) else {
            continue;
        };
        if let Some(kind) = alert_kind(e, t, me) {
            out.push(PulledEventAlert {
                kind,
                event: e.clone(),
                ticket_number: (t.number > 0).then_some(t.number),
                ticket_title: t.title.clone(),
            });
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use tadhkira_proto::Tier;
    use uuid::Uuid;

    fn user(role: Role, tier: Option<Tier>) -> User {
        User {
            id: Uuid::now_v7(),
            email: "x@example.com".into(),
            name: "X".into(),
            role,
            org_id: None,
            tier,
            locale: "en".into(),
            phone: None,
        }
    }

    fn ticket(requester: &User, assignee: Option<&User>, tier: Tier) -> Ticket {
        let new = tadhkira_proto::NewTicket {
            id: Uuid::now_v7(),
            title: tadhkira_proto::TicketTitle::parse("Printer").unwrap(),
            description: tadhkira_proto::Description::parse("d").unwrap(),
            priority: tadhkira_proto::Priority::Normal,
            channel: tadhkira_proto::Channel::Desktop,
            category: None,
            contact: Default::default(),
            checks: vec![],
            system_info: None,
            requester_id: None,
            lapsed_override: None,
            attachments: vec![],
            terms_version: None,
        };
        let filing = tadhkira_proto::Filing {
            org_id: Uuid::now_v7(),
            org_name: "Nile".into(),
            requester_id: requester.id,
            requester_name: requester.name.clone(),
            created_by: requester.id,
        };
        let mut t = Ticket::new(&new, filing, chrono::Utc::now());
        t.assignee_id = assignee.map(|a| a.id);
        t.tier = Some(tier);
        t
    }

    fn event(t: &Ticket, actor: &User, kind: EventKind) -> TicketEvent {
        TicketEvent {
            id: Uuid::now_v7(),
            ticket_id: t.id,
            actor_id: actor.id,
            actor_name: actor.name.clone(),
            kind,
            created_at: chrono::Utc::now(),
        }
    }

    fn status(from: Status, to: Status) -> EventKind {
        EventKind::StatusChanged { from, to }
    }

    #[test]
    fn each_event_alerts_only_the_people_it_matters_to() {
        let customer = user(Role::Customer, None);
        let l1 = user(Role::Agent, Some(Tier::L1));
        let l1b = user(Role::Agent, Some(Tier::L1));
        let l2 = user(Role::Agent, Some(Tier::L2));
        let admin = user(Role::Admin, None);
        let unassigned = ticket(&customer, None, Tier::L1);
        let assigned = ticket(&customer, Some(&l1), Tier::L1);
        let k = |e: &TicketEvent, t: &Ticket, me: &User| alert_kind(e, t, me);

        // Staff solve / pend: the requester hears; staff do not; the customer's own
        // solve is their own action.
        let solved = event(&unassigned, &l1, status(Status::Open, Status::Solved));
        assert_eq!(k(&solved, &unassigned, &customer), Some(AlertKind::Solved));
        assert_eq!(k(&solved, &unassigned, &l1b), None);
        let own = event(&unassigned, &customer, status(Status::Open, Status::Solved));
        assert_eq!(k(&own, &unassigned, &customer), None);
        let pending = event(&unassigned, &l1, status(Status::Open, Status::Pending));
        assert_eq!(
            k(&pending, &unassigned, &customer),
            Some(AlertKind::Pending)
        );
        let on_hold = event(&unassigned, &l1, status(Status::Open, Status::OnHold));
        assert_eq!(k(&on_hold, &unassigned, &customer), None);

        // The reminder, by the system, to the requester.
        let system = user(Role::Admin, None);
        let reminder = event(
            &unassigned,
            &system,
            EventKind::PendingReminder { after_days: 3 },
        );
        assert_eq!(
            k(&reminder, &unassigned, &customer),
            Some(AlertKind::Reminder)
        );
        assert_eq!(k(&reminder, &unassigned, &l1), None);

        // Assignment to me; escalation into my tier (agents, not admins).
        let assign = event(
            &assigned,
            &admin,
            EventKind::Assigned {
                from: None,
                to: Some(l1.id),
                to_name: None,
            },
        );
        assert_eq!(k(&assign, &assigned, &l1), Some(AlertKind::Assigned));
        assert_eq!(k(&assign, &assigned, &l1b), None);
        let self_assigned = event(
            &assigned,
            &l1,
            EventKind::Assigned {
                from: None,
                to: Some(l1.id),
                to_name: None,
            },
        );
        assert_eq!(k(&self_assigned, &assigned, &l1), None, "my own action");
        let esc = event(
            &unassigned,
            &l1,
            EventKind::Escalated {
                from: Tier::L1,
                to: Tier::L2,
                reason: "r".into(),
            },
        );
        assert_eq!(k(&esc, &unassigned, &l2), Some(AlertKind::Escalated));
        assert_eq!(k(&esc, &unassigned, &l1b), None);
        assert_eq!(k(&esc, &unassigned, &admin), None);

        // A customer's reopen: the assignee only; unassigned, the tier's agents.
        let reopen = |t: &Ticket| event(t, &customer, status(Status::Solved, Status::Open));
        let r = reopen(&assigned);
        assert_eq!(k(&r, &assigned, &l1), Some(AlertKind::Reopened));
        assert_eq!(k(&r, &assigned, &l1b), None);
        let r = reopen(&unassigned);
        assert_eq!(k(&r, &unassigned, &l1), Some(AlertKind::Reopened));
        assert_eq!(k(&r, &unassigned, &l1b), Some(AlertKind::Reopened));
        assert_eq!(k(&r, &unassigned, &l2), None);
        assert_eq!(k(&r, &unassigned, &customer), None);
        // Staff reopening is not a customer's reopen.
        let staff_reopen = event(&assigned, &l1b, status(Status::Solved, Status::Open));
        assert_eq!(k(&staff_reopen, &assigned, &l1), None);
    }
}
