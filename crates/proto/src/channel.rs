//! Channels besides the app: messages that reach support from outside (WhatsApp today,
//! e-mail next) and what staff do with the ones the server could not place.
//!
//! - A message from a known customer becomes a ticket or a reply on their open ticket
//!   on the server, with no help from anyone. Its delivery back (an agent's public
//!   reply) is tracked on the [`crate::Message`] as a [`Delivery`].
//! - A message from an address no customer has lands in the **unmatched queue**
//!   (`GET /api/v1/channels/unmatched`, staff only) as an [`UnmatchedMessage`]; an agent
//!   links it to a customer (`POST /api/v1/channels/unmatched/{id}/link`, a
//!   [`LinkUnmatched`]), which files it as that customer's and, when asked, saves the
//!   address on their record so the next message finds them; or, when the sender is
//!   nobody the helpdesk knows yet, makes them a new customer of an organisation
//!   (`POST /api/v1/channels/unmatched/{id}/person`, a [`NewPersonFromUnmatched`]),
//!   whose ticket the message becomes.
//! - Staff log a call or a remote session on a ticket with a [`ContactLog`] (the
//!   mutation `log_contact`), shown on the timeline.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{Channel, FieldError, ShortText};

wire_enum!(
    /// Where an agent's public reply on a channel ticket (WhatsApp) stands on its way to
    /// the customer. Moves forward only (`queued` → `sent` → `delivered` → `read`);
    /// `failed` when the channel refused it for good.
    Delivery {
        /// Waiting in the server's channel outbox.
        Queued = "queued",
        /// The channel accepted it.
        Sent = "sent",
        /// It reached the customer's phone.
        Delivered = "delivered",
        /// The customer opened it.
        Read = "read",
        /// The channel refused it (see the server's log for why).
        Failed = "failed",
    }
);

impl Delivery {
    /// Order on the way to the customer; `failed` ends it.
    pub fn rank(self) -> u8 {
        match self {
            Delivery::Queued => 0,
            Delivery::Sent => 1,
            Delivery::Delivered => 2,
            Delivery::Read => 3,
            Delivery::Failed => 4,
        }
    }

    /// Whether a report of `next` may replace this state: statuses arrive out of order
    /// (a `read` before its `delivered`), and a late `sent` must not undo a `read`.
    pub fn may_become(self, next: Delivery) -> bool {
        self != Delivery::Failed && next.rank() > self.rank()
    }
}

wire_enum!(
    /// Who called whom (or opened the remote session).
    Direction {
        /// The customer reached support.
        Inbound = "inbound",
        /// Support reached the customer.
        Outbound = "outbound",
    }
);

/// Longest call or session in a [`ContactLog`]: a working day.
pub const MAX_CONTACT_MINUTES: u32 = 24 * 60;

/// A call or remote session an agent logs on a ticket (mutation `log_contact`). Staff
/// only, and so is the timeline entry it makes (its notes are internal).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ContactLog {
    pub ticket_id: Uuid,
    /// `phone` or `remote` (other channels are logged by themselves).
    pub channel: Channel,
    pub direction: Direction,
    /// How long it took, in whole minutes (0–1440).
    pub minutes: u32,
    /// What was said or done.
    #[serde(default)]
    pub notes: Option<ShortText>,
    /// The remote-access tool (AnyDesk, TeamViewer, RustDesk…), for a remote session.
    #[serde(default)]
    pub remote_tool: Option<ShortText>,
    /// The session's id in that tool.
    #[serde(default)]
    pub remote_id: Option<ShortText>,
}

impl ContactLog {
    /// The rules the field types alone do not hold: a phone or remote channel, a
    /// bounded duration, remote details only on a remote session.
    pub fn check(&self) -> Result<(), FieldError> {
        if !matches!(self.channel, Channel::Phone | Channel::Remote) {
            return Err(FieldError(format!(
                "a logged contact is a phone call or a remote session, not {}",
                self.channel
            )));
        }
        if self.minutes > MAX_CONTACT_MINUTES {
            return Err(FieldError(format!(
                "a logged contact lasts at most {MAX_CONTACT_MINUTES} minutes"
            )));
        }
        if self.channel != Channel::Remote
            && (self.remote_tool.is_some() || self.remote_id.is_some())
        {
            return Err(FieldError(
                "a remote tool and session id belong to a remote session".into(),
            ));
        }
        Ok(())
    }
}

/// A message from an address no customer has, waiting for an agent to place it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct UnmatchedMessage {
    pub id: Uuid,
    pub channel: Channel,
    /// The sender's address: an E.164 phone number (`+201001234567`) for WhatsApp.
    pub sender: String,
    /// The name the sender gave the channel (their WhatsApp profile name), if any.
    pub sender_name: Option<String>,
    pub body: String,
    /// Files that came with it (photos, documents), kept until it is placed.
    pub files: Vec<ChannelFile>,
    pub received_at: DateTime<Utc>,
    /// Why it is here when the sender is known after all (a customer whose message
    /// could not be filed, e.g. not a designated contact), else `None`.
    pub reason: Option<String>,
}

/// A file that came with an unmatched message (it becomes an attachment of the ticket
/// the message is placed on).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ChannelFile {
    pub name: String,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub size: i64,
    pub content_type: String,
    pub sha256: String,
}

/// Answer of `GET /api/v1/channels/unmatched`: oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct UnmatchedPage {
    pub messages: Vec<UnmatchedMessage>,
}

