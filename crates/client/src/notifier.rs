//! Where reply alerts go: the desktop app plugs in native notifications, the CLI prints.
//!
//! Who follows a ticket (decided here, used by the engine): a customer follows the
//! tickets they requested or filed; staff follow tickets assigned to them, filed by
//! them, or on which they wrote a message. A new message by someone else on a followed
//! ticket alerts once; several in one pull become one summary.

use std::sync::Mutex;

use crate::model::Alert;

/// Receives reply alerts. Called after the pull that brought the messages has committed,
/// from the sync task: implementations should return quickly.
pub trait Notifier: Send + Sync {
    /// Show one alert (possibly a summary of several messages), already worded in the
    /// user's language.
    fn notify(&self, alert: &Alert);

    /// Whether this notifier shows text laid out with the Unicode bidirectional
    /// algorithm (a GUI's notifications). Then the alert's words isolate each inserted
    /// value (U+2068 … U+2069), so an English title or a ticket number keeps its order
    /// inside an Arabic sentence. Plain text by default (a terminal, JSON, a log), where
    /// those marks would print as boxes and break `grep`.
    fn bidi_layout(&self) -> bool {
        false
    }
}

/// `text` for a notification daemon that reads the body as markup (freedesktop
/// servers advertising `body-markup` take a small HTML subset): `&`, `<` and `>` as
/// entities, so a reply that says `<b>` or `a & b` shows as written and cannot restyle,
/// link or hide the rest of the notification.
pub fn escape_markup(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c => out.push(c),
        }
    }
    out
}

/// A notifier that shows nothing (alerts still reach `Engine::subscribe`).
#[derive(Debug, Default)]
pub struct NoopNotifier;

impl Notifier for NoopNotifier {
    fn notify(&self, _alert: &Alert) {}
}

/// A notifier that keeps every alert, for tests and for callers that poll.
#[derive(Debug, Default)]
pub struct RecordingNotifier {
    alerts: Mutex<Vec<Alert>>,
}

impl RecordingNotifier {
    /// Every alert so far, oldest first.
    pub fn alerts(&self) -> Vec<Alert> {
        self.alerts.lock().map(|a| a.clone()).unwrap_or_default()
    }
}

impl Notifier for RecordingNotifier {
    fn notify(&self, alert: &Alert) {
        if let Ok(mut a) = self.alerts.lock() {
            a.push(alert.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_characters_become_entities_and_the_rest_stays() {
        assert_eq!(
            escape_markup("<a href=\"x\">click</a> & <b>now</b>"),
            "&lt;a href=\"x\"&gt;click&lt;/a&gt; &amp; &lt;b&gt;now&lt;/b&gt;"
        );
        assert_eq!(escape_markup("الطابعة 3 > 2"), "الطابعة 3 &gt; 2");
        assert_eq!(escape_markup("&amp;"), "&amp;amp;");
    }
}
