//! The language of the shell's own texts (tray, notifications): the settings' choice,
//! else the signed-in user's profile, else the system's, else English — the same order
//! the UI follows.

use tadhkira_i18n::{Catalogue, Locale};
use tauri::{AppHandle, Manager, Runtime};

use crate::settings;
use crate::state::AppState;

/// The language the shell speaks now.
pub fn current<R: Runtime>(app: &AppHandle<R>) -> Locale {
    let chosen = settings::load(app).language;
    let profile = app
        .try_state::<AppState>()
        .and_then(|s| s.engine.account())
        .map(|a| a.user.locale);
    chosen
        .map(Locale::from)
        .or_else(|| profile.as_deref().and_then(Locale::from_tag))
        .or_else(|| Locale::from_posix_env(|name| std::env::var(name).ok()))
        .unwrap_or_default()
}

/// The catalogue for text the desktop lays out (variables isolated for bidi).
pub fn catalogue(locale: Locale) -> &'static Catalogue {
    Catalogue::isolated(locale)
}

/// Asks the server for its messages in the user's language from now on (at start, after
/// signing in, when the settings change).
pub fn apply_to_engine<R: Runtime>(app: &AppHandle<R>) {
    if let Some(state) = app.try_state::<AppState>() {
        state.engine.set_language(Some(current(app).tag()));
    }
}
