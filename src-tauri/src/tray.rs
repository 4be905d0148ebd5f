//! The tray icon: the number of tickets with unread replies beside it (its title; the
//! tooltip where the platform shows one) and four quick actions — Open Tadhkira, New
//! ticket, Sync now, Quit — in the user's language.
//!
//! On Linux a tray menu cannot be replaced once set, so a language change renames the
//! existing items. "New ticket" shows the window and emits [`NAVIGATE_EVENT`] with
//! payload `"new-ticket"` for the UI to open that screen.

use std::sync::Mutex;

use tadhkira_i18n::{Arg, Locale};
use tauri::menu::{Menu, MenuEvent, MenuItem, PredefinedMenuItem};
use tauri::tray::{TrayIcon, TrayIconBuilder};
use tauri::{AppHandle, Emitter, Manager, Wry};

use crate::locale;
use crate::state::AppState;

/// The event the UI listens to for navigation asked from outside the window; its
/// payload names the screen (`"new-ticket"`).
pub const NAVIGATE_EVENT: &str = "navigate";

const OPEN: &str = "open";
const NEW_TICKET: &str = "new-ticket";
const SYNC_NOW: &str = "sync-now";
const QUIT: &str = "quit";

/// The tray icon and its menu items (managed state).
pub struct Tray {
    icon: TrayIcon<Wry>,
    open: MenuItem<Wry>,
    new_ticket: MenuItem<Wry>,
    sync_now: MenuItem<Wry>,
    quit: MenuItem<Wry>,
    /// What the icon shows now: language and unread count.
    shown: Mutex<(Locale, u32)>,
}

/// Shows, restores and focuses the main window (tray "Open", a second launch, a
/// notification click).
pub fn show_main_window(app: &AppHandle<Wry>) {
    if let Some(w) = app.get_webview_window("main") {
        let _ = w.show();
        let _ = w.unminimize();
        let _ = w.set_focus();
    }
}

/// Closing the main window hides it instead when the app keeps running in the tray
/// (Settings; on by default for staff) and a tray icon is there to bring it back.
pub fn keep_running_on_close(window: &tauri::Window<Wry>, event: &tauri::WindowEvent) {
    let tauri::WindowEvent::CloseRequested { api, .. } = event else {
        return;
    };
    let app = window.app_handle();
    if app.try_state::<Tray>().is_none() {
        return;
    }
    let staff = app
        .try_state::<AppState>()
        .and_then(|s| s.engine.account())
        .is_some_and(|a| a.user.role.is_staff());
    if crate::settings::load(app).keeps_running_in_tray(staff) {
        tracing::info!("window closed: still running in the tray");
        api.prevent_close();
        let _ = window.hide();
    }
}

impl Tray {
    /// Creates the tray icon in `locale` with no unread count.
    pub fn create(app: &AppHandle<Wry>, locale: Locale) -> tauri::Result<Tray> {
        let text = |id: &str| locale::catalogue(locale).text(id, &[]);
        let open = MenuItem::with_id(app, OPEN, text("tray-open"), true, None::<&str>)?;
        let new_ticket =
            MenuItem::with_id(app, NEW_TICKET, text("tray-new-ticket"), true, None::<&str>)?;
        let sync_now = MenuItem::with_id(app, SYNC_NOW, text("tray-sync-now"), true, None::<&str>)?;
        let quit = MenuItem::with_id(app, QUIT, text("tray-quit"), true, None::<&str>)?;
        let separator = PredefinedMenuItem::separator(app)?;
        let menu = Menu::with_items(app, &[&open, &new_ticket, &sync_now, &separator, &quit])?;
        let mut builder = TrayIconBuilder::with_id("main")
            .menu(&menu)
            .tooltip(text("tray-tooltip"))
            .on_menu_event(on_menu_event);
        if let Some(icon) = app.default_window_icon() {
            builder = builder.icon(icon.clone());
        }
        let icon = builder.build(app)?;
        Ok(Tray {
            icon,
            open,
            new_ticket,
            sync_now,
            quit,
            shown: Mutex::new((locale, 0)),
        })
    }

