//! Text and JSON output of the CLI. Text lines come from the `cli.ftl` catalogues.
//!
//! Everything printed passes through [`escape_controls`]: the server refuses control
//! characters in text, but a ticket stored before that rule (or by an older server) may
//! still hold an ESC, and printed raw it would drive the reader's terminal (move the
//! cursor, rewrite the title bar, hide lines). Printed escaped, the reader sees it.

use std::borrow::Cow;

use tadhkira_client::{OutboxItem, OutboxState, TicketRow, TicketView};
use tadhkira_proto::{is_forbidden_char, EventKind, Ticket, FIRST_LINE_CHECKS};

use crate::i18n::{t, value};

/// `text` with every character the server's text rule forbids (control characters
/// other than newline and tab, bidi overrides) written as a visible `\u{…}` escape.
pub fn escape_controls(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_forbidden_char) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if is_forbidden_char(c) {
            out.push_str(&format!("\\u{{{:x}}}", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Prints one line (or block) of text on stdout, escaped.
pub fn say(text: &str) {
    println!("{}", escape_controls(text));
}

/// JSON text with the characters serde_json leaves raw but a terminal may act on (C1
/// controls, DEL, bidi overrides) written as `\uXXXX` escapes: still the same JSON.
pub fn json_text(json: String) -> String {
    if !json.chars().any(is_forbidden_char) {
        return json;
    }
    let mut out = String::with_capacity(json.len() + 8);
    for c in json.chars() {
        if is_forbidden_char(c) {
            out.push_str(&format!("\\u{:04x}", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    out
}

/// Prints `value` as pretty JSON on stdout.
pub fn json<T: serde::Serialize>(value: &T) -> anyhow::Result<()> {
    println!("{}", json_text(serde_json::to_string_pretty(value)?));
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
        say(&format!(
            "{flags} {:>9}  {} {} {}  {}  [{}]",
            number(r.number),
            pad(&value("cli-status", r.status), 8),
            pad(&value("cli-priority", r.priority), 7),
            tier_text(r.tier),
            r.title,
            r.id
        ));
    }
    let shown = i64::try_from(rows.len()).unwrap_or(i64::MAX);
    if shown < total {
        say(&t(
            "cli-list-count",
            &[("shown", shown.into()), ("total", total.into())],
        ));
    } else {
        println!("{}", t("cli-tickets-count", &[("count", total.into())]));
    }
}

/// One attached file: its number, name and size (and whether it is still queued).
fn file_line(n: usize, a: &tadhkira_proto::Attachment) -> String {
    let size = if a.size >= 1024 * 1024 {
        format!("{:.1} MiB", a.size as f64 / (1024.0 * 1024.0))
    } else if a.size >= 1024 {
        format!("{:.1} KiB", a.size as f64 / 1024.0)
    } else {
        format!("{} B", a.size)
    };
    let id = if a.id.is_nil() {
        "cli-attachment-queued"
    } else {
        "cli-attachment-line"
    };
    t(
        id,
        &[
            ("n", n.to_string().into()),
            ("name", a.name.as_str().into()),
            ("size", size.into()),
        ],
    )
}

/// A ticket with its timeline.
pub fn detail(d: &TicketView) {
    let tk = &d.ticket;
    say(&format!(
        "{} {}  [{}]",
        number((tk.number > 0).then_some(tk.number)),
        tk.title,
        tk.id
    ));
    let nobody = t("cli-nobody", &[]);
    say(&t(
        "cli-detail-fields",
        &[
            ("status", value("cli-status", tk.status).into()),
            ("priority", value("cli-priority", tk.priority).into()),
            ("tier", tier_text(tk.tier).into()),
            ("channel", value("cli-channel", tk.channel).into()),
            (
                "assignee",
                tk.assignee_name.as_deref().unwrap_or(&nobody).into(),
            ),
        ],
    ));
    say(&t(
        "cli-detail-requester",
        &[
            ("name", tk.requester_name.as_str().into()),
            ("org", tk.org_name.as_str().into()),
        ],
    ));
    given(tk);
    say(&format!("\n{}\n", tk.description));
    // Numbered in the order `tadhkira download TICKET N` counts them.
    let mut n = 0;
    for a in &tk.attachments {
        n += 1;
        say(&file_line(n, a));
    }
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
        let mut text = t(id, &args);
        for a in &m.attachments {
            n += 1;
            text.push('\n');
            text.push_str(&file_line(n, a));
        }
        lines.push((m.created_at, text));
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
            EventKind::LapsedOverride { org_name, reason } => t(
                "cli-event-lapsed-override",
                &[
                    actor,
                    ("org", org_name.as_str().into()),
                    ("reason", reason.as_str().into()),
                ],
            ),
            EventKind::AutoClosed { after_days } => {
                t("cli-event-auto-closed", &[("days", (*after_days).into())])
            }
            EventKind::PendingReminder { after_days } => t(
                "cli-event-pending-reminder",
                &[("days", (*after_days).into())],
            ),
            EventKind::OutOfScope {
                label_en, label_ar, ..
            } => {
                let label = match crate::i18n::locale() {
                    tadhkira_i18n::Locale::Ar => label_ar,
                    _ => label_en,
                };
                t(
                    "cli-event-out-of-scope",
                    &[actor, ("exclusion", label.as_str().into())],
                )
            }
            EventKind::TermsAccepted { terms_version } => t(
                "cli-event-terms-accepted",
                &[actor, ("version", (*terms_version).into())],
            ),
            EventKind::ContactLogged {
                channel,
                direction,
                minutes,
                notes,
                ..
            } => t(
                "cli-event-contact-logged",
                &[
                    actor,
                    ("channel", channel.to_string().into()),
                    ("direction", direction.to_string().into()),
                    ("minutes", (*minutes).into()),
                    ("notes", notes.clone().unwrap_or_default().into()),
                ],
            ),
        };
        lines.push((e.created_at, line));
    }
    lines.sort_by_key(|l| l.0);
    for (at, l) in lines {
        say(&format!("{}  {l}", at.format("%Y-%m-%d %H:%M")));
    }
    for p in &d.pending {
        outbox_line(p);
    }
}

/// A first-line check and whether the requester did it.
#[derive(Debug, serde::Serialize)]
pub struct CheckDone {
    pub id: String,
    pub done: bool,
}

/// Every check the app asks about, done or not, then any other check the ticket holds.
pub fn check_list(ticked: &[String]) -> Vec<CheckDone> {
    let known = FIRST_LINE_CHECKS.iter().map(|id| CheckDone {
        id: (*id).to_owned(),
        done: ticked.iter().any(|t| t == id),
    });
    let other = ticked
        .iter()
        .filter(|t| !FIRST_LINE_CHECKS.contains(&t.as_str()))
        .map(|t| CheckDone {
            id: t.clone(),
            done: true,
        });
    known.chain(other).collect()
}

/// What the requester gave when filing: contact, category, checks, system information.
fn given(tk: &Ticket) {
    let none = t("cli-none", &[]);
    let contact: Vec<&str> = [&tk.contact.name, &tk.contact.email, &tk.contact.phone]
        .into_iter()
        .filter_map(|v| v.as_deref())
        .collect();
    let contact = if contact.is_empty() {
        none.clone()
    } else {
        contact.join(" · ")
    };
    say(&t("cli-detail-contact", &[("contact", contact.into())]));
    say(&t(
        "cli-detail-category",
        &[("category", tk.category.as_deref().unwrap_or(&none).into())],
    ));
    say(&t("cli-detail-checks", &[]));
    for c in check_list(&tk.checks) {
        let mark = if c.done { "[x]" } else { "[ ]" };
        say(&format!("  {mark} {}", value("cli-check", &c.id)));
    }
    match &tk.system_info {
        Some(info) => {
            say(&t("cli-detail-system-info", &[]));
            for line in info.lines() {
                say(&format!("  {line}"));
            }
        }
        None => say(&t("cli-detail-no-system-info", &[])),
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
    say(&t(
        "cli-outbox-line",
        &[
            ("id", i.id.to_string().into()),
            ("kind", pad(&i.kind.to_string(), 14).into()),
            ("ticket", i.ticket_id.to_string().into()),
            ("state", state.into()),
        ],
    ));
}

/// A ticket's tier, or `-` where the server does not say (a customer's copy).
fn tier_text(tier: Option<tadhkira_proto::Tier>) -> String {
    tier.map_or_else(|| "-".to_owned(), |t| t.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_print_as_visible_escapes() {
        assert_eq!(
            escape_controls("Printer \u{1b}[2J offline"),
            "Printer \\u{1b}[2J offline"
        );
        assert_eq!(escape_controls("a\u{9b}b\u{202e}c"), "a\\u{9b}b\\u{202e}c");
        // Text stays as it is: newlines, tabs, Arabic, the isolates Fluent adds.
        let plain = "line\n\t\u{2068}سطر\u{2069}";
        assert!(matches!(escape_controls(plain), Cow::Borrowed(p) if p == plain));
    }

    #[test]
    fn json_output_escapes_what_serde_leaves_raw_and_stays_the_same_json() {
        let value = serde_json::json!({"title": "a\u{9b}b\u{202e}c\u{1b}"});
        let text = json_text(serde_json::to_string(&value).unwrap());
        assert!(!text.chars().any(is_forbidden_char), "{text}");
        assert_eq!(
            serde_json::from_str::<serde_json::Value>(&text).unwrap(),
            value
        );
    }
}
