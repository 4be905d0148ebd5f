//! Text and JSON output of the CLI.

use tadhkira_client::{OutboxItem, OutboxState, TicketDetail, TicketRow};
use tadhkira_proto::EventKind;

/// Prints `value` as pretty JSON on stdout.
pub fn json<T: serde::Serialize>(value: &T) -> anyhow::Result<()> {
    println!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}

fn number(n: Option<i64>) -> String {
    n.map(|n| format!("#{n}"))
        .unwrap_or_else(|| "(queued)".into())
}

/// One line per ticket.
pub fn rows(rows: &[TicketRow], total: i64) {
    for r in rows {
        let flags = format!(
            "{}{}{}",
            if r.unread { "*" } else { " " },
            if r.breaching { "!" } else { " " },
            if r.has_rejected {
                "R"
            } else if r.pending_changes > 0 {
                "Q"
            } else {
                " "
            },
        );
        println!(
            "{flags} {:>9}  {:<8} {:<7} {}  {}  [{}]",
            number(r.number),
            r.status.to_string(),
            r.priority.to_string(),
            r.tier,
            r.title,
            r.id
        );
    }
    println!("{} of {total}", rows.len());
}

/// A ticket with its timeline.
pub fn detail(d: &TicketDetail) {
    let t = &d.ticket;
    println!(
        "{} {}  [{}]",
        number((t.number > 0).then_some(t.number)),
        t.title,
        t.id
    );
    println!(
        "status {}  priority {}  tier {}  channel {}  assignee {}",
        t.status,
        t.priority,
        t.tier,
        t.channel,
        t.assignee_name.as_deref().unwrap_or("-")
    );
    println!("requester {} ({})", t.requester_name, t.org_name);
    println!("\n{}\n", t.description);
    let mut lines: Vec<(chrono::DateTime<chrono::Utc>, String)> = Vec::new();
    for m in &d.messages {
        let kind = if m.visibility == tadhkira_proto::Visibility::Internal {
            "note"
        } else {
            "reply"
        };
        lines.push((
            m.created_at,
            format!("{kind} by {}: {}", m.author_name, m.body),
        ));
    }
    for e in &d.events {
        let what = match &e.kind {
            EventKind::Created { channel, .. } => format!("created via {channel}"),
            EventKind::StatusChanged { from, to } => format!("status {from} → {to}"),
            EventKind::PriorityChanged { from, to } => format!("priority {from} → {to}"),
            EventKind::Assigned { to_name, .. } => {
                format!("assigned to {}", to_name.as_deref().unwrap_or("nobody"))
            }
            EventKind::CategoryChanged { to, .. } => {
                format!("category {}", to.as_deref().unwrap_or("-"))
            }
            EventKind::TitleChanged { to, .. } => format!("title → {to}"),
            EventKind::Escalated { to, reason, .. } => format!("escalated to {to}: {reason}"),
            EventKind::Overwritten { field, value } => format!("overwrote {field} (was {value})"),
        };
        lines.push((e.created_at, format!("{} {what}", e.actor_name)));
    }
    lines.sort_by_key(|l| l.0);
    for (at, l) in lines {
        println!("{}  {l}", at.format("%Y-%m-%d %H:%M"));
    }
    for p in &d.pending {
        outbox_line(p);
    }
}

/// One outbox entry.
pub fn outbox_line(i: &OutboxItem) {
    let state = match i.state {
        OutboxState::Queued => "queued".to_string(),
        OutboxState::Rejected => match &i.error {
            Some(e) => format!("rejected ({}: {})", e.code, e.message),
            None => "rejected".into(),
        },
    };
    println!("{}  {:<14} ticket {}  {state}", i.id, i.kind, i.ticket_id);
}
