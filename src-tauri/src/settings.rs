//! The user's settings, kept with tauri-plugin-store in `settings.json` in the app's
//! config folder.

use serde::{Deserialize, Serialize};
use tadhkira_client::AlertSettings;
use tadhkira_i18n::Locale;
use tauri::{AppHandle, Runtime};
use tauri_plugin_store::StoreExt;

use crate::error::IpcError;

const FILE: &str = "settings.json";
const KEY: &str = "settings";

/// What the settings screen changes. Every field has a default, so an old or damaged
/// file still loads (see [`Settings::from_stored`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(default)]
pub struct Settings {
    /// `None` follows the signed-in user's profile.
    pub language: Option<Language>,
    pub theme: Theme,
    /// `None` uses the language's usual digits.
    pub digits: Option<Digits>,
    /// Native notifications (the master switch; `alerts` chooses which kinds).
    pub notifications: bool,
    /// Start hidden in the tray.
    pub start_minimised: bool,
    /// Which kinds of alerts to raise (replies, solved, pending, reminder, assigned,
    /// escalated, reopened).
    pub alerts: AlertSettings,
    /// Closing the window keeps the app running in the tray, so alerts still come.
    /// `None` (not chosen yet) means on for staff, off for customers.
    pub keep_in_tray: Option<bool>,
    /// Start the app (in the tray) when the user signs in to the computer.
    pub start_at_login: bool,
}

impl Settings {
    /// Whether closing the window keeps the app in the tray for a user who is
    /// (`staff`) or is not staff: their choice, else on for staff only.
    pub fn keeps_running_in_tray(&self, staff: bool) -> bool {
        self.keep_in_tray.unwrap_or(staff)
    }
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            language: None,
            theme: Theme::default(),
            digits: None,
            notifications: true,
            start_minimised: false,
            alerts: AlertSettings::default(),
            keep_in_tray: None,
            start_at_login: false,
        }
    }
}

/// A language the app can be shown in (the UI's and the shell's catalogues).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "snake_case")]
pub enum Language {
    En,
    Ar,
}

impl From<Language> for Locale {
    fn from(language: Language) -> Self {
        match language {
            Language::En => Locale::En,
            Language::Ar => Locale::Ar,
        }
    }
}

/// The colours of the window: the system's light or dark mode, or one chosen.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "snake_case")]
pub enum Theme {
    #[default]
    System,
    Light,
    Dark,
}

/// The digits numbers are written with (the names are Unicode's numbering systems, as
/// `Intl.NumberFormat` takes them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "snake_case")]
pub enum Digits {
    /// Arabic-Indic: ٠١٢.
    Arab,
    /// Latin: 012.
    Latn,
}

impl Settings {
    /// The settings in a stored value, field by field: a missing field, or one whose
    /// value this version cannot read (a theme a newer version added, say), takes its
    /// default, and the others keep the user's choice. (The `set_settings` command reads
    /// strictly: a value the UI sends wrong is its bug, reported.)
    pub fn from_stored(stored: serde_json::Value) -> Settings {
        let serde_json::Value::Object(mut fields) = stored else {
            return Settings::default();
        };
        let defaults = match serde_json::to_value(Settings::default()) {
            Ok(serde_json::Value::Object(defaults)) => defaults,
            _ => return Settings::default(),
        };
        for (name, default) in &defaults {
            let Some(value) = fields.get(name) else {
                continue;
            };
            let mut alone = defaults.clone();
            alone.insert(name.clone(), value.clone());
            if serde_json::from_value::<Settings>(alone.into()).is_err() {
                fields.insert(name.clone(), default.clone());
            }
        }
        serde_json::from_value(fields.into()).unwrap_or_default()
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
        .map(Settings::from_stored)
        .unwrap_or_default()
}

/// Stores `settings` and writes the file at once.
pub fn save<R: Runtime>(app: &AppHandle<R>, settings: &Settings) -> Result<(), IpcError> {
    let store = app.store(FILE).map_err(storage_error)?;
    store.set(KEY, serde_json::to_value(settings).map_err(storage_error)?);
    store.save().map_err(storage_error)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn stored_settings_of_earlier_versions_load_as_the_same_choices() {
        let stored = json!({
            "language": "ar", "theme": "dark", "digits": "latn",
            "notifications": false, "start_minimised": true,
        });
        let settings = Settings::from_stored(stored.clone());
        assert_eq!(
            settings,
            Settings {
                language: Some(Language::Ar),
                theme: Theme::Dark,
                digits: Some(Digits::Latn),
                notifications: false,
                start_minimised: true,
                ..Settings::default()
            }
        );
        // Written back in the same words, so an older version reads them too (beside
        // the settings added since, at their defaults).
        let written = serde_json::to_value(&settings).unwrap();
        for (key, value) in stored.as_object().unwrap() {
            assert_eq!(&written[key], value, "{key}");
        }
        let unset = json!({ "language": null, "theme": "system", "digits": null });
        let settings = Settings::from_stored(unset);
        assert_eq!(settings, Settings::default());
    }

    #[test]
    fn an_unknown_value_falls_back_to_its_default_and_keeps_the_other_settings() {
        let stored = json!({
            "language": "fr", "theme": "sepia", "digits": 7,
            "notifications": false, "start_minimised": true,
        });
        let settings = Settings::from_stored(stored);
        assert_eq!(
            settings,
            Settings {
                notifications: false,
                start_minimised: true,
                ..Settings::default()
            }
        );
        assert_eq!(settings.theme, Theme::System);
        assert_eq!(settings.language, None);
        assert_eq!(settings.digits, None);
    }

    #[test]
    fn the_tray_keeps_staff_by_default_and_customers_only_when_asked() {
        let unset = Settings::default();
        assert!(unset.keeps_running_in_tray(true));
        assert!(!unset.keeps_running_in_tray(false));
        let chosen = Settings::from_stored(json!({ "keep_in_tray": false }));
        assert!(!chosen.keeps_running_in_tray(true));
        let chosen = Settings::from_stored(json!({ "keep_in_tray": true }));
        assert!(chosen.keeps_running_in_tray(false));
        let partial = Settings::from_stored(json!({ "alerts": { "reopened": false } }));
        assert!(
            !partial.alerts.reopened && partial.alerts.reply,
            "{partial:?}"
        );
    }

    #[test]
    fn missing_fields_take_their_defaults() {
        let settings = Settings::from_stored(json!({ "theme": "light" }));
        assert_eq!(
            settings,
            Settings {
                theme: Theme::Light,
                ..Settings::default()
            }
        );
    }

    #[test]
    fn an_unreadable_switch_takes_its_own_default_not_false() {
        let stored = json!({ "theme": "dark", "notifications": "yes", "start_minimised": 1 });
        let settings = Settings::from_stored(stored);
        assert_eq!(
            settings,
            Settings {
                theme: Theme::Dark,
                ..Settings::default()
            }
        );
        assert!(settings.notifications, "notifications are on by default");
        assert_eq!(Settings::from_stored(json!("garbage")), Settings::default());
    }

    #[test]
    fn the_ui_sending_an_unknown_value_is_refused() {
        let sent = json!({ "language": null, "theme": "sepia", "digits": null,
            "notifications": true, "start_minimised": false });
        assert!(serde_json::from_value::<Settings>(sent).is_err());
    }

    #[test]
    fn languages_map_to_the_shells_catalogues() {
        assert_eq!(Locale::from(Language::En), Locale::En);
        assert_eq!(Locale::from(Language::Ar), Locale::Ar);
    }
}
