//! Tadhkira's message catalogues for everything Rust shows to people: the CLI's output,
//! the server's JSON error messages and the desktop shell's tray and notifications.
//!
//! The catalogues are [Project Fluent](https://projectfluent.org) files embedded at
//! compile time, one per consumer and language: `locales/{en,ar}/{cli,server,app}.ftl`.
//! All three files of a language load into one bundle, so a message id is unique across
//! consumers (prefix them: `cli-…`, `error-…`, `tray-…`).
//!
//! ```
//! use tadhkira_i18n::{Catalogue, Locale};
//!
//! let locale = Locale::from_accept_language("fr;q=0.9, ar-EG;q=0.8").unwrap_or_default();
//! let text = Catalogue::get(locale).text("cli-tickets-count", &[("count", 3.into())]);
//! assert_eq!(text, "3 تذاكر");
//! ```
//!
//! Plural forms follow CLDR through Fluent's select expressions (`[zero]`, `[one]`,
//! `[two]`, `[few]`, `[many]`, `[other]` — Arabic uses all six).

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;
use std::sync::OnceLock;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use unic_langid::LanguageIdentifier;

/// A language Tadhkira speaks. English is the default and the fallback.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub enum Locale {
    #[default]
    En,
    Ar,
}

impl Locale {
    /// Every supported locale, English (the fallback) first.
    pub const ALL: [Locale; 2] = [Locale::En, Locale::Ar];

    /// The BCP 47 language tag: `"en"` or `"ar"`.
    pub fn tag(self) -> &'static str {
        match self {
            Locale::En => "en",
            Locale::Ar => "ar",
        }
    }

    /// Whether the language is written right to left.
    pub fn is_rtl(self) -> bool {
        matches!(self, Locale::Ar)
    }

    /// The locale of a language tag such as `ar`, `ar-EG`, `en-GB` or `AR`; also accepts
    /// POSIX locale names such as `ar_EG.UTF-8` or `en_US@euro`. `None` when the
    /// language is not one Tadhkira has (or the tag is `C`/`POSIX`/empty/`*`).
    pub fn from_tag(tag: &str) -> Option<Locale> {
        // POSIX: language[_territory][.codeset][@modifier]
        let tag = tag.trim();
        let tag = tag.split(['.', '@']).next().unwrap_or("");
        let tag = tag.replace('_', "-");
        if tag.is_empty() || tag == "C" || tag == "POSIX" || tag == "*" {
            return None;
        }
        let id: LanguageIdentifier = tag.parse().ok()?;
        match id.language.as_str() {
            "en" => Some(Locale::En),
            "ar" => Some(Locale::Ar),
            _ => None,
        }
    }

    /// The best supported locale of an HTTP `Accept-Language` header value
    /// (`"fr-CH, fr;q=0.9, ar;q=0.8, *;q=0.5"`): the supported language with the highest
    /// quality, the earlier one on a tie; entries with `q=0` are refused. `None` when
    /// nothing listed is supported (the caller then uses English).
    pub fn from_accept_language(header: &str) -> Option<Locale> {
        let mut best: Option<(Locale, f32)> = None;
        for item in header.split(',') {
            let mut parts = item.split(';');
            let tag = parts.next().unwrap_or("").trim();
            let mut quality = 1.0_f32;
            for param in parts {
                let Some((name, value)) = param.split_once('=') else {
                    continue;
                };
                if name.trim().eq_ignore_ascii_case("q") {
                    // A malformed q makes the entry worthless rather than preferred.
                    quality = value.trim().parse().unwrap_or(0.0);
                }
            }
            if quality.is_nan() || quality <= 0.0 {
                continue;
            }
            let Some(locale) = Locale::from_tag(tag) else {
                continue;
            };
            if best.is_none_or(|(_, q)| quality > q) {
                best = Some((locale, quality));
            }
        }
        best.map(|(locale, _)| locale)
    }

    /// The locale of the POSIX environment, looked up through `var` (pass
    /// `|name| std::env::var(name).ok()`): the first set and non-empty of `LC_ALL`,
    /// `LC_MESSAGES`, `LANG` decides, as POSIX does. `None` when that one is not a
    /// supported language (`C`, `fr_FR.UTF-8`, …) or none is set.
    pub fn from_posix_env(var: impl Fn(&str) -> Option<String>) -> Option<Locale> {
        ["LC_ALL", "LC_MESSAGES", "LANG"]
            .into_iter()
            .filter_map(&var)
            .find(|value| !value.trim().is_empty())
            .and_then(|value| Locale::from_tag(&value))
    }
}

impl fmt::Display for Locale {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.tag())
    }
}

