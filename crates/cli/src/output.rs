//! Text and JSON output of the CLI. Text lines come from the `cli.ftl` catalogues.

use tadhkira_client::{OutboxItem, OutboxState, TicketRow, TicketView};
use tadhkira_proto::EventKind;

use crate::i18n::{t, value};

/// Prints `value` as pretty JSON on stdout.
pub fn json<T: serde::Serialize>(value: &T) -> anyhow::Result<()> {
    println!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}

fn number(n: Option<i64>) -> String {
    n.map(|n| format!("#{n}"))
        .unwrap_or_else(|| t("cli-number-queued", &[]))
}

/// `text` padded with spaces to `width` characters (format's `{:<w}` counts chars too;
/// this keeps the padding rule in one place).
fn pad(text: &str, width: usize) -> String {
    format!("{text:<width$}")
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
            "{flags} {:>9}  {} {} {}  {}  [{}]",
            number(r.number),
            pad(&value("cli-status", r.status), 8),
            pad(&value("cli-priority", r.priority), 7),
            r.tier,
            r.title,
            r.id
        );
    }
    let shown = i64::try_from(rows.len()).unwrap_or(i64::MAX);
    if shown < total {
        println!(
            "{}",
            t(
                "cli-list-count",
                &[("shown", shown.into()), ("total", total.into())]
            )
        );
    } else {
        println!("{}", t("cli-tickets-count", &[("count", total.into())]));
    }
}

/// A ticket with its timeline.
pub fn detail(d: &TicketView) {
    let tk = &d.ticket;
    println!(
        "{} {}  [{}]",
        number((tk.number > 0).then_some(tk.number)),
        tk.title,
        tk.id
    );
    let nobody = t("cli-nobody", &[]);
    println!(
        "{}",
        t(
            "cli-detail-fields",
            &[
                ("status", value("cli-status", tk.status).into()),
                ("priority", value("cli-priority", tk.priority).into()),
                ("tier", tk.tier.to_string().into()),
                ("channel", value("cli-channel", tk.channel).into()),
                (
                    "assignee",
                    tk.assignee_name.as_deref().unwrap_or(&nobody).into()
                ),
            ]
        )
    );
    println!(
        "{}",
        t(
            "cli-detail-requester",
            &[
                ("name", tk.requester_name.as_str().into()),
                ("org", tk.org_name.as_str().into())
            ]
        )
    );
    println!("\n{}\n", tk.description);
    let mut lines: Vec<(chrono::DateTime<chrono::Utc>, String)> = Vec::new();
    for m in &d.messages {
        let id = if m.visibility == tadhkira_proto::Visibility::Internal {
            "cli-timeline-note"
        } else {
            "cli-timeline-reply"
        };
        let args = [
            ("author", m.author_name.as_str().into()),
            ("body", m.body.to_string().into()),
        ];
        lines.push((m.created_at, t(id, &args)));
    }
    for e in &d.events {
        let actor = ("actor", e.actor_name.as_str().into());
        let line = match &e.kind {
            EventKind::Created { channel, .. } => t(
                "cli-event-created",
                &[actor, ("channel", value("cli-channel", channel).into())],
            ),
            EventKind::StatusChanged { from, to } => t(
                "cli-event-status",
                &[
                    actor,
                    ("from", value("cli-status", from).into()),
                    ("to", value("cli-status", to).into()),
                ],
            ),
            EventKind::PriorityChanged { from, to } => t(
                "cli-event-priority",
                &[
                    actor,
                    ("from", value("cli-priority", from).into()),
                    ("to", value("cli-priority", to).into()),
                ],
            ),
            EventKind::Assigned { to_name, .. } => t(
                "cli-event-assigned",
                &[
                    actor,
                    ("name", to_name.as_deref().unwrap_or(&nobody).into()),
                ],
            ),
            EventKind::CategoryChanged { to, .. } => t(
                "cli-event-category",
                &[actor, ("category", to.as_deref().unwrap_or("-").into())],
            ),
            EventKind::TitleChanged { to, .. } => t(
                "cli-event-title",
                &[actor, ("title", to.to_string().into())],
            ),
            EventKind::Escalated { to, reason, .. } => t(
                "cli-event-escalated",
                &[
                    actor,
                    ("tier", to.to_string().into()),
                    ("reason", reason.to_string().into()),
                ],
            ),
            EventKind::Overwritten { field, value } => t(
                "cli-event-overwritten",
                &[
                    actor,
                    ("field", field.to_string().into()),
                    ("value", value.to_string().into()),
                ],
            ),
            EventKind::AutoClosed { after_days } => {
                t("cli-event-auto-closed", &[("days", (*after_days).into())])
            }
            EventKind::PendingReminder { after_days } => t(
                "cli-event-pending-reminder",
                &[("days", (*after_days).into())],
            ),
        };
        lines.push((e.created_at, line));
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
    let state = match (&i.state, &i.error) {
        (OutboxState::Queued, _) => t("cli-outbox-queued", &[]),
        (OutboxState::Rejected, Some(e)) => t(
            "cli-outbox-rejected-because",
            &[
                ("code", e.code.to_string().into()),
                ("message", e.message.as_str().into()),
            ],
        ),
        (OutboxState::Rejected, None) => t("cli-outbox-rejected", &[]),
    };
    println!(
        "{}",
        t(
            "cli-outbox-line",
            &[
                ("id", i.id.to_string().into()),
                ("kind", pad(&i.kind.to_string(), 14).into()),
                ("ticket", i.ticket_id.to_string().into()),
                ("state", state.into()),
            ]
        )
    );
}
