//! The one rule for a ticket's contact details, used by the server before it accepts a
//! ticket, by the engine before it queues one (so an offline user hears at once, not
//! from the outbox later) and by the app's form to mark each field.
//!
//! [`Contact`] itself stays plain text: tickets stored before this rule existed must
//! still read back. The rule applies to new tickets, through [`Contact::checked`].
//!
//! Phone numbers: digits, spaces and `+ - ( ) .`, a `+` only in front. Arabic-Indic
//! digits (`٠١٢…`, and the Persian forms `۰۱۲…`) are accepted and stored as ASCII
//! digits, so an Arabic keyboard works and every number reads and dials the same way.

use serde::{Deserialize, Serialize};

use crate::{Contact, Email};

/// Longest contact name, in characters (as [`crate::Name`]).
pub const MAX_CONTACT_NAME_CHARS: usize = 120;
/// Longest phone number as typed, in characters.
pub const MAX_PHONE_CHARS: usize = 40;
/// Fewest and most digits in a phone number (a short internal extension to a full
/// international number with a prefix).
pub const PHONE_DIGITS: std::ops::RangeInclusive<usize> = 3..=20;

/// A field of [`Contact`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum ContactField {
    Name,
    Email,
    Phone,
}

/// What is wrong with one contact field; the app words each in the user's language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum ContactProblem {
    /// Longer than the field allows.
    TooLong,
    /// Holds control characters (a line break, a NUL…).
    ControlCharacters,
    /// Not of the shape `name@domain.tld`.
    NotAnEmail,
    /// A character other than digits, spaces and `+ - ( ) .`, or a `+` not in front.
    PhoneCharacters,
    /// Too few or too many digits.
    PhoneDigits,
}

/// One field that broke the rule, with an English message (logs, the CLI, the server's
/// rejection).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ContactError {
    pub field: ContactField,
    pub problem: ContactProblem,
    pub message: String,
}

impl ContactError {
    fn new(field: ContactField, problem: ContactProblem, message: String) -> Self {
        Self {
            field,
            problem,
            message,
        }
    }
}

/// The problems of a contact, joined for one message ("contact e-mail: …; contact
/// phone: …").
pub fn describe(errors: &[ContactError]) -> String {
    errors
        .iter()
        .map(|e| e.message.as_str())
        .collect::<Vec<_>>()
        .join("; ")
}

impl Contact {
    /// The contact as it is stored: each field trimmed (blank becomes `None`), the
    /// e-mail lower-cased, the phone's Arabic-Indic digits made ASCII. Every field that
    /// breaks the rule is reported, so a form can mark them all at once.
    pub fn checked(&self) -> Result<Contact, Vec<ContactError>> {
        let mut errors = Vec::new();
        let name = present(&self.name).and_then(|n| {
            check_name(n)
                .map_err(|e| errors.push(e))
                .ok()
                .map(str::to_owned)
        });
        let email = present(&self.email).and_then(|e| match Email::parse(e) {
            Ok(e) => Some(e.as_str().to_owned()),
            Err(_) => {
                errors.push(ContactError::new(
                    ContactField::Email,
                    ContactProblem::NotAnEmail,
                    format!("contact e-mail {e:?} is not an e-mail address (name@example.com)"),
                ));
                None
            }
        });
        let phone =
            present(&self.phone).and_then(|p| normalise_phone(p).map_err(|e| errors.push(e)).ok());
        if errors.is_empty() {
            Ok(Contact { name, email, phone })
        } else {
            Err(errors)
        }
    }
}

