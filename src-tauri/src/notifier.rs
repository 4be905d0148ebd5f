//! Native notifications for reply alerts (notify-rust), behind the engine's `Notifier`.
//!
//! The engine says which messages an alert covers; [`word_alert`] words it in the
//! user's language from `app.ftl` (one reply: its ticket, author and start; several:
//! how many and on which tickets). Each notification is shown from its own thread: the D-Bus
//! call (and, on Linux, waiting for a click) must never hold up the sync task. A click
//! on the notification shows the window and asks it to open that ticket
//! ([`OPEN_TICKET_EVENT`]).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use tadhkira_client::{word_alert, Alert, Notifier, Wording};
use tauri::{AppHandle, Emitter, Manager, Wry};
use uuid::Uuid;

use crate::locale;
use crate::state::AppState;

/// The event that opens a ticket in the window; its payload is the ticket id.
pub const OPEN_TICKET_EVENT: &str = "open-ticket";

/// Shows alerts as native notifications while `enabled` (the settings switch).
pub struct NativeNotifier {
    app: AppHandle<Wry>,
    /// Turned off from the settings screen.
    pub enabled: Arc<AtomicBool>,
}

impl NativeNotifier {
    /// A notifier for `app`, on by default.
    pub fn new(app: AppHandle<Wry>) -> Self {
        Self {
            app,
            enabled: Arc::new(AtomicBool::new(true)),
        }
    }
}

impl Notifier for NativeNotifier {
    fn notify(&self, alert: &Alert) {
        if !self.enabled.load(Ordering::Relaxed) {
            return;
        }
        let app = self.app.clone();
        let alert = alert.clone();
        tauri::async_runtime::spawn(async move {
            let messages = match app.try_state::<AppState>() {
                Some(state) => state
                    .engine
                    .alert_messages(&alert)
                    .await
                    .unwrap_or_else(|e| {
                        tracing::warn!(error = %e, "could not read the alert's messages");
                        Vec::new()
                    }),
                None => Vec::new(),
            };
            let catalogue = locale::catalogue(locale::current(&app));
            let text = word_alert(catalogue, &alert, &messages);
            std::thread::spawn(move || show(app, alert.ticket_id, text));
        });
    }
}

fn show(app: AppHandle<Wry>, ticket_id: Uuid, text: Wording) {
    let mut n = notify_rust::Notification::new();
    n.appname("Tadhkira")
        .summary(&text.summary)
        .body(&text.body)
        .action("default", &text.action);
    match n.show() {
        Ok(_handle) => {
            tracing::info!(ticket = %ticket_id, "notification shown");
            // Only the freedesktop implementation reports clicks.
            #[cfg(all(unix, not(target_os = "macos")))]
            _handle.wait_for_action(|action| {
                if action == "default" {
                    crate::tray::show_main_window(&app);
                    let _ = app.emit(OPEN_TICKET_EVENT, ticket_id);
                }
            });
        }
        Err(e) => tracing::warn!(error = %e, "could not show a notification"),
    }
    let _ = &app;
}
