//! Alerts in words: the title and body of a reply alert, or of an event alert (solved,
//! pending, reminder, assigned, escalated, reopened), in the user's language, from the
//! `notification-*` messages of the catalogue. Worded once, here, from what the
//! pull brought; the desktop shell shows the words as native notifications and the
//! CLI's `watch` prints them.

use tadhkira_i18n::{Arg, Catalogue};

use crate::model::{Alert, AlertKind};
use crate::store::{PulledAlert, PulledEventAlert};
use tadhkira_proto::EventKind;

/// How much of a reply an alert shows.
const EXCERPT_CHARS: usize = 140;

/// One alert for the messages of a pull, worded from `catalogue` (none for no
/// messages): one message names its ticket, its author and the start of its text;
/// several are counted, with their tickets each named once. The alert opens the first
/// message's ticket.
pub(crate) fn word_alert(catalogue: &Catalogue, messages: &[PulledAlert]) -> Option<Alert> {
    let first = messages.first()?;
    let label = |m: &PulledAlert| match m.ticket_number {
        Some(n) => format!("#{n}"),
        None => m.ticket_title.clone(),
    };
    let (title, body) = match messages {
        [m] => {
            let title = match m.ticket_number {
                Some(_) => catalogue.text(
                    "notification-reply-title",
                    &[
                        ("ticket", Arg::from(label(m))),
                        ("title", Arg::from(&m.ticket_title)),
                    ],
                ),
                None => catalogue.text(
                    "notification-reply-title-unnumbered",
                    &[("title", Arg::from(&m.ticket_title))],
                ),
            };
            let excerpt: String = m.message.body.chars().take(EXCERPT_CHARS).collect();
            let body = catalogue.text(
                "notification-reply-body",
                &[
                    ("author", Arg::from(&m.message.author_name)),
                    ("excerpt", Arg::from(excerpt)),
                ],
            );
            (title, body)
        }
        several => {
            let mut tickets: Vec<String> = Vec::new();
            for m in several {
                let l = label(m);
                if !tickets.contains(&l) {
                    tickets.push(l);
                }
            }
            let separator = catalogue.text("notification-list-separator", &[]);
            let title = catalogue.text(
                "notification-replies-title",
                &[("count", Arg::from(several.len()))],
            );
            let body = catalogue.text(
                "notification-replies-body",
                &[("tickets", Arg::from(tickets.join(&separator)))],
            );
            (title, body)
        }
    };
    Some(Alert {
        kind: AlertKind::Reply,
        ticket_id: first.message.ticket_id,
        ticket_number: first.ticket_number,
        title,
        body,
        count: messages.len() as u32,
        message_ids: messages.iter().map(|m| m.message.id).collect(),
        event_id: None,
    })
}

/// One alert for one event that matters to the user (see `store/event_alerts.rs`):
/// the title names the ticket and what happened, the body who did it (and why, for an
/// escalation).
pub(crate) fn word_event_alert(catalogue: &Catalogue, e: &PulledEventAlert) -> Alert {
    let ticket = match e.ticket_number {
        Some(n) => format!("#{n}"),
        None => e.ticket_title.clone(),
    };
    let (id, mut args): (&str, Vec<(&str, Arg)>) = match e.kind {
        AlertKind::Reply | AlertKind::Solved => ("solved", vec![]),
        AlertKind::Pending => ("pending", vec![]),
        AlertKind::Reminder => ("reminder", vec![]),
        AlertKind::Assigned => ("assigned", vec![]),
        AlertKind::Escalated => ("escalated", vec![]),
        AlertKind::Reopened => ("reopened", vec![]),
    };
    args.push(("ticket", Arg::from(ticket)));
    args.push(("title", Arg::from(&e.ticket_title)));
    args.push(("actor", Arg::from(&e.event.actor_name)));
    match &e.event.kind {
        EventKind::PendingReminder { after_days } => args.push(("days", Arg::from(*after_days))),
        EventKind::Escalated { to, reason, .. } => {
            args.push(("tier", Arg::from(to.to_string())));
            args.push(("reason", Arg::from(reason)));
        }
        _ => {}
    }
    Alert {
        kind: e.kind,
        ticket_id: e.event.ticket_id,
        ticket_number: e.ticket_number,
        title: catalogue.text(&format!("notification-{id}-title"), &args),
        body: catalogue.text(&format!("notification-{id}-body"), &args),
        count: 1,
        message_ids: Vec::new(),
        event_id: Some(e.event.id),
    }
}

