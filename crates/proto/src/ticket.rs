//! Tickets, their messages and their timeline, as the server reports them.
//!
//! Output types carry plain `String`s (the server only ever sends values that passed
//! their rules); input types (in [`crate::sync`]) carry the validated newtypes.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{Attachment, Channel, FieldError, NewTicket, Priority, Role, Status, Tier, Visibility};

/// How to reach the person a ticket is about. Filled from the requester's profile by the
/// app and editable before filing.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Contact {
    pub name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
}

/// The version (a change-feed sequence number) at which each editable field of a ticket
/// was last written. A client sends the version it saw with each field change; an older
/// one means someone else wrote in between, and the overwritten value goes on the timeline.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct FieldVersions {
    pub title: i64,
    pub status: i64,
    pub priority: i64,
    pub assignee: i64,
    pub category: i64,
    pub tier: i64,
}

impl FieldVersions {
    /// The version at which `field` was last written.
    pub fn of(&self, field: TicketField) -> i64 {
        match field {
            TicketField::Title => self.title,
            TicketField::Status => self.status,
            TicketField::Priority => self.priority,
            TicketField::Assignee => self.assignee,
            TicketField::Category => self.category,
            TicketField::Tier => self.tier,
        }
    }

    /// Records that `field` was written at version `seq`.
    pub fn set(&mut self, field: TicketField, seq: i64) {
        let v = match field {
            TicketField::Title => &mut self.title,
            TicketField::Status => &mut self.status,
            TicketField::Priority => &mut self.priority,
            TicketField::Assignee => &mut self.assignee,
            TicketField::Category => &mut self.category,
            TicketField::Tier => &mut self.tier,
        };
        *v = seq;
    }

    /// The newest version of any field.
    pub fn latest(&self) -> i64 {
        TicketField::ALL
            .iter()
            .map(|f| self.of(*f))
            .max()
            .unwrap_or(0)
    }
}

/// An editable field of a ticket: one per [`FieldVersions`] entry. Writers name the
/// fields they changed with this rather than with strings, so a misspelt field does not
/// compile (a string was silently ignored). Its word is the `field` tag of a
/// [`crate::FieldValue`] and the `field` of an [`EventKind::Overwritten`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TicketField {
    Title,
    Status,
    Priority,
    Assignee,
    Category,
    /// Changed only by escalation, never by a [`crate::FieldValue`].
    Tier,
}

impl TicketField {
    /// Every field, in the order of [`FieldVersions`].
    pub const ALL: [TicketField; 6] = [
        TicketField::Title,
        TicketField::Status,
        TicketField::Priority,
        TicketField::Assignee,
        TicketField::Category,
        TicketField::Tier,
    ];

    /// The field's word on the wire (`snake_case`).
    pub fn as_str(self) -> &'static str {
        match self {
            TicketField::Title => "title",
            TicketField::Status => "status",
            TicketField::Priority => "priority",
            TicketField::Assignee => "assignee",
            TicketField::Category => "category",
            TicketField::Tier => "tier",
        }
    }

    /// Parses a field's word; an unknown word is a [`FieldError`].
    pub fn parse(s: &str) -> Result<Self, FieldError> {
        Self::ALL
            .into_iter()
            .find(|f| f.as_str() == s)
            .ok_or_else(|| FieldError(format!("unknown ticket field {s:?}")))
    }
}