/// The error of parsing an unsupported language tag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnsupportedLocale(pub String);

impl fmt::Display for UnsupportedLocale {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unsupported language {:?} (supported: en, ar)", self.0)
    }
}

impl std::error::Error for UnsupportedLocale {}

impl FromStr for Locale {
    type Err = UnsupportedLocale;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Locale::from_tag(s).ok_or_else(|| UnsupportedLocale(s.to_owned()))
    }
}

/// A value for a message variable: text or a number. Numbers choose plural forms.
#[derive(Debug, Clone, PartialEq)]
pub enum Arg<'a> {
    Str(Cow<'a, str>),
    Number(f64),
}

impl<'a> From<&'a str> for Arg<'a> {
    fn from(value: &'a str) -> Self {
        Arg::Str(Cow::Borrowed(value))
    }
}

impl<'a> From<&'a String> for Arg<'a> {
    fn from(value: &'a String) -> Self {
        Arg::Str(Cow::Borrowed(value.as_str()))
    }
}

impl From<String> for Arg<'_> {
    fn from(value: String) -> Self {
        Arg::Str(Cow::Owned(value))
    }
}

macro_rules! arg_from_number {
    ($($t:ty),*) => {$(
        impl From<$t> for Arg<'_> {
            fn from(value: $t) -> Self {
                // Counts in a help desk stay far below 2^53: the conversion is exact.
                Arg::Number(value as f64)
            }
        }
    )*};
}
arg_from_number!(i32, i64, u32, u64, usize, f64);

/// The sources, embedded: (locale, file name, text).
const SOURCES: [(Locale, &str, &str); 6] = [
    (Locale::En, "cli.ftl", include_str!("../locales/en/cli.ftl")),
    (
        Locale::En,
        "server.ftl",
        include_str!("../locales/en/server.ftl"),
    ),
    (Locale::En, "app.ftl", include_str!("../locales/en/app.ftl")),
    (Locale::Ar, "cli.ftl", include_str!("../locales/ar/cli.ftl")),
    (
        Locale::Ar,
        "server.ftl",
        include_str!("../locales/ar/server.ftl"),
    ),
    (Locale::Ar, "app.ftl", include_str!("../locales/ar/app.ftl")),
];

/// The embedded `.ftl` sources: `(locale, file name, text)`, for checks and tools.
pub fn sources() -> impl Iterator<Item = (Locale, &'static str, &'static str)> {
    SOURCES.into_iter()
}

/// All messages of one language, loaded once for the life of the process.
pub struct Catalogue {
    locale: Locale,
    isolating: bool,
    bundle: FluentBundle<FluentResource>,
}

impl fmt::Debug for Catalogue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Catalogue")
            .field("locale", &self.locale)
            .finish_non_exhaustive()
    }
}

static PLAIN: [OnceLock<Catalogue>; 2] = [OnceLock::new(), OnceLock::new()];
static ISOLATED: [OnceLock<Catalogue>; 2] = [OnceLock::new(), OnceLock::new()];

fn index(locale: Locale) -> usize {
    match locale {
        Locale::En => 0,
        Locale::Ar => 1,
    }
}

