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