/// Body of `POST /api/v1/channels/unmatched/{id}/link`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct LinkUnmatched {
    /// The customer who sent it.
    pub customer_id: Uuid,
    /// Also save the sender's address on the customer's record (their phone), so that
    /// their next message is placed without help.
    #[serde(default)]
    pub save_address: bool,
}

/// Answer of a link: the ticket the message now is on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct LinkedUnmatched {
    pub ticket_id: Uuid,
    pub ticket_number: i64,
    /// `true`: a new ticket; `false`: a reply on the customer's open ticket.
    pub created: bool,
}

/// Body of `POST /api/v1/channels/unmatched/{id}/person`: staff make the sender of an
/// unmatched message a new customer of an organisation, and the message becomes that
/// person's ticket, in one step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct NewPersonFromUnmatched {
    /// The new person's id, chosen by the caller once per form: the same request
    /// again (a retry after a lost answer) answers what the first one did.
    pub person_id: Uuid,
    pub name: String,
    /// Their sign-in address (for an e-mail, the sender's). It must belong to nobody.
    pub email: String,
    /// Their phone (for WhatsApp, the sender's number), if any.
    #[serde(default)]
    pub phone: Option<String>,
    /// The organisation they belong to; its subscription must be active.
    pub org_id: Uuid,
    /// `en` or `ar`: the language of what the helpdesk writes to them.
    pub locale: String,
}

/// Answer of `POST /api/v1/channels/unmatched/{id}/person`: the new customer and the
/// ticket the message now is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct PersonFromUnmatched {
    pub user: crate::User,
    pub ticket_id: Uuid,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub ticket_number: i64,
}

/// Answer of `GET /api/v1/channels/whatsapp` (staff): whether the channel is set up,
/// and the template an agent's reply goes out as once the customer's 24-hour window
/// has closed (WhatsApp allows only approved templates then).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct WhatsAppChannel {
    pub enabled: bool,
    /// The approved template's name.
    pub template_name: Option<String>,
    /// Its language code (`ar`, `en_US`…).
    pub template_language: Option<String>,
    /// Hours a customer's message keeps the window open (24).
    pub window_hours: u32,
}

/// Hours after a customer's last WhatsApp message during which free-form replies are
/// allowed (WhatsApp's customer-service window).
pub const WHATSAPP_WINDOW_HOURS: u32 = 24;

/// Normalises a phone number to E.164 (`+` and 8–15 digits): spaces, dashes, dots and
/// brackets go, a leading `00` becomes `+`, and a national number with one leading `0`
/// takes `default_country` (digits, e.g. `20` for Egypt) when given. `None` when the
/// result is not a plausible E.164 number.
pub fn normalise_phone(raw: &str, default_country: Option<&str>) -> Option<String> {
    let mut s: String = raw
        .trim()
        .chars()
        .filter(|c| !matches!(c, ' ' | '-' | '.' | '(' | ')' | '\u{a0}'))
        .collect();
    if let Some(rest) = s.strip_prefix("00") {
        s = format!("+{rest}");
    } else if !s.starts_with('+') {
        match (s.strip_prefix('0'), default_country) {
            (Some(national), Some(cc)) if !national.starts_with('0') => {
                s = format!("+{cc}{national}");
            }
            // WhatsApp's own `wa_id`: the international number without `+`.
            (None, _) => s = format!("+{s}"),
            _ => return None,
        }
    }
    let digits = &s[1..];
    let ok = (8..=15).contains(&digits.len())
        && digits.chars().all(|c| c.is_ascii_digit())
        && !digits.starts_with('0');
    ok.then_some(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phone_numbers_normalise_to_e164() {
        assert_eq!(
            normalise_phone("+20 100 123-4567", None).as_deref(),
            Some("+201001234567")
        );
        assert_eq!(
            normalise_phone("00201001234567", None).as_deref(),
            Some("+201001234567")
        );
        assert_eq!(
            normalise_phone("201001234567", None).as_deref(),
            Some("+201001234567")
        );
        assert_eq!(
            normalise_phone("0100 123 4567", Some("20")).as_deref(),
            Some("+201001234567")
        );
        assert_eq!(normalise_phone("0100 123 4567", None), None);
        assert_eq!(normalise_phone("+20 abc", None), None);
        assert_eq!(normalise_phone("+1234", None), None);
        assert_eq!(normalise_phone("", None), None);
    }

    #[test]
    fn delivery_only_moves_forward() {
        assert!(Delivery::Queued.may_become(Delivery::Sent));
        assert!(Delivery::Sent.may_become(Delivery::Read));
        assert!(!Delivery::Read.may_become(Delivery::Delivered));
        assert!(Delivery::Read.may_become(Delivery::Failed));
        assert!(!Delivery::Failed.may_become(Delivery::Read));
    }

    #[test]
    fn a_contact_log_is_a_call_or_a_remote_session() {
        let mut log = ContactLog {
            ticket_id: Uuid::nil(),
            channel: Channel::Phone,
            direction: Direction::Inbound,
            minutes: 12,
            notes: None,
            remote_tool: None,
            remote_id: None,
        };
        assert!(log.check().is_ok());
        log.remote_tool = Some(ShortText::parse("AnyDesk").unwrap());
        assert!(log.check().is_err());
        log.channel = Channel::Remote;
        assert!(log.check().is_ok());
        log.minutes = MAX_CONTACT_MINUTES + 1;
        assert!(log.check().is_err());
        log.minutes = 5;
        log.channel = Channel::Email;
        assert!(log.check().is_err());
    }
}
