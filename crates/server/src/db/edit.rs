//! Changing an existing ticket: field updates (last writer wins, field by field, with
//! overwritten values on the timeline) and escalation.
//!
//! Who may change what (decided here, documented in the OpenAPI text too):
//! - staff (agents and admins) may change every field and escalate;
//! - customers may change the title and category of tickets they requested, and the
//!   status only to `solved` (they are happy), `open` (reopen / not solved yet) or
//!   `closed` (their "yes, it is resolved" to a ticket staff solved: closing is the
//!   confirmation, so only a `solved` ticket may be closed by them); priority,
//!   assignee, escalation and changes to a colleague's ticket are `forbidden` to them
//!   (they may still read and reply on their organisation's tickets).
//! - a customer reopens a `solved` ticket only within the reopen window (until the
//!   ticket's `reopen_until`, set to solved + `lifecycle.reopen_days` when it was
//!   solved); later, or on a `closed` ticket (final for them), the answer is
//!   `reopen_window_passed`. Staff may still reopen either.

use tadhkira_proto::{
    Applied, ErrorCode, Escalation, EventKind, FieldValue, OutOfScope, Status, Ticket, TicketField,
    TicketUpdate, Tier,
};

use super::writer::{Rejection, Step, Writer};
use super::{rows, Caller, StoreError};
use crate::config::{Lifecycle, Settings};
use crate::sla;

fn forbidden(what: &str) -> Rejection {
    Rejection::new(ErrorCode::Forbidden, format!("customers may not {what}"))
}

/// The current value of a field as text (what an `overwritten` event keeps).
fn current(t: &Ticket, field: &FieldValue) -> String {
    match field {
        FieldValue::Title(_) => t.title.clone(),
        FieldValue::Status(_) => t.status.to_string(),
        FieldValue::Priority(_) => t.priority.to_string(),
        FieldValue::Assignee(_) => t.assignee_id.map(|a| a.to_string()).unwrap_or_default(),
        FieldValue::Category(_) => t.category.clone().unwrap_or_default(),
    }
}