    /// Shows `unread` tickets with unread replies (the count shown now when `None`) in
    /// `locale`, from any thread.
    ///
    /// The icon's and the menu's setters hand their work to the main thread and wait for
    /// it. So the whole update runs there, posted when called from elsewhere: an update
    /// made on a runtime thread while holding the `shown` lock waited for the main thread,
    /// while the main thread (the settings command after a language change) waited for
    /// that lock — the app froze, window and tray alike.
    pub fn update(app: &AppHandle<Wry>, locale: Locale, unread: Option<u32>) {
        let handle = app.clone();
        let posted = app.run_on_main_thread(move || {
            if let Some(tray) = handle.try_state::<Tray>() {
                tray.show_on_main_thread(locale, unread);
            }
        });
        if let Err(e) = posted {
            tracing::warn!(error = %e, "could not update the tray");
        }
    }

    /// [`Tray::update`] on the main thread; does nothing when the icon already shows it.
    fn show_on_main_thread(&self, locale: Locale, unread: Option<u32>) {
        let Ok(mut shown) = self.shown.lock() else {
            return;
        };
        let (old_locale, old_unread) = *shown;
        let unread = unread.unwrap_or(old_unread);
        let catalogue = locale::catalogue(locale);
        if old_locale != locale {
            for (item, id) in [
                (&self.open, "tray-open"),
                (&self.new_ticket, "tray-new-ticket"),
                (&self.sync_now, "tray-sync-now"),
                (&self.quit, "tray-quit"),
            ] {
                if let Err(e) = item.set_text(catalogue.text(id, &[])) {
                    tracing::warn!(error = %e, "could not rename a tray menu item");
                }
            }
        }
        if old_locale != locale || old_unread != unread {
            let count = [("count", Arg::from(unread))];
            let tooltip = catalogue.text("tray-tooltip-unread", &count);
            let label = (unread > 0).then(|| catalogue.text("tray-unread-label", &count));
            let _ = self.icon.set_tooltip(Some(tooltip));
            if let Err(e) = self.icon.set_title(label) {
                tracing::warn!(error = %e, "could not set the tray's unread count");
            }
            tracing::debug!(unread, locale = locale.tag(), "tray updated");
        }
        *shown = (locale, unread);
    }
}

fn on_menu_event(app: &AppHandle<Wry>, event: MenuEvent) {
    match event.id().as_ref() {
        OPEN => show_main_window(app),
        NEW_TICKET => {
            show_main_window(app);
            let _ = app.emit(NAVIGATE_EVENT, "new-ticket");
        }
        SYNC_NOW => {
            if let Some(state) = app.try_state::<AppState>() {
                let engine = state.engine.clone();
                tauri::async_runtime::spawn(async move {
                    if let Err(e) = engine.sync_now().await {
                        tracing::info!(error = %e, "sync from the tray failed");
                    }
                });
            }
        }
        QUIT => app.exit(0),
        other => tracing::debug!(id = other, "unknown tray menu item"),
    }
}

/// The longest the tray's first count of unread tickets waits for the first list.
const FIRST_COUNT_WAIT: std::time::Duration = std::time::Duration::from_secs(3);

/// Keeps the tray's count current: waits for `AppState::unread_changed`, lets a burst of
/// changes settle, then recounts from the local store. Runs for the life of the app.
pub async fn follow_unread(app: AppHandle<Wry>) {
    let Some(state) = app.try_state::<AppState>() else {
        return;
    };
    let engine = state.engine.clone();
    let changed = state.unread_changed.clone();
    let first_list = state.first_list.clone();
    // Not before the window's first list (see `AppState::first_list`); started in the
    // tray, no list is painted, and the count goes after the wait.
    let _ = tokio::time::timeout(FIRST_COUNT_WAIT, first_list.notified()).await;
    loop {
        // A sync announces several events in a row; one count after them is enough.
        tokio::time::sleep(std::time::Duration::from_millis(150)).await;
        // Signed out: nothing is unread.
        let unread = engine.unread_count().await.unwrap_or(0);
        if app.try_state::<Tray>().is_some() {
            Tray::update(&app, locale::current(&app), Some(unread));
        }
        changed.notified().await;
    }
}
