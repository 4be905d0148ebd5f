//! Native notifications for reply alerts (notify-rust), behind the engine's `Notifier`.
//!
//! The engine words each alert in the user's language (one reply: its ticket, author
//! and start; several: how many and on which tickets), with bidi isolation for the
//! notification server's layout; this adds the click action's label from `app.ftl`.
//! Each notification is shown from its own thread: the D-Bus call (and, on Linux,
//! waiting for a click) must never hold up the sync task. A click on the notification
//! shows the window and asks it to open that ticket ([`OPEN_TICKET_EVENT`]). On a
//! freedesktop daemon that reads markup, the body's `<`, `>` and `&` are sent as
//! entities so a reply shows as written.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use tadhkira_client::{Alert, Notifier};
use tauri::{AppHandle, Emitter, Wry};

use crate::locale;

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
        std::thread::spawn(move || show(app, alert));
    }

    fn bidi_layout(&self) -> bool {
        true
    }
}

fn show(app: AppHandle<Wry>, alert: Alert) {
    let ticket_id = alert.ticket_id;
    let open = locale::catalogue(locale::current(&app)).text("notification-open", &[]);
    let body = if daemon_reads_markup() {
        tadhkira_client::escape_markup(&alert.body)
    } else {
        alert.body.clone()
    };
    let mut n = notify_rust::Notification::new();
    n.appname("Tadhkira")
        .summary(&alert.title)
        .body(&body)
        .action("default", &open);
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

/// Whether the notification daemon reads bodies as markup (freedesktop `body-markup`):
/// then a reply's `<`, `>` and `&` must go as entities or they would be taken as tags.
/// Asked each time (from the notification's own thread): the daemon may change.
#[cfg(all(unix, not(target_os = "macos")))]
fn daemon_reads_markup() -> bool {
    notify_rust::get_capabilities()
        .map(|caps| caps.iter().any(|c| c == "body-markup"))
        .unwrap_or(false)
}

/// Other platforms show notification text as plain text.
#[cfg(not(all(unix, not(target_os = "macos"))))]
fn daemon_reads_markup() -> bool {
    false
}