impl std::fmt::Display for TicketField {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A support ticket.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Ticket {
    /// Made by the client that filed it (UUIDv7).
    pub id: Uuid,
    /// Human number (`#1042`), given by the server when it first accepts the ticket.
    pub number: i64,
    pub org_id: Uuid,
    pub org_name: String,
    /// The customer the ticket is for.
    pub requester_id: Uuid,
    pub requester_name: String,
    /// Who filed it: the requester, or an agent on their behalf (phone, remote session).
    pub created_by: Uuid,
    pub title: String,
    pub description: String,
    pub priority: Priority,
    pub status: Status,
    pub channel: Channel,
    pub category: Option<String>,
    pub contact: Contact,
    /// First-line checks the customer confirmed before filing.
    pub checks: Vec<String>,
    /// Technical information the customer chose to attach (OS, versions, locale…).
    pub system_info: Option<String>,
    /// The support tier whose queue holds the ticket. Staff only: a customer's view of a
    /// ticket has none (see the server's `visibility::view_of`).
    pub tier: Option<Tier>,
    pub assignee_id: Option<Uuid>,
    pub assignee_name: Option<String>,
    /// When the first public reply by an agent is due.
    pub first_response_due_at: Option<DateTime<Utc>>,
    pub first_response_at: Option<DateTime<Utc>>,
    /// When the ticket should be solved. Moves later while the ticket waits on the customer.
    pub resolution_due_at: Option<DateTime<Utc>>,
    pub solved_at: Option<DateTime<Utc>>,
    /// While the ticket is `solved`: until when its requester may reopen it (the
    /// server's reopen window, fixed when it was solved). `None` otherwise.
    #[serde(default)]
    pub reopen_until: Option<DateTime<Utc>>,
    /// Set while the response-target clock is paused (status `pending`).
    pub sla_paused_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub versions: FieldVersions,
    /// Files on the ticket's description (none from an older server).
    #[serde(default)]
    pub attachments: Vec<Attachment>,
}

/// Who a new ticket is by and for, and where it belongs: what [`Ticket::new`] needs
/// besides the filed form. Named fields, since four of them are ids that could swap.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filing {
    /// The requester's organisation.
    pub org_id: Uuid,
    /// The organisation's name, as the ticket shows it.
    pub org_name: String,
    /// The customer the ticket is for.
    pub requester_id: Uuid,
    /// The requester's name. May be empty where it is not known yet (the server fills it in when it reads the
    /// ticket back).
    pub requester_name: String,
    /// Who files it: the requester, or an agent on their behalf.
    pub created_by: Uuid,
}

impl Ticket {
    /// The ticket `new` describes, as it stands when filed at `now`: status `new` at
    /// tier 1, unassigned, with no response targets yet (the server sets them from its
    /// policy) and number 0 until the server gives it one. Serves both the server
    /// accepting a ticket and a client showing its own ticket before it is sent.
    pub fn new(new: &NewTicket, filing: Filing, now: DateTime<Utc>) -> Ticket {
        Ticket {
            id: new.id,
            number: 0,
            org_id: filing.org_id,
            org_name: filing.org_name,
            requester_id: filing.requester_id,
            requester_name: filing.requester_name,
            created_by: filing.created_by,
            title: new.title.as_str().to_owned(),
            description: new.description.as_str().to_owned(),
            priority: new.priority,
            status: Status::New,
            channel: new.channel,
            category: new.category.as_ref().map(|c| c.as_str().to_owned()),
            contact: new.contact.clone(),
            checks: new.checks.iter().map(|c| c.as_str().to_owned()).collect(),
            system_info: new.system_info.clone(),
            tier: Some(Tier::L1),
            assignee_id: None,
            assignee_name: None,
            first_response_due_at: None,
            first_response_at: None,
            resolution_due_at: None,
            solved_at: None,
            reopen_until: None,
            sla_paused_at: None,
            created_at: now,
            updated_at: now,
            versions: FieldVersions::default(),
            // The server lists them once it has accepted the files.
            attachments: Vec::new(),
        }
    }

    /// Whether a response target has passed unmet at `now` (never while paused).
    pub fn is_breaching(&self, now: DateTime<Utc>) -> bool {
        if self.sla_paused_at.is_some() || !self.status.is_active() {
            return false;
        }
        let first = self.first_response_at.is_none()
            && self.first_response_due_at.is_some_and(|due| due < now);
        let resolution = self.resolution_due_at.is_some_and(|due| due < now);
        first || resolution
    }
}

