//! Field values with rules: enums of the helpdesk's vocabulary and validated newtypes.
//!
//! Newtypes deserialise through their `parse` constructor (`serde(try_from)`), so a
//! JSON body with a blank title or a bad e-mail fails to parse at the edge with a
//! clear message instead of reaching the core.

use serde::{Deserialize, Serialize};

/// A value that failed its rule; the message says which rule, for the user.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct FieldError(pub String);

macro_rules! wire_enum {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $variant:ident = $s:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
        #[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($(#[$vm])* $variant),+ }

        impl $name {
            /// Every value, in order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The value as stored and sent (`snake_case`).
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $s),+ }
            }

            /// Parses the stored form; an unknown word is a [`FieldError`].
            pub fn parse(s: &str) -> Result<Self, FieldError> {
                match s {
                    $($s => Ok($name::$variant),)+
                    other => Err(FieldError(format!(
                        concat!("unknown ", stringify!($name), " {:?}; expected one of: {}"),
                        other,
                        [$($s),+].join(", ")
                    ))),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl std::str::FromStr for $name {
            type Err = FieldError;
            fn from_str(s: &str) -> Result<Self, FieldError> { Self::parse(s) }
        }
    };
}

wire_enum!(
    /// How urgent a ticket is; drives its response targets.
    Priority { Low = "low", Normal = "normal", High = "high", Urgent = "urgent" }
);

wire_enum!(
    /// Where a ticket is in its life: new → open → pending / on_hold → solved → closed.
    Status {
        New = "new",
        Open = "open",
        /// Waiting on the customer: the response-target clock is paused.
        Pending = "pending",
        OnHold = "on_hold",
        Solved = "solved",
        Closed = "closed",
    }
);

wire_enum!(
    /// The way a ticket reached support.
    Channel {
        Desktop = "desktop",
        Portal = "portal",
        Email = "email",
        Phone = "phone",
        Remote = "remote",
        Whatsapp = "whatsapp",
        /// In person at the desk, or any way not listed.
        Other = "other",
    }
);

wire_enum!(
    /// Who may read a message: everyone on the ticket, or staff only.
    Visibility { Public = "public", Internal = "internal" }
);

wire_enum!(
    /// What a user is.
    Role { Customer = "customer", Agent = "agent", Admin = "admin" }
);

impl Priority {
    /// Sort weight: higher is more urgent.
    pub fn rank(self) -> u8 {
        match self {
            Priority::Low => 0,
            Priority::Normal => 1,
            Priority::High => 2,
            Priority::Urgent => 3,
        }
    }
}

impl Status {
    /// Whether the ticket still needs work from support.
    pub fn is_active(self) -> bool {
        !matches!(self, Status::Solved | Status::Closed)
    }
}

impl Role {
    /// Agents and admins are staff: they see every organisation and internal notes.
    pub fn is_staff(self) -> bool {
        matches!(self, Role::Agent | Role::Admin)
    }
}

/// Support tier, 1 (first line) to 3.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export, type = "number"))]
#[serde(try_from = "i64", into = "i64")]
pub struct Tier(u8);

impl Tier {
    pub const L1: Tier = Tier(1);
    pub const L2: Tier = Tier(2);
    pub const L3: Tier = Tier(3);

    pub fn parse(n: i64) -> Result<Self, FieldError> {
        match n {
            1..=3 => Ok(Tier(n as u8)),
            _ => Err(FieldError(format!("tier must be 1, 2 or 3, not {n}"))),
        }
    }

    pub fn get(self) -> u8 {
        self.0
    }
}

impl TryFrom<i64> for Tier {
    type Error = FieldError;
    fn try_from(n: i64) -> Result<Self, FieldError> {
        Tier::parse(n)
    }
}

impl From<Tier> for i64 {
    fn from(t: Tier) -> i64 {
        t.0 as i64
    }
}