pub(super) async fn update_ticket(
    w: &mut Writer,
    caller: &Caller,
    update: &TicketUpdate,
    policy: &Settings,
) -> Result<Step, StoreError> {
    let (mut t, mut paused) = match w.visible_ticket(caller, update.ticket_id).await? {
        Ok(found) => found,
        Err(r) => return Ok(Err(r)),
    };
    if update.changes.is_empty() {
        return Ok(Err(Rejection::new(ErrorCode::Invalid, "no changes")));
    }
    if !caller.is_staff() && t.requester_id != caller.user.id {
        return Ok(Err(forbidden("change a ticket someone else requested")));
    }
    // Check every change before writing any, so a rejection leaves no trace.
    for change in &update.changes {
        match &change.value {
            FieldValue::Priority(_) if !caller.is_staff() => {
                return Ok(Err(forbidden("change the priority")))
            }
            FieldValue::Assignee(_) if !caller.is_staff() => {
                return Ok(Err(forbidden("assign tickets")))
            }
            FieldValue::Status(s) if !caller.is_staff() && *s != t.status => {
                if let Err(r) = customer_may_set_status(&t, *s, w.now, &policy.lifecycle) {
                    return Ok(Err(r));
                }
            }
            _ => {}
        }
        if let FieldValue::Assignee(Some(id)) = &change.value {
            if w_staff_name(w, *id).await?.is_none() {
                return Ok(Err(Rejection::new(
                    ErrorCode::Invalid,
                    "the assignee must be an agent or admin",
                )));
            }
        }
    }
    let now = rows::to_time(w.now);
    // The ticket's own policy version, read only when a change touches its clocks.
    let clocks = update
        .changes
        .iter()
        .any(|c| matches!(c.value, FieldValue::Status(_) | FieldValue::Priority(_)));
    let sla_policy = if clocks {
        Some(super::policy::of_ticket(w.lookup().await?, t.id, &policy.sla).await?)
    } else {
        None
    };
    let mut changed = Vec::new();
    for change in &update.changes {
        let field = change.value.field();
        let (old, version) = (current(&t, &change.value), t.versions.of(field));
        let kind = match &change.value {
            FieldValue::Title(v) if v.as_str() != t.title => {
                let e = EventKind::TitleChanged {
                    from: t.title.clone(),
                    to: v.as_str().to_owned(),
                };
                t.title = v.as_str().to_owned();
                e
            }
            FieldValue::Status(s) if *s != t.status => {
                let from = t.status;
                if let Some(p) = &sla_policy {
                    sla::on_status_change(&mut t, &mut paused, *s, now, p);
                }
                t.reopen_until = (*s == Status::Solved)
                    .then(|| now + chrono::Duration::days(policy.lifecycle.reopen_days.into()));
                EventKind::StatusChanged { from, to: *s }
            }
            FieldValue::Priority(p) if *p != t.priority => {
                let from = t.priority;
                t.priority = *p;
                if let Some(p) = &sla_policy {
                    sla::recompute_dues(&mut t, paused, p);
                }
                EventKind::PriorityChanged { from, to: *p }
            }
            FieldValue::Assignee(a) if *a != t.assignee_id => {
                let to_name = match a {
                    Some(id) => w_staff_name(w, *id).await?,
                    None => None,
                };
                let e = EventKind::Assigned {
                    from: t.assignee_id,
                    to: *a,
                    to_name: to_name.clone(),
                };
                t.assignee_id = *a;
                t.assignee_name = to_name;
                e
            }
            FieldValue::Category(c) if c.as_ref().map(|c| c.as_str()) != t.category.as_deref() => {
                let to = c.as_ref().map(|c| c.as_str().to_owned());
                let e = EventKind::CategoryChanged {
                    from: t.category.clone(),
                    to: to.clone(),
                };
                t.category = to;
                e
            }
            _ => continue, // same value: nothing to do
        };
        if version > change.seen_version {
            // Someone wrote this field after the author last saw it: keep their value
            // on the timeline so people can see what was replaced.
            w.insert_event(
                &t,
                &caller.user,
                EventKind::Overwritten {
                    field: field.as_str().to_owned(),
                    value: old,
                },
            )
            .await?;
        }
        w.insert_event(&t, &caller.user, kind).await?;
        changed.push(field);
    }
    let seq = if changed.is_empty() {
        t.versions.latest()
    } else {
        w.save_ticket(&mut t, paused, &changed).await?
    };
    Ok(Ok(Applied {
        ticket_id: t.id,
        ticket_number: t.number,
        seq,
    }))
}

/// Whether a customer may move their ticket `t` to status `to` at `now` (unix ms): see
/// the module comment for the rules.
fn customer_may_set_status(
    t: &Ticket,
    to: Status,
    now: i64,
    lifecycle: &Lifecycle,
) -> Result<(), Rejection> {
    if t.status == Status::Closed {
        return Err(Rejection::new(
            ErrorCode::ReopenWindowPassed,
            "this ticket is closed, which is final: file a new ticket instead",
        ));
    }
    match to {
        Status::Solved => Ok(()),
        Status::Closed if t.status == Status::Solved => Ok(()),
        Status::Closed => Err(forbidden("close a ticket that is not solved")),
        Status::Open if t.status == Status::Solved => {
            let window = chrono::Duration::days(lifecycle.reopen_days.into());
            let until = t.reopen_until.or_else(|| t.solved_at.map(|at| at + window));
            match until {
                Some(until) if rows::to_time(now) > until => Err(Rejection::new(
                    ErrorCode::ReopenWindowPassed,
                    format!(
                        "this ticket was solved more than {} days ago and can no longer be reopened: file a new ticket instead",
                        lifecycle.reopen_days
                    ),
                )),
                _ => Ok(()),
            }
        }
        Status::Open => Ok(()),
        _ => Err(forbidden("set this status")),
    }
}

async fn w_staff_name(w: &mut Writer, id: uuid::Uuid) -> Result<Option<String>, StoreError> {
    use sqlx::Row;
    let row = sqlx::query("SELECT name FROM users WHERE id = $1 AND role IN ('agent', 'admin')")
        .bind(id.to_string())
        .fetch_optional(w.lookup().await?)
        .await?;
    Ok(row.map(|r| r.try_get("name")).transpose()?)
}