/// A public reply or an internal note. Append-only: messages never conflict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Message {
    pub id: Uuid,
    pub ticket_id: Uuid,
    pub author_id: Uuid,
    pub author_name: String,
    pub author_role: Role,
    pub body: String,
    pub visibility: Visibility,
    pub created_at: DateTime<Utc>,
    /// Files on the message (none from an older server).
    #[serde(default)]
    pub attachments: Vec<Attachment>,
    /// For an agent's public reply on a channel ticket (WhatsApp): where it stands on
    /// its way to the customer. `None` for everything else (and from older servers).
    #[serde(default)]
    pub delivery: Option<crate::Delivery>,
}

/// What happened on a ticket's timeline besides messages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum EventKind {
    Created {
        channel: Channel,
        on_behalf: bool,
    },
    StatusChanged {
        from: Status,
        to: Status,
    },
    PriorityChanged {
        from: Priority,
        to: Priority,
    },
    Assigned {
        from: Option<Uuid>,
        to: Option<Uuid>,
        to_name: Option<String>,
    },
    CategoryChanged {
        from: Option<String>,
        to: Option<String>,
    },
    TitleChanged {
        from: String,
        to: String,
    },
    Escalated {
        from: Tier,
        to: Tier,
        reason: String,
    },
    /// A change made against a stale version replaced this value, written by someone
    /// else after the author of the change last saw the ticket.
    Overwritten {
        field: String,
        value: String,
    },
    /// Staff logged the ticket although the organisation's subscription was not active,
    /// for this reason. Staff only: it is about how support handles the account.
    LapsedOverride {
        org_name: String,
        reason: String,
    },
    /// The server closed a ticket that stayed solved for `after_days` days with nobody
    /// reopening it (the lifecycle job; its actor is the system user).
    AutoClosed {
        after_days: u32,
    },
    /// The server reminded the requester of a ticket waiting on them for `after_days`
    /// days: once per stay in `pending` (the lifecycle job; its actor is the system
    /// user).
    PendingReminder {
        after_days: u32,
    },
    /// Staff resolved the ticket as outside the support terms, under this exclusion of
    /// this version; its label is kept in both languages so the customer reads the
    /// reason in theirs (also offline, whatever terms their store holds).
    OutOfScope {
        exclusion: String,
        terms_version: i64,
        label_en: String,
        label_ar: String,
    },
    /// The filer accepted this version of the support terms with this ticket (the
    /// organisation's first ticket under it).
    TermsAccepted {
        terms_version: i64,
    },
    /// Staff logged a phone call or a remote session ([`crate::ContactLog`]). Staff
    /// only: its notes are internal.
    ContactLogged {
        channel: Channel,
        direction: crate::Direction,
        minutes: u32,
        notes: Option<String>,
        remote_tool: Option<String>,
        remote_id: Option<String>,
    },
}

/// The id of the system user: the actor of what the server's own jobs write on a
/// timeline ([`EventKind::AutoClosed`], [`EventKind::PendingReminder`]). No one signs
/// in as it.
pub const SYSTEM_USER_ID: Uuid = Uuid::nil();

/// One entry of a ticket's timeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct TicketEvent {
    pub id: Uuid,
    pub ticket_id: Uuid,
    pub actor_id: Uuid,
    pub actor_name: String,
    pub kind: EventKind,
    pub created_at: DateTime<Utc>,
}

/// An organisation that buys support.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Organisation {
    pub id: Uuid,
    pub name: String,
    /// End of the paid annual subscription; `None` means never paid.
    pub paid_until: Option<DateTime<Utc>>,
}

impl Organisation {
    /// Whether its people may open new tickets at `now`.
    pub fn subscription_active(&self, now: DateTime<Utc>) -> bool {
        self.paid_until.is_some_and(|until| until > now)
    }
}