impl Catalogue {
    /// The catalogue of `locale` for plain text: terminal output, JSON error messages,
    /// logs. Variables are inserted as they are, without Unicode isolation marks
    /// (U+2068 … U+2069): terminals print those as boxes or pass them into scripts and
    /// `grep` patterns, where they break matches.
    pub fn get(locale: Locale) -> &'static Catalogue {
        PLAIN[index(locale)].get_or_init(|| Catalogue::build(locale, false))
    }

    /// The catalogue of `locale` for text a GUI lays out with the Unicode bidirectional
    /// algorithm (tray menu, native notifications): each variable is wrapped in
    /// FIRST STRONG ISOLATE … POP DIRECTIONAL ISOLATE, so an English e-mail address or a
    /// ticket number inside an Arabic sentence (or Arabic inside English) keeps its order.
    pub fn isolated(locale: Locale) -> &'static Catalogue {
        ISOLATED[index(locale)].get_or_init(|| Catalogue::build(locale, true))
    }

    fn build(locale: Locale, isolating: bool) -> Catalogue {
        let sources = SOURCES
            .iter()
            .filter(|(l, _, _)| *l == locale)
            .map(|(_, file, source)| (*file, *source));
        Catalogue::from_sources(locale, isolating, sources)
    }

    fn from_sources<'s>(
        locale: Locale,
        isolating: bool,
        sources: impl IntoIterator<Item = (&'s str, &'s str)>,
    ) -> Catalogue {
        let langid: LanguageIdentifier = locale.tag().parse().unwrap_or_default();
        let mut bundle = FluentBundle::new_concurrent(vec![langid]);
        bundle.set_use_isolating(isolating);
        for (file, source) in sources {
            // The sources are ours and a test parses them strictly; should one still be
            // broken, keep every message that did parse rather than lose the language.
            let resource = match FluentResource::try_new(source.to_owned()) {
                Ok(resource) => resource,
                Err((resource, errors)) => {
                    tracing::error!(%locale, file, ?errors, "message catalogue has syntax errors");
                    resource
                }
            };
            if let Err(errors) = bundle.add_resource(resource) {
                tracing::error!(%locale, file, ?errors, "message catalogue has duplicate ids");
            }
        }
        Catalogue {
            locale,
            isolating,
            bundle,
        }
    }

    /// This catalogue's language.
    pub fn locale(&self) -> Locale {
        self.locale
    }

    /// Whether this language itself has the message (without falling back).
    pub fn has(&self, id: &str) -> bool {
        self.bundle
            .get_message(id)
            .and_then(|m| m.value())
            .is_some()
    }

    /// The message `id` with its variables. A message missing in this language comes
    /// from English; one missing everywhere comes back as its id (and is logged; debug
    /// builds assert, so tests catch it).
    pub fn text(&self, id: &str, args: &[(&str, Arg<'_>)]) -> String {
        if let Some(text) = self.format(id, args) {
            return text;
        }
        if self.locale != Locale::En {
            let english = if self.isolating {
                Catalogue::isolated(Locale::En)
            } else {
                Catalogue::get(Locale::En)
            };
            if let Some(text) = english.format(id, args) {
                tracing::debug!(locale = %self.locale, id, "message missing, using English");
                return text;
            }
        }
        tracing::warn!(locale = %self.locale, id, "message id missing in every catalogue");
        debug_assert!(false, "message id {id:?} missing in every catalogue");
        id.to_owned()
    }

    fn format(&self, id: &str, args: &[(&str, Arg<'_>)]) -> Option<String> {
        let pattern = self.bundle.get_message(id)?.value()?;
        let mut fluent_args = FluentArgs::with_capacity(args.len());
        for (name, value) in args {
            let value = match value {
                Arg::Str(text) => FluentValue::from(text.as_ref()),
                Arg::Number(number) => FluentValue::from(*number),
            };
            fluent_args.set(*name, value);
        }
        let mut errors = Vec::new();
        let text = self
            .bundle
            .format_pattern(pattern, Some(&fluent_args), &mut errors);
        if !errors.is_empty() {
            // A variable the caller did not pass, or a reference to a missing message.
            tracing::warn!(locale = %self.locale, id, ?errors, "message formatted with errors");
            debug_assert!(
                false,
                "message {id:?} ({}) formatted with errors: {errors:?}",
                self.locale
            );
        }
        Some(text.into_owned())
    }
}

/// Shorthand for `Catalogue::get(locale).text(id, args)`.
pub fn text(locale: Locale, id: &str, args: &[(&str, Arg<'_>)]) -> String {
    Catalogue::get(locale).text(id, args)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_missing_in_arabic_comes_from_english() {
        let arabic =
            Catalogue::from_sources(Locale::Ar, false, [("app.ftl", "tray-quit = إنهاء\n")]);
        assert_eq!(arabic.text("tray-quit", &[]), "إنهاء");
        assert!(!arabic.has("tray-open"));
        assert_eq!(arabic.text("tray-open", &[]), "Open Tadhkira");
    }

    #[test]
    #[cfg_attr(
        debug_assertions,
        should_panic(expected = "missing in every catalogue")
    )]
    fn a_message_missing_everywhere_is_its_id() {
        assert_eq!(
            Catalogue::get(Locale::Ar).text("no-such-message", &[]),
            "no-such-message"
        );
    }

    #[test]
    #[cfg_attr(debug_assertions, should_panic(expected = "formatted with errors"))]
    fn a_missing_variable_is_caught() {
        let text = Catalogue::get(Locale::En).text("cli-tickets-count", &[]);
        assert!(text.contains("$count"), "{text}");
    }

    #[test]
    fn plain_text_has_no_isolation_marks_and_gui_text_has() {
        let args = [("count", Arg::from(12))];
        let plain = Catalogue::get(Locale::Ar).text("cli-tickets-count", &args);
        assert_eq!(plain, "12 تذكرة");
        let gui = Catalogue::isolated(Locale::Ar).text("cli-tickets-count", &args);
        assert_eq!(gui, "\u{2068}12\u{2069} تذكرة");
    }
}