#[cfg(feature = "schema")]
impl schemars::JsonSchema for Tier {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Tier".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "Support tier, 1 (first line) to 3.",
            "type": "integer",
            "minimum": 1,
            "maximum": 3
        })
    }
}

impl std::fmt::Display for Tier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "L{}", self.0)
    }
}

/// Why a character may not appear in stored text: control characters (C0 other than
/// newline and tab, DEL, C1) can move a terminal's cursor, recolour it or hide text in
/// a log; the bidi override and embedding characters (U+202A–U+202E) can make a title
/// read differently from what it says. The bidi isolates (U+2066–U+2069), which Arabic
/// and English mixed in one line legitimately need, are allowed.
pub fn is_forbidden_char(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t') || ('\u{202A}'..='\u{202E}').contains(&c)
}

/// Checks that `text` (the field named `what`) holds no [forbidden
/// character](is_forbidden_char); the error names the field and the first such
/// character as `U+XXXX`.
pub fn check_clean_text(what: &str, text: &str) -> Result<(), FieldError> {
    match text.chars().find(|c| is_forbidden_char(*c)) {
        None => Ok(()),
        Some(c) => Err(FieldError(format!(
            "{what} must not contain the control character U+{:04X}",
            u32::from(c)
        ))),
    }
}

/// Defines a trimmed, length-limited text newtype.
macro_rules! bounded_text {
    ($(#[$m:meta])* $name:ident, what = $what:literal, min = $min:expr, max = $max:expr) => {
        $(#[$m])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export, type = "string"))]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            /// Longest accepted value, in characters.
            pub const MAX_CHARS: usize = $max;

            /// Trims surrounding white space, turns Windows line ends (CR LF) into
            /// newlines, and checks the length and that no [forbidden
            /// character](is_forbidden_char) is left.
            pub fn parse(s: impl AsRef<str>) -> Result<Self, FieldError> {
                let raw = s.as_ref();
                let unixed;
                let t = if raw.contains("\r\n") {
                    unixed = raw.replace("\r\n", "\n");
                    unixed.trim()
                } else {
                    raw.trim()
                };
                let n = t.chars().count();
                if n < $min {
                    return Err(FieldError(if $min <= 1 {
                        concat!($what, " must not be empty").to_string()
                    } else {
                        format!(concat!($what, " must be at least {} characters"), $min)
                    }));
                }
                if n > $max {
                    return Err(FieldError(format!(
                        concat!($what, " is too long: {} characters, at most {}"),
                        n, $max
                    )));
                }
                check_clean_text($what, t)?;
                Ok($name(t.to_string()))
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }

            pub fn into_inner(self) -> String {
                self.0
            }
        }

        impl TryFrom<String> for $name {
            type Error = FieldError;
            fn try_from(s: String) -> Result<Self, FieldError> {
                Self::parse(s)
            }
        }

        impl From<$name> for String {
            fn from(v: $name) -> String {
                v.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        #[cfg(feature = "schema")]
        impl schemars::JsonSchema for $name {
            fn schema_name() -> std::borrow::Cow<'static, str> {
                stringify!($name).into()
            }

            fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
                crate::schema::bounded_text($min, $max)
            }
        }
    };
}

bounded_text!(
    /// A ticket's title: a clear one-line summary, 3–200 characters.
    TicketTitle, what = "title", min = 3, max = 200
);
bounded_text!(
    /// A ticket's description: up to 20,000 characters.
    Description, what = "description", min = 1, max = 20_000
);
bounded_text!(
    /// A reply or internal note: up to 20,000 characters.
    MessageBody, what = "message", min = 1, max = 20_000
);
bounded_text!(
    /// A person's or organisation's display name.
    Name, what = "name", min = 1, max = 120
);
bounded_text!(
    /// A free-form short label (category, phone number, escalation reason).
    ShortText, what = "text", min = 1, max = 500
);

/// An e-mail address, trimmed and lower-cased; must have one `@` with text on both sides
/// and a dot in the domain.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export, type = "string"))]
#[serde(try_from = "String", into = "String")]
pub struct Email(String);

impl Email {
    pub fn parse(s: impl AsRef<str>) -> Result<Self, FieldError> {
        let t = s.as_ref().trim().to_lowercase();
        let bad = || FieldError(format!("{t:?} is not an e-mail address"));
        if t.len() > 254 || t.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(bad());
        }
        let (local, domain) = t.split_once('@').ok_or_else(bad)?;
        if local.is_empty()
            || domain.contains('@')
            || !domain.contains('.')
            || domain.starts_with('.')
            || domain.ends_with('.')
        {
            return Err(bad());
        }
        Ok(Email(t))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Email {
    type Error = FieldError;
    fn try_from(s: String) -> Result<Self, FieldError> {
        Email::parse(s)
    }
}

impl From<Email> for String {
    fn from(e: Email) -> String {
        e.0
    }
}

#[cfg(feature = "schema")]
impl schemars::JsonSchema for Email {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Email".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "An e-mail address: one `@` with text on both sides and a dot in the domain; trimmed and lower-cased.",
            "type": "string",
            "minLength": 3,
            "maxLength": 254
        })
    }
}