pub(super) async fn escalate(
    w: &mut Writer,
    caller: &Caller,
    esc: &Escalation,
) -> Result<Step, StoreError> {
    if !caller.is_staff() {
        return Ok(Err(forbidden("escalate tickets")));
    }
    let (mut t, paused) = match w.visible_ticket(caller, esc.ticket_id).await? {
        Ok(found) => found,
        Err(r) => return Ok(Err(r)),
    };
    // The writer reads the whole ticket (staff view): it always has a tier.
    let from = t.tier.unwrap_or(Tier::L1);
    if esc.to_tier <= from {
        return Ok(Err(Rejection::new(
            ErrorCode::Invalid,
            format!("escalation must go up: the ticket is already at {from}"),
        )));
    }
    t.tier = Some(esc.to_tier);
    let kind = EventKind::Escalated {
        from,
        to: esc.to_tier,
        reason: esc.reason.as_str().to_owned(),
    };
    w.insert_event(&t, &caller.user, kind).await?;
    let seq = w.save_ticket(&mut t, paused, &[TicketField::Tier]).await?;
    Ok(Ok(Applied {
        ticket_id: t.id,
        ticket_number: t.number,
        seq,
    }))
}

/// Staff resolve a ticket as outside the support terms, under one exclusion of the
/// version in force: the ticket is solved (as a status change would solve it) and its
/// timeline gets the exclusion's label in both languages, which the customer sees.
/// Audited as the override `ticket.out_of_scope`, in the same transaction.
pub(super) async fn resolve_out_of_scope(
    w: &mut Writer,
    caller: &Caller,
    o: &OutOfScope,
    policy: &Settings,
) -> Result<Step, StoreError> {
    if !caller.is_staff() {
        return Ok(Err(forbidden(
            "resolve a ticket as outside the support terms",
        )));
    }
    let (mut t, mut paused) = match w.visible_ticket(caller, o.ticket_id).await? {
        Ok(found) => found,
        Err(r) => return Ok(Err(r)),
    };
    let Some(terms) = super::terms::terms_in_force(w).await? else {
        return Ok(Err(Rejection::new(
            ErrorCode::Invalid,
            "no support terms are published: there is no exclusion to name",
        )));
    };
    let Some(exclusion) = terms.content.exclusion(&o.exclusion) else {
        return Ok(Err(Rejection::new(
            ErrorCode::Invalid,
            format!(
                "version {} of the support terms has no exclusion {:?}",
                terms.version, o.exclusion
            ),
        )));
    };
    if t.status == Status::Closed {
        return Ok(Err(Rejection::new(
            ErrorCode::Invalid,
            "this ticket is closed: reopen it first to resolve it otherwise",
        )));
    }
    let now = rows::to_time(w.now);
    let before = t.status;
    let mut seq = w.last_seq();
    if t.status != Status::Solved {
        // The clocks of the response policy the ticket was filed under.
        let sla_policy = super::policy::of_ticket(w.lookup().await?, t.id, &policy.sla).await?;
        sla::on_status_change(&mut t, &mut paused, Status::Solved, now, &sla_policy);
        t.reopen_until = Some(now + chrono::Duration::days(policy.lifecycle.reopen_days.into()));
        w.insert_event(
            &t,
            &caller.user,
            EventKind::StatusChanged {
                from: before,
                to: Status::Solved,
            },
        )
        .await?;
        seq = w
            .save_ticket(&mut t, paused, &[TicketField::Status])
            .await?;
    }
    let kind = EventKind::OutOfScope {
        exclusion: exclusion.key.clone(),
        terms_version: terms.version,
        label_en: exclusion.en.as_str().to_owned(),
        label_ar: exclusion.ar.as_str().to_owned(),
    };
    let record = super::AuditRecord {
        actor: caller.user.id,
        action: "ticket.out_of_scope",
        target_kind: "ticket",
        target_id: t.id,
        before: Some(serde_json::json!({ "status": before })),
        after: Some(serde_json::json!({ "status": Status::Solved, "override": kind })),
    };
    w.audit(&record).await?;
    seq = seq.max(w.insert_event(&t, &caller.user, kind).await?);
    Ok(Ok(Applied {
        ticket_id: t.id,
        ticket_number: t.number,
        seq,
    }))
}
