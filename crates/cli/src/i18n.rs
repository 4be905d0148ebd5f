//! The CLI's language: `--lang`, else `TADHKIRA_LANG`, else the POSIX locale
//! (`LC_ALL`, `LC_MESSAGES`, `LANG`), else English. Every line for people comes from
//! the `cli.ftl` catalogues of `tadhkira-i18n`.

use std::sync::OnceLock;

use tadhkira_client::EngineError;
pub use tadhkira_i18n::Arg;
use tadhkira_i18n::{Catalogue, Locale};

static LOCALE: OnceLock<Locale> = OnceLock::new();

/// Chooses the language once, at start-up. An unsupported `TADHKIRA_LANG` or `LANG`
/// (say `fr_FR.UTF-8`) falls through to the next source, then to English.
pub fn init(flag: Option<Locale>) -> Locale {
    let env = |name: &str| std::env::var(name).ok();
    let locale = flag
        .or_else(|| env("TADHKIRA_LANG").and_then(|v| Locale::from_tag(&v)))
        .or_else(|| Locale::from_posix_env(env))
        .unwrap_or_default();
    *LOCALE.get_or_init(|| locale)
}

/// The chosen language (English before [`init`]).
pub fn locale() -> Locale {
    LOCALE.get().copied().unwrap_or_default()
}

/// The message `id` in the chosen language (plain text: no bidi isolation marks, which
/// terminals print as boxes).
pub fn t(id: &str, args: &[(&str, Arg<'_>)]) -> String {
    Catalogue::get(locale()).text(id, args)
}

/// A wire value (status, priority, channel, role) in words, through a select message.
pub fn value(id: &str, value: impl std::fmt::Display) -> String {
    t(id, &[("value", value.to_string().into())])
}

/// An error whose text is already in the user's language.
pub fn error(id: &str, args: &[(&str, Arg<'_>)]) -> anyhow::Error {
    anyhow::Error::msg(t(id, args))
}

/// The user's text for an error: engine errors by their kind (never by parsing their
/// text); anything else as it is.
pub fn describe(e: &anyhow::Error) -> String {
    let Some(engine) = e.downcast_ref::<EngineError>() else {
        return format!("{e:#}");
    };
    match engine {
        EngineError::NotSignedIn => t("cli-error-not-signed-in", &[]),
        EngineError::Locked(dir) => t("cli-error-locked", &[("dir", dir.into())]),
        EngineError::Invalid(d) => t("cli-error-invalid", &[("detail", d.into())]),
        EngineError::NotFound(d) => t("cli-error-not-found", &[("detail", d.into())]),
        EngineError::Offline(d) => t("cli-error-offline", &[("detail", d.into())]),
        EngineError::Incompatible(d) => t("cli-error-incompatible", &[("detail", d.into())]),
        EngineError::Storage(d) => t("cli-error-storage", &[("detail", d.into())]),
        EngineError::DiskFull(d) => t("cli-error-disk-full", &[("detail", d.into())]),
        EngineError::PlainHttpRefused(host) => t("cli-error-plain-http", &[("host", host.into())]),
        EngineError::Server(api) => {
            // The server's text is English (the engine sends no Accept-Language); in
            // another language say what the stable code means instead.
            let message = match locale() {
                Locale::En => api.message.clone(),
                _ => t(
                    &format!("error-{}", api.code.as_str().replace('_', "-")),
                    &[],
                ),
            };
            t(
                "cli-error-server",
                &[
                    ("code", api.code.as_str().into()),
                    ("message", message.into()),
                ],
            )
        }
    }
}
