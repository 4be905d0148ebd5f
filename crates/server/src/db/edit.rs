//! Changing an existing ticket: field updates (last writer wins, field by field, with
//! overwritten values on the timeline) and escalation.
//!
//! Who may change what (decided here, documented in the OpenAPI text too):
//! - staff (agents and admins) may change every field and escalate;
//! - customers may change the title and category of tickets they requested, and the
//!   status only to `solved` (they are happy) or `open` (reopen / not solved yet);
//!   priority, assignee, escalation and changes to a colleague's ticket are
//!   `forbidden` to them (they may still read and reply on their organisation's
//!   tickets).

use tadhkira_proto::{
    Applied, ErrorCode, Escalation, EventKind, FieldValue, Status, Ticket, TicketUpdate,
};

use super::apply::{visible_ticket, Step};
use super::writer::{EntityKind, Rejection, Writer};
use super::{rows, Caller, StoreError};
use crate::config::SlaTargets;
use crate::sla;

/// Writes a changed ticket back, with a feed row whose seq becomes the version of each
/// field in `changed`; answers that seq.
pub(super) async fn save_ticket(
    w: &mut Writer,
    t: &mut Ticket,
    paused_ms: i64,
    changed: &[&str],
) -> Result<i64, StoreError> {
    let seq = w.append_change(t, EntityKind::Ticket, t.id, false).await?;
    t.updated_at = rows::to_time(w.now);
    let v = &mut t.versions;
    for f in changed {
        match *f {
            "title" => v.title = seq,
            "status" => v.status = seq,
            "priority" => v.priority = seq,
            "assignee" => v.assignee = seq,
            "category" => v.category = seq,
            "tier" => v.tier = seq,
            _ => {}
        }
    }
    let ms = |d: Option<chrono::DateTime<chrono::Utc>>| d.map(|d| d.timestamp_millis());
    sqlx::query(
        "UPDATE tickets SET title = $1, status = $2, priority = $3, assignee_id = $4, \
         category = $5, tier = $6, first_response_due_at = $7, first_response_at = $8, \
         resolution_due_at = $9, solved_at = $10, sla_paused_at = $11, sla_paused_ms = $12, \
         updated_at = $13, v_title = $14, v_status = $15, v_priority = $16, v_assignee = $17, \
         v_category = $18, v_tier = $19 WHERE id = $20",
    )
    .bind(&t.title)
    .bind(t.status.as_str())
    .bind(t.priority.as_str())
    .bind(t.assignee_id.map(|a| a.to_string()))
    .bind(&t.category)
    .bind(i64::from(t.tier))
    .bind(ms(t.first_response_due_at))
    .bind(ms(t.first_response_at))
    .bind(ms(t.resolution_due_at))
    .bind(ms(t.solved_at))
    .bind(ms(t.sla_paused_at))
    .bind(paused_ms)
    .bind(w.now)
    .bind(t.versions.title)
    .bind(t.versions.status)
    .bind(t.versions.priority)
    .bind(t.versions.assignee)
    .bind(t.versions.category)
    .bind(t.versions.tier)
    .bind(t.id.to_string())
    .execute(&mut *w.tx)
    .await?;
    Ok(seq)
}

fn forbidden(what: &str) -> Rejection {
    Rejection::new(ErrorCode::Forbidden, format!("customers may not {what}"))
}

/// The current value of a field as text, and its version.
fn current(t: &Ticket, field: &FieldValue) -> (String, i64) {
    let v = &t.versions;
    match field {
        FieldValue::Title(_) => (t.title.clone(), v.title),
        FieldValue::Status(_) => (t.status.to_string(), v.status),
        FieldValue::Priority(_) => (t.priority.to_string(), v.priority),
        FieldValue::Assignee(_) => (
            t.assignee_id.map(|a| a.to_string()).unwrap_or_default(),
            v.assignee,
        ),
        FieldValue::Category(_) => (t.category.clone().unwrap_or_default(), v.category),
    }
}

pub(super) async fn update_ticket(
    w: &mut Writer,
    caller: &Caller,
    update: &TicketUpdate,
    targets: &SlaTargets,
) -> Result<Step, StoreError> {
    let (mut t, mut paused) = match visible_ticket(w, caller, update.ticket_id).await? {
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
            FieldValue::Status(s)
                if !caller.is_staff() && !matches!(s, Status::Solved | Status::Open) =>
            {
                return Ok(Err(forbidden("set this status")));
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
    let mut changed = Vec::new();
    for change in &update.changes {
        let (old, version) = current(&t, &change.value);
        let field = change.value.field_name();
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
                sla::on_status_change(&mut t, &mut paused, *s, now, targets);
                EventKind::StatusChanged { from, to: *s }
            }
            FieldValue::Priority(p) if *p != t.priority => {
                let from = t.priority;
                t.priority = *p;
                sla::recompute_dues(&mut t, paused, targets);
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
                    field: field.to_owned(),
                    value: old,
                },
            )
            .await?;
        }
        w.insert_event(&t, &caller.user, kind).await?;
        changed.push(field);
    }
    let seq = if changed.is_empty() {
        latest_version(&t)
    } else {
        save_ticket(w, &mut t, paused, &changed).await?
    };
    Ok(Ok(Applied {
        ticket_id: t.id,
        ticket_number: t.number,
        seq,
    }))
}

fn latest_version(t: &Ticket) -> i64 {
    let v = t.versions;
    [
        v.title, v.status, v.priority, v.assignee, v.category, v.tier,
    ]
    .into_iter()
    .max()
    .unwrap_or(0)
}

async fn w_staff_name(w: &mut Writer, id: uuid::Uuid) -> Result<Option<String>, StoreError> {
    use sqlx::Row;
    let row = sqlx::query("SELECT name FROM users WHERE id = $1 AND role IN ('agent', 'admin')")
        .bind(id.to_string())
        .fetch_optional(&mut *w.tx)
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
    let (mut t, paused) = match visible_ticket(w, caller, esc.ticket_id).await? {
        Ok(found) => found,
        Err(r) => return Ok(Err(r)),
    };
    if esc.to_tier <= t.tier {
        return Ok(Err(Rejection::new(
            ErrorCode::Invalid,
            format!("escalation must go up: the ticket is already at {}", t.tier),
        )));
    }
    let from = t.tier;
    t.tier = esc.to_tier;
    let kind = EventKind::Escalated {
        from,
        to: esc.to_tier,
        reason: esc.reason.as_str().to_owned(),
    };
    w.insert_event(&t, &caller.user, kind).await?;
    let seq = save_ticket(w, &mut t, paused, &["tier"]).await?;
    Ok(Ok(Applied {
        ticket_id: t.id,
        ticket_number: t.number,
        seq,
    }))
}
