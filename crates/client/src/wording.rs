//! Alerts in words: the title and body of a reply alert in the user's language, from
//! the `notification-*` messages of the catalogue. The desktop shell shows them as
//! native notifications; the CLI's `watch` prints them.

use tadhkira_i18n::{Arg, Catalogue};

use crate::{Alert, AlertMessage};

/// How much of a reply a notification shows.
const EXCERPT_CHARS: usize = 140;

/// An alert's words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Wording {
    pub summary: String,
    pub body: String,
    /// The label of the click action.
    pub action: String,
}

/// Words `alert` in `catalogue`'s language. Falls back to the engine's own English text
/// when its messages could not be read ([`crate::Engine::alert_messages`]).
pub fn word_alert(catalogue: &Catalogue, alert: &Alert, messages: &[AlertMessage]) -> Wording {
    let action = catalogue.text("notification-open", &[]);
    let label = |m: &AlertMessage| match m.ticket_number {
        Some(n) => format!("#{n}"),
        None => m.ticket_title.clone(),
    };
    match messages {
        [] => Wording {
            summary: alert.title.clone(),
            body: alert.body.clone(),
            action,
        },
        [m] => {
            let summary = match m.ticket_number {
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
            let excerpt: String = m.body.chars().take(EXCERPT_CHARS).collect();
            let body = catalogue.text(
                "notification-reply-body",
                &[
                    ("author", Arg::from(&m.author_name)),
                    ("excerpt", Arg::from(excerpt)),
                ],
            );
            Wording {
                summary,
                body,
                action,
            }
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
            let summary = catalogue.text(
                "notification-replies-title",
                &[("count", Arg::from(several.len()))],
            );
            let body = catalogue.text(
                "notification-replies-body",
                &[("tickets", Arg::from(tickets.join(&separator)))],
            );
            Wording {
                summary,
                body,
                action,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tadhkira_i18n::Locale;
    use uuid::Uuid;

    fn message(number: Option<i64>, title: &str) -> AlertMessage {
        AlertMessage {
            ticket_id: Uuid::nil(),
            ticket_number: number,
            ticket_title: title.into(),
            author_name: "Huda".into(),
            body: "x".repeat(300),
        }
    }

    fn alert(count: u32) -> Alert {
        Alert {
            ticket_id: Uuid::nil(),
            ticket_number: None,
            title: "engine title".into(),
            body: "engine body".into(),
            count,
            message_ids: vec![],
        }
    }

    /// The text without the bidi isolation marks the GUI catalogue adds.
    fn plain(s: &str) -> String {
        s.replace(['\u{2068}', '\u{2069}'], "")
    }

    #[test]
    fn one_reply_names_the_ticket_and_the_author_in_english_and_arabic() {
        let m = [message(Some(1042), "Printer offline")];
        let en = word_alert(Catalogue::isolated(Locale::En), &alert(1), &m);
        assert_eq!(plain(&en.summary), "Reply on #1042: Printer offline");
        assert_eq!(plain(&en.body), format!("Huda: {}", "x".repeat(140)));
        assert_eq!(en.action, "Open");
        let ar = word_alert(Catalogue::isolated(Locale::Ar), &alert(1), &m);
        assert_eq!(plain(&ar.summary), "ردّ على #1042: Printer offline");
        assert_eq!(ar.action, "افتح");
    }

    #[test]
    fn several_replies_are_counted_with_arabic_plural_forms() {
        let two = [message(Some(1), "a"), message(Some(2), "b")];
        let en = word_alert(Catalogue::isolated(Locale::En), &alert(2), &two);
        assert_eq!(plain(&en.summary), "2 new replies");
        assert_eq!(plain(&en.body), "On #1, #2");
        let ar = word_alert(Catalogue::isolated(Locale::Ar), &alert(2), &two);
        assert_eq!(plain(&ar.summary), "ردّان جديدان");
        assert_eq!(plain(&ar.body), "على #1، #2");
        let eleven: Vec<_> = (0..11).map(|_| message(Some(7), "c")).collect();
        let ar = word_alert(Catalogue::isolated(Locale::Ar), &alert(11), &eleven);
        assert_eq!(plain(&ar.summary), "11 ردًّا جديدًا");
        assert_eq!(plain(&ar.body), "على #7", "a ticket is named once");
    }

    #[test]
    fn unreadable_messages_fall_back_to_the_engines_text() {
        let w = word_alert(Catalogue::isolated(Locale::Ar), &alert(1), &[]);
        assert_eq!(w.summary, "engine title");
        assert_eq!(w.body, "engine body");
    }
}
