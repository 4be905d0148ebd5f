//! The support terms, their acceptance, "outside the support terms", and the
//! first-line checklists.
//!
//! - **Support terms** are pages in Arabic and English (scope, exclusions, limitations,
//!   customer obligations, channels and hours) with a list of named [`Exclusion`]s. An
//!   admin saves a draft (`PUT /api/v1/admin/terms/draft`) and publishes it
//!   (`POST /api/v1/admin/terms/publish`) as the next version; a published version is
//!   never edited. Published versions reach every client through the change feed
//!   ([`crate::Entity::SupportTerms`]), so the customer's Support policy screen works
//!   offline; a draft never leaves the admin API.
//! - **Acceptance**: the first ticket an organisation files under a new version carries
//!   [`crate::NewTicket::terms_version`], which the filer ticked in the form; the server
//!   records one [`TermsAcceptance`] per organisation and version (the ticket's
//!   mutation id makes a retry harmless) and sends it to that organisation's clients
//!   and to staff ([`crate::Entity::TermsAccepted`]). The server holds every customer's
//!   own ticket to it: until the organisation accepted the newest version, a ticket
//!   that does not carry it is refused [`crate::ErrorCode::TermsNotAccepted`] (an app
//!   that filed before the version reached it keeps the ticket in its outbox and
//!   offers to accept and send it again). Tickets staff file for a customer and
//!   messages from a channel are not held.
//! - **Outside the support terms**: staff resolve a ticket naming the exclusion it falls
//!   under ([`OutOfScope`], a mutation through the outbox); the ticket's timeline keeps
//!   the exclusion's label in both languages, so the customer reads it in theirs.
//! - **First-line checklists** per category, in both languages, edited by admins and
//!   pulled like the terms ([`crate::Entity::Checklist`]); the new-ticket form asks the
//!   checks of the chosen category (or of the default list, category `""`).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{check_clean_text, FieldError, ShortText};

bounded_text!(
    /// One page of the support terms, in one language: up to 20,000 characters.
    TermsPage, what = "terms page", min = 1, max = 20_000
);

/// Most exclusions in one version of the terms.
pub const MAX_EXCLUSIONS: usize = 50;
/// Most checks in one checklist.
pub const MAX_CHECKLIST_ITEMS: usize = 20;
/// Longest key (of an exclusion or a check), in characters.
pub const MAX_KEY_CHARS: usize = 60;

/// Checks a stable key: 2–60 of `a-z`, `0-9`, `_`, `-`. Keys are stored on tickets
/// (a check ticked, an exclusion chosen), so they are plain words that never change.
pub fn check_key(what: &str, key: &str) -> Result<(), FieldError> {
    let n = key.chars().count();
    let ok = (2..=MAX_KEY_CHARS).contains(&n)
        && key
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-');
    if ok {
        Ok(())
    } else {
        Err(FieldError(format!(
            "{what} {key:?} must be 2 to {MAX_KEY_CHARS} of a-z, 0-9, _ and -"
        )))
    }
}

/// The pages of the support terms in one language.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct TermsPages {
    /// What support covers.
    pub scope: TermsPage,
    /// What it does not cover (the named [`Exclusion`]s are listed with it).
    pub exclusions: TermsPage,
    /// Limits of what support promises.
    pub limitations: TermsPage,
    /// What the customer is expected to do.
    pub obligations: TermsPage,
    /// How to reach support, and when.
    pub channels: TermsPage,
}

/// A named exclusion: what a ticket "outside the support terms" falls under.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Exclusion {
    /// A stable word ([`check_key`]), stored on the tickets resolved under it.
    pub key: String,
    pub en: ShortText,
    pub ar: ShortText,
}

/// What one version of the support terms says, in both languages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct TermsContent {
    pub en: TermsPages,
    pub ar: TermsPages,
    pub exclusions: Vec<Exclusion>,
}

impl TermsContent {
    /// Checks what the field types alone cannot: the exclusions' keys (well formed,
    /// each once) and their number.
    pub fn check(&self) -> Result<(), FieldError> {
        if self.exclusions.len() > MAX_EXCLUSIONS {
            return Err(FieldError(format!("at most {MAX_EXCLUSIONS} exclusions")));
        }
        let mut seen = Vec::with_capacity(self.exclusions.len());
        for e in &self.exclusions {
            check_key("exclusion key", &e.key)?;
            if seen.contains(&e.key.as_str()) {
                return Err(FieldError(format!(
                    "the exclusion {:?} is listed twice",
                    e.key
                )));
            }
            seen.push(&e.key);
        }
        Ok(())
    }