impl std::fmt::Display for Email {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_are_trimmed_and_bounded() {
        assert_eq!(
            TicketTitle::parse("  Printer offline ").unwrap().as_str(),
            "Printer offline"
        );
        assert!(TicketTitle::parse("  ").is_err());
        assert!(TicketTitle::parse("ab").is_err());
        assert!(TicketTitle::parse("x".repeat(201)).is_err());
        // Arabic counts characters, not bytes.
        assert!(TicketTitle::parse("ا".repeat(200)).is_ok());
    }

    #[test]
    fn bad_json_values_fail_to_parse_with_a_message() {
        let err = serde_json::from_str::<TicketTitle>("\"\"").unwrap_err();
        assert!(err.to_string().contains("title must be at least"), "{err}");
        assert!(serde_json::from_str::<Tier>("4").is_err());
        assert!(serde_json::from_str::<Priority>("\"critical\"").is_err());
        assert_eq!(
            serde_json::from_str::<Status>("\"on_hold\"").unwrap(),
            Status::OnHold
        );
    }

    #[test]
    fn control_and_bidi_override_characters_are_refused_by_name() {
        let err = TicketTitle::parse("Printer \u{1b}[31m offline").unwrap_err();
        assert_eq!(
            err.to_string(),
            "title must not contain the control character U+001B"
        );
        for bad in [
            "\0", "\u{7f}", "\u{85}", "\u{9b}", "\r", "\u{202A}", "\u{202E}",
        ] {
            let err = MessageBody::parse(format!("a{bad}b")).unwrap_err();
            assert!(
                err.to_string().starts_with("message must not"),
                "{bad:?}: {err}"
            );
        }
        // Newlines, tabs, Windows line ends and the bidi isolates are text.
        let body = MessageBody::parse("line one\r\n\tline two \u{2067}عربي\u{2069}").unwrap();
        assert_eq!(body.as_str(), "line one\n\tline two \u{2067}عربي\u{2069}");
        assert!(check_clean_text("x", "\u{2066}\u{2068}\u{200F}").is_ok());
    }

    #[test]
    fn emails_are_normalised_and_checked() {
        assert_eq!(
            Email::parse(" Sara@Example.COM ").unwrap().as_str(),
            "sara@example.com"
        );
        for bad in [
            "",
            "sara",
            "sara@",
            "@example.com",
            "a@b",
            "a b@c.d",
            "a@@b.c",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn enums_round_trip_through_their_stored_form() {
        for s in Status::ALL {
            assert_eq!(Status::parse(s.as_str()).unwrap(), *s);
        }
        for c in Channel::ALL {
            assert_eq!(c.as_str().parse::<Channel>().unwrap(), *c);
        }
    }
}
