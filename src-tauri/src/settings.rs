//! The user's settings, kept with tauri-plugin-store in `settings.json` in the app's
//! config folder.

use serde::{Deserialize, Serialize};
use tauri::{AppHandle, Runtime};
use tauri_plugin_store::StoreExt;

use crate::error::IpcError;

const FILE: &str = "settings.json";
const KEY: &str = "settings";

/// What the settings screen changes. Every field has a default, so an old or damaged
/// file still loads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(default)]
pub struct Settings {
    /// `en` or `ar`; `None` follows the signed-in user's profile.
    pub language: Option<String>,
    /// `system`, `light` or `dark`.
    pub theme: String,
    /// `arab` (٠١٢) or `latn` (012); `None` uses the language's usual digits.
    pub digits: Option<String>,
    /// Native notifications for replies.
    pub notifications: bool,
    /// Start hidden in the tray.
    pub start_minimised: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            language: None,
            theme: "system".into(),
            digits: None,
            notifications: true,
            start_minimised: false,
        }
    }
}

fn storage_error(e: impl std::fmt::Display) -> IpcError {
    IpcError::new(tadhkira_client::EngineErrorCode::Storage, e.to_string())
}

/// The stored settings, or the defaults.
pub fn load<R: Runtime>(app: &AppHandle<R>) -> Settings {
    app.store(FILE)
        .ok()
        .and_then(|s| s.get(KEY))
        .and_then(|v| serde_json::from_value(v).ok())
        .unwrap_or_default()
}

/// Stores `settings` and writes the file at once.
pub fn save<R: Runtime>(app: &AppHandle<R>, settings: &Settings) -> Result<(), IpcError> {
    let store = app.store(FILE).map_err(storage_error)?;
    store.set(KEY, serde_json::to_value(settings).map_err(storage_error)?);
    store.save().map_err(storage_error)
}