    /// The exclusion with this key.
    pub fn exclusion(&self, key: &str) -> Option<&Exclusion> {
        self.exclusions.iter().find(|e| e.key == key)
    }
}

/// A published version of the support terms.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct SupportTerms {
    /// 1, 2, …: each publication is the next.
    pub version: i64,
    pub content: TermsContent,
    pub published_at: DateTime<Utc>,
    pub published_by_name: String,
}

/// The draft an admin is writing (not seen by anyone else).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct TermsDraft {
    pub content: TermsContent,
    pub saved_at: DateTime<Utc>,
    pub saved_by_name: String,
}

/// Answer of `GET /api/v1/admin/terms` (and of saving a draft).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct AdminTerms {
    /// The version in force (none before the first publication).
    pub published: Option<SupportTerms>,
    /// The unpublished draft, if one is saved.
    pub draft: Option<TermsDraft>,
}

/// An organisation accepted a version of the terms: who, when, with which ticket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct TermsAcceptance {
    /// The feed's id of this acceptance.
    pub id: Uuid,
    pub org_id: Uuid,
    pub version: i64,
    pub user_id: Uuid,
    pub user_name: String,
    pub accepted_at: DateTime<Utc>,
    /// The ticket it was filed with.
    pub ticket_id: Uuid,
}

/// Answer of `GET /api/v1/admin/organisations/{id}/acceptances`, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct TermsAcceptanceList {
    pub acceptances: Vec<TermsAcceptance>,
}

/// Staff resolve a ticket as outside the support terms, under this exclusion of the
/// version in force. Pushed through the outbox like any change; audited as an override.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct OutOfScope {
    pub ticket_id: Uuid,
    /// The [`Exclusion::key`].
    pub exclusion: String,
}

/// One first-line check, in both languages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CheckItem {
    /// A stable word ([`check_key`]), stored on the ticket when ticked.
    pub id: String,
    pub en: ShortText,
    pub ar: ShortText,
}

/// The first-line checks asked for one category (`""`: every category without a list
/// of its own).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Checklist {
    pub id: Uuid,
    pub category: String,
    pub items: Vec<CheckItem>,
    pub updated_at: DateTime<Utc>,
}

/// Body of `PUT /api/v1/admin/checklists`: the whole list of one category (an empty
/// list asks nothing for it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ChecklistChange {
    /// Trimmed; matched without regard to case. `""`: the default list.
    pub category: String,
    pub items: Vec<CheckItem>,
}

impl ChecklistChange {
    /// Checks the category's length and the items' keys (well formed, each once).
    pub fn check(&self) -> Result<(), FieldError> {
        if self.category.trim().chars().count() > 80 {
            return Err(FieldError("category is longer than 80 characters".into()));
        }
        check_clean_text("category", &self.category)?;
        if self.items.len() > MAX_CHECKLIST_ITEMS {
            return Err(FieldError(format!("at most {MAX_CHECKLIST_ITEMS} checks")));
        }
        let mut seen = Vec::with_capacity(self.items.len());
        for i in &self.items {
            check_key("check id", &i.id)?;
            if seen.contains(&i.id.as_str()) {
                return Err(FieldError(format!("the check {:?} is listed twice", i.id)));
            }
            seen.push(&i.id);
        }
        Ok(())
    }
}

/// Answer of `GET /api/v1/admin/checklists`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ChecklistList {
    pub checklists: Vec<Checklist>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(id: &str) -> CheckItem {
        CheckItem {
            id: id.into(),
            en: ShortText::parse("Restarted").unwrap(),
            ar: ShortText::parse("أعدت التشغيل").unwrap(),
        }
    }

    #[test]
    fn keys_are_plain_words() {
        assert!(check_key("k", "custom_software").is_ok());
        assert!(check_key("k", "hardware-repair2").is_ok());
        for bad in ["", "x", "Has Space", "طابعة", "UPPER", &"a".repeat(61)] {
            assert!(check_key("k", bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn a_checklist_names_each_check_once() {
        let mut c = ChecklistChange {
            category: "Printing".into(),
            items: vec![item("restarted"), item("cable")],
        };
        assert!(c.check().is_ok());
        c.items.push(item("restarted"));
        assert!(c.check().unwrap_err().to_string().contains("twice"));
        c.items = vec![item("Bad Key")];
        assert!(c.check().is_err());
    }
}
