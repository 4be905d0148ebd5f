//! Native notifications for reply alerts (notify-rust), behind the engine's `Notifier`.
//!
//! Each alert is shown from its own thread: the D-Bus call (and, on Linux, waiting for
//! a click) must never hold up the sync task. A click on the notification asks the
//! window to open that ticket (`open-ticket` event).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use tadhkira_client::{Alert, Notifier};
use tauri::{AppHandle, Emitter, Manager};

/// Shows alerts as native notifications while `enabled` (the settings switch).
pub struct NativeNotifier {
    app: AppHandle,
    /// Turned off from the settings screen.
    pub enabled: Arc<AtomicBool>,
}

impl NativeNotifier {
    /// A notifier for `app`, on by default.
    pub fn new(app: AppHandle) -> Self {
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
}

fn show(app: AppHandle, alert: Alert) {
    let mut n = notify_rust::Notification::new();
    n.appname("Tadhkira")
        .summary(&alert.title)
        .body(&alert.body)
        .action("default", "Open");
    match n.show() {
        Ok(_handle) => {
            tracing::info!(ticket = %alert.ticket_id, count = alert.count, "notification shown");
            #[cfg(all(unix, not(target_os = "macos")))]
            _handle.wait_for_action(|action| {
                if action == "default" {
                    if let Some(w) = app.get_webview_window("main") {
                        let _ = w.set_focus();
                    }
                    let _ = app.emit("open-ticket", alert.ticket_id);
                }
            });
        }
        Err(e) => tracing::warn!(error = %e, "could not show a notification"),
    }
    let _ = &app;
}