/// A person who signs in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct User {
    pub id: Uuid,
    pub email: String,
    pub name: String,
    pub role: Role,
    /// The customer's organisation; `None` for staff.
    pub org_id: Option<Uuid>,
    /// The agent's tier; `None` for customers and admins.
    pub tier: Option<Tier>,
    /// Preferred language, `ar` or `en`.
    pub locale: String,
    pub phone: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Description, ShortText, TicketTitle};

    fn new_ticket() -> NewTicket {
        NewTicket {
            id: Uuid::now_v7(),
            title: TicketTitle::parse("Printer offline").unwrap(),
            description: Description::parse("It shows an error.").unwrap(),
            priority: Priority::High,
            channel: Channel::Phone,
            category: Some(ShortText::parse("Hardware").unwrap()),
            contact: Contact {
                name: Some("Amal".into()),
                email: None,
                phone: Some("+20 100".into()),
            },
            checks: vec![ShortText::parse("restarted").unwrap()],
            system_info: Some("Debian 12".into()),
            requester_id: None,
            lapsed_override: None,
            attachments: vec![],
            terms_version: None,
        }
    }

    #[test]
    fn a_new_ticket_is_new_unassigned_unnumbered_and_has_what_was_filed() {
        let new = new_ticket();
        let (org, requester, agent) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
        let now = Utc::now();
        let filing = Filing {
            org_id: org,
            org_name: "Nile".into(),
            requester_id: requester,
            requester_name: "Amal".into(),
            created_by: agent,
        };
        let t = Ticket::new(&new, filing, now);
        assert_eq!((t.id, t.number), (new.id, 0));
        assert_eq!((t.org_id, t.org_name.as_str()), (org, "Nile"));
        assert_eq!(
            (t.requester_id, t.requester_name.as_str()),
            (requester, "Amal")
        );
        assert_eq!(t.created_by, agent);
        assert_eq!(t.title, "Printer offline");
        assert_eq!(t.description, "It shows an error.");
        assert_eq!((t.priority, t.channel), (Priority::High, Channel::Phone));
        assert_eq!(t.category.as_deref(), Some("Hardware"));
        assert_eq!(t.contact, new.contact);
        assert_eq!(t.checks, ["restarted"]);
        assert_eq!(t.system_info.as_deref(), Some("Debian 12"));
        assert_eq!((t.status, t.tier), (Status::New, Some(Tier::L1)));
        assert_eq!((t.assignee_id, t.assignee_name.as_deref()), (None, None));
        assert_eq!((t.first_response_due_at, t.resolution_due_at), (None, None));
        assert_eq!(
            (t.first_response_at, t.solved_at, t.sla_paused_at),
            (None, None, None)
        );
        assert_eq!((t.created_at, t.updated_at), (now, now));
        assert_eq!(t.versions, FieldVersions::default());
        assert!(!t.is_breaching(now + chrono::Duration::days(365)));
    }

    #[test]
    fn each_field_has_its_own_version() {
        let mut v = FieldVersions::default();
        for (i, f) in TicketField::ALL.into_iter().enumerate() {
            v.set(f, 10 + i as i64);
        }
        for (i, f) in TicketField::ALL.into_iter().enumerate() {
            assert_eq!(v.of(f), 10 + i as i64, "{f}");
        }
        assert_eq!(
            v,
            FieldVersions {
                title: 10,
                status: 11,
                priority: 12,
                assignee: 13,
                category: 14,
                tier: 15,
            }
        );
        assert_eq!(v.latest(), 15);
        assert_eq!(FieldVersions::default().latest(), 0);
    }

    #[test]
    fn field_words_round_trip_and_a_misspelt_one_is_an_error() {
        for f in TicketField::ALL {
            assert_eq!(TicketField::parse(f.as_str()).unwrap(), f);
        }
        assert!(TicketField::parse("asignee").is_err());
    }
}
