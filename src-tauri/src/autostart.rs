//! "Start at sign-in": the OS starts the app when the user signs in to the computer
//! (tauri-plugin-autostart: a login item on macOS, the Run key on Windows, an XDG
//! autostart entry on Linux). Started that way, the app comes up in the tray without a
//! window (when a tray is there), so replies are never missed because nobody opened it.

use tauri::{AppHandle, Runtime};
use tauri_plugin_autostart::{MacosLauncher, ManagerExt};

/// The argument the OS starts the app with at sign-in.
pub const AT_LOGIN_ARG: &str = "--at-login";

/// The plugin, registering [`AT_LOGIN_ARG`] as the start argument.
pub fn plugin<R: Runtime>() -> tauri::plugin::TauriPlugin<R> {
    tauri_plugin_autostart::init(MacosLauncher::LaunchAgent, Some(vec![AT_LOGIN_ARG]))
}

/// Whether this process was started by the OS at sign-in.
pub fn started_at_login() -> bool {
    std::env::args().any(|a| a == AT_LOGIN_ARG)
}

/// Makes the OS start the app at sign-in, or stop doing so; nothing when it already
/// does as asked.
pub fn set<R: Runtime>(app: &AppHandle<R>, on: bool) -> Result<(), String> {
    let launcher = app.autolaunch();
    if launcher.is_enabled().map_err(|e| e.to_string())? == on {
        return Ok(());
    }
    let done = if on {
        launcher.enable()
    } else {
        launcher.disable()
    };
    done.map_err(|e| e.to_string())
}