/// The trimmed value, `None` when blank.
fn present(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

fn check_name(n: &str) -> Result<&str, ContactError> {
    let len = n.chars().count();
    if len > MAX_CONTACT_NAME_CHARS {
        return Err(ContactError::new(
            ContactField::Name,
            ContactProblem::TooLong,
            format!("contact name is too long: {len} characters, at most {MAX_CONTACT_NAME_CHARS}"),
        ));
    }
    if n.chars().any(char::is_control) {
        return Err(ContactError::new(
            ContactField::Name,
            ContactProblem::ControlCharacters,
            "contact name must be one line without control characters".into(),
        ));
    }
    Ok(n)
}

/// The phone number with ASCII digits, or why it is not one.
fn normalise_phone(p: &str) -> Result<String, ContactError> {
    let len = p.chars().count();
    if len > MAX_PHONE_CHARS {
        return Err(ContactError::new(
            ContactField::Phone,
            ContactProblem::TooLong,
            format!("contact phone is too long: {len} characters, at most {MAX_PHONE_CHARS}"),
        ));
    }
    let mut out = String::with_capacity(p.len());
    let mut digits = 0;
    for (i, c) in p.chars().enumerate() {
        let ascii = match c {
            '0'..='9' => Some(c),
            '\u{0660}'..='\u{0669}' => char::from_digit(c as u32 - 0x0660, 10),
            '\u{06F0}'..='\u{06F9}' => char::from_digit(c as u32 - 0x06F0, 10),
            _ => None,
        };
        match (ascii, c) {
            (Some(d), _) => {
                digits += 1;
                out.push(d);
            }
            (None, ' ' | '-' | '(' | ')' | '.') => out.push(c),
            (None, '+') if i == 0 => out.push(c),
            (None, _) => {
                return Err(ContactError::new(
                    ContactField::Phone,
                    ContactProblem::PhoneCharacters,
                    format!(
                        "contact phone {p:?} may hold only digits, spaces and + - ( ) . \
                         (a + only in front)"
                    ),
                ))
            }
        }
    }
    if !PHONE_DIGITS.contains(&digits) {
        return Err(ContactError::new(
            ContactField::Phone,
            ContactProblem::PhoneDigits,
            format!(
                "contact phone {p:?} has {digits} digits; a phone number has {} to {}",
                PHONE_DIGITS.start(),
                PHONE_DIGITS.end()
            ),
        ));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn contact(name: &str, email: &str, phone: &str) -> Contact {
        let some = |s: &str| Some(s.to_owned());
        Contact {
            name: some(name),
            email: some(email),
            phone: some(phone),
        }
    }

    fn problems(c: &Contact) -> Vec<(ContactField, ContactProblem)> {
        c.checked()
            .unwrap_err()
            .into_iter()
            .map(|e| (e.field, e.problem))
            .collect()
    }

    #[test]
    fn a_good_contact_is_trimmed_and_normalised() {
        let c = contact(" Amal Nabil ", " Amal@Nile.Example ", " +20 (2) 555-0100 ");
        assert_eq!(
            c.checked().unwrap(),
            contact("Amal Nabil", "amal@nile.example", "+20 (2) 555-0100")
        );
    }

    #[test]
    fn blank_fields_are_absent_not_errors() {
        let c = contact("  ", "", " ");
        assert_eq!(c.checked().unwrap(), Contact::default());
        assert_eq!(Contact::default().checked().unwrap(), Contact::default());
    }

    #[test]
    fn arabic_indic_digits_become_ascii() {
        let c = contact("أمل", "amal@nile.example", "+٢٠ ١٠٠ ٥٥٥ ٠١٠٠");
        assert_eq!(
            c.checked().unwrap().phone.as_deref(),
            Some("+20 100 555 0100")
        );
        let persian = contact("x", "a@b.cd", "۰۹۱۲ ۳۴۵ ۶۷۸۹");
        assert_eq!(
            persian.checked().unwrap().phone.as_deref(),
            Some("0912 345 6789")
        );
    }

    #[test]
    fn every_bad_field_is_reported_with_its_problem() {
        let c = contact(&"n".repeat(121), "amal@nile", "call me maybe");
        assert_eq!(
            problems(&c),
            [
                (ContactField::Name, ContactProblem::TooLong),
                (ContactField::Email, ContactProblem::NotAnEmail),
                (ContactField::Phone, ContactProblem::PhoneCharacters),
            ]
        );
        let err = c.checked().unwrap_err();
        let text = describe(&err);
        assert!(text.contains("contact e-mail \"amal@nile\""), "{text}");
        assert!(text.contains("contact phone"), "{text}");
    }

    #[test]
    fn phone_rules() {
        let bad = |p: &str| problems(&contact("x", "a@b.cd", p));
        assert_eq!(
            bad("20+100"),
            [(ContactField::Phone, ContactProblem::PhoneCharacters)]
        );
        assert_eq!(
            bad("12"),
            [(ContactField::Phone, ContactProblem::PhoneDigits)]
        );
        assert_eq!(
            bad(&"1".repeat(21)),
            [(ContactField::Phone, ContactProblem::PhoneDigits)]
        );
        assert_eq!(
            bad(&"1 ".repeat(21)),
            [(ContactField::Phone, ContactProblem::TooLong)]
        );
        assert_eq!(
            bad("100\n200"),
            [(ContactField::Phone, ContactProblem::PhoneCharacters)]
        );
        assert!(contact("x", "a@b.cd", "100").checked().is_ok());
        assert!(contact("x", "a@b.cd", "+1.800.555.0199").checked().is_ok());
    }

    #[test]
    fn a_name_is_one_line() {
        assert_eq!(
            problems(&contact("Amal\nNabil", "a@b.cd", "100")),
            [(ContactField::Name, ContactProblem::ControlCharacters)]
        );
        assert!(contact(&"ا".repeat(120), "a@b.cd", "100").checked().is_ok());
    }
}