impl crate::model::StoreRecovery {
    /// The report in plain words in `locale`: a title, and a body that says what
    /// happened, where the damaged file is kept, what was saved and what was lost.
    /// `gui`: wrap each variable in Unicode isolation marks for text laid out by a
    /// window (see [`Catalogue::isolated`]); plain text for a terminal.
    pub fn words(&self, locale: tadhkira_i18n::Locale, gui: bool) -> (String, String) {
        let catalogue = if gui {
            Catalogue::isolated(locale)
        } else {
            Catalogue::get(locale)
        };
        let title = catalogue.text("store-recovered-title", &[]);
        let mut body = vec![
            catalogue.text(
                "store-recovered-body",
                &[
                    ("reason", Arg::from(&self.reason)),
                    ("copy", Arg::from(&self.kept_copy)),
                ],
            ),
            catalogue.text(
                "store-recovered-salvaged",
                &[("count", Arg::from(self.salvaged))],
            ),
        ];
        if !self.unreadable.is_empty() {
            let separator = catalogue.text("notification-list-separator", &[]);
            body.push(catalogue.text(
                "store-recovered-lost",
                &[("list", Arg::from(self.unreadable.join(&separator)))],
            ));
        }
        (title, body.join(" "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tadhkira_i18n::Locale;
    use tadhkira_proto::{Message, Role, Visibility};
    use uuid::Uuid;

    fn message(number: Option<i64>, title: &str) -> PulledAlert {
        PulledAlert {
            message: Message {
                id: Uuid::now_v7(),
                ticket_id: Uuid::now_v7(),
                author_id: Uuid::now_v7(),
                author_name: "Huda".into(),
                author_role: Role::Agent,
                body: "x".repeat(300),
                visibility: Visibility::Public,
                created_at: chrono::Utc::now(),
                attachments: vec![],
                delivery: None,
            },
            ticket_number: number,
            ticket_title: title.into(),
        }
    }

    /// The text without the bidi isolation marks the GUI catalogue adds.
    fn plain(s: &str) -> String {
        s.replace(['\u{2068}', '\u{2069}'], "")
    }

    #[test]
    fn one_reply_names_the_ticket_and_the_author_in_english_and_arabic() {
        let m = [message(Some(1042), "Printer offline")];
        let en = word_alert(Catalogue::isolated(Locale::En), &m).unwrap();
        assert_eq!(plain(&en.title), "Reply on #1042: Printer offline");
        assert_eq!(plain(&en.body), format!("Huda: {}", "x".repeat(140)));
        assert_eq!(
            (en.count, en.ticket_id, en.ticket_number, en.message_ids),
            (1, m[0].message.ticket_id, Some(1042), vec![m[0].message.id])
        );
        let ar = word_alert(Catalogue::isolated(Locale::Ar), &m).unwrap();
        assert_eq!(plain(&ar.title), "ردّ على #1042: Printer offline");
        let unnumbered = word_alert(Catalogue::get(Locale::En), &[message(None, "Scanner")]);
        assert_eq!(unnumbered.unwrap().title, "Reply on Scanner");
    }

    #[test]
    fn the_plain_catalogue_inserts_no_isolation_marks() {
        let m = [message(Some(7), "طابعة")];
        let ar = word_alert(Catalogue::get(Locale::Ar), &m).unwrap();
        assert_eq!(ar.title, "ردّ على #7: طابعة");
        let gui = word_alert(Catalogue::isolated(Locale::Ar), &m).unwrap();
        assert!(gui.title.contains('\u{2068}'), "{gui:?}");
    }

    #[test]
    fn several_replies_are_counted_with_arabic_plural_forms() {
        let two = [message(Some(1), "a"), message(Some(2), "b")];
        let en = word_alert(Catalogue::isolated(Locale::En), &two).unwrap();
        assert_eq!(plain(&en.title), "2 new replies");
        assert_eq!(plain(&en.body), "On #1, #2");
        assert_eq!((en.count, en.message_ids.len()), (2, 2));
        let ar = word_alert(Catalogue::isolated(Locale::Ar), &two).unwrap();
        assert_eq!(plain(&ar.title), "ردّان جديدان");
        assert_eq!(plain(&ar.body), "على #1، #2");
        let eleven: Vec<_> = (0..11).map(|_| message(Some(7), "c")).collect();
        let ar = word_alert(Catalogue::isolated(Locale::Ar), &eleven).unwrap();
        assert_eq!(plain(&ar.title), "11 ردًّا جديدًا");
        assert_eq!(plain(&ar.body), "على #7", "a ticket is named once");
    }

    #[test]
    fn no_messages_no_alert() {
        assert_eq!(word_alert(Catalogue::get(Locale::En), &[]), None);
    }

    #[test]
    fn a_rebuilt_store_is_told_in_plain_words_in_both_languages() {
        let mut r = crate::model::StoreRecovery {
            at: chrono::Utc::now(),
            reason: "file is not a database".into(),
            kept_copy: "/data/local.db.damaged-20261206T042200.000Z".into(),
            salvaged: 2,
            unreadable: vec!["entry 7".into(), "entries 9 to 12".into()],
        };
        let (title, body) = r.words(Locale::En, false);
        assert_eq!(
            title,
            "Your local data could not be read and has been rebuilt"
        );
        assert!(body.contains("(file is not a database)"), "{body}");
        assert!(body.contains("kept at /data/local.db.damaged-"), "{body}");
        assert!(
            body.contains("2 unsent changes were saved and will be sent."),
            "{body}"
        );
        assert!(
            body.ends_with("could not be read and are lost: entry 7, entries 9 to 12"),
            "{body}"
        );
        let (title, body) = r.words(Locale::Ar, true);
        assert_eq!(title, "تعذّرت قراءة بياناتك المحلية فأُعيد بناؤها");
        let body = plain(&body);
        assert!(body.contains("حُفظ تغييران غير مُرسلين وسيُرسلان."), "{body}");
        assert!(body.contains("/data/local.db.damaged-"), "{body}");
        assert!(body.ends_with("entry 7، entries 9 to 12"), "{body}");
        r.unreadable.clear();
        r.salvaged = 0;
        let (_, body) = r.words(Locale::En, false);
        assert!(body.ends_with("No unsent changes were waiting."), "{body}");
    }
}
