//! Tickets, their messages and their timeline, as the server reports them.
//!
//! Output types carry plain `String`s (the server only ever sends values that passed
//! their rules); input types (in [`crate::sync`]) carry the validated newtypes.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{Channel, Priority, Role, Status, Tier, Visibility};

/// How to reach the person a ticket is about. Filled from the requester's profile by the
/// app and editable before filing.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
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
pub struct FieldVersions {
    pub title: i64,
    pub status: i64,
    pub priority: i64,
    pub assignee: i64,
    pub category: i64,
    pub tier: i64,
}

/// A support ticket.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
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
    pub tier: Tier,
    pub assignee_id: Option<Uuid>,
    pub assignee_name: Option<String>,
    /// When the first public reply by an agent is due.
    pub first_response_due_at: Option<DateTime<Utc>>,
    pub first_response_at: Option<DateTime<Utc>>,
    /// When the ticket should be solved. Moves later while the ticket waits on the customer.
    pub resolution_due_at: Option<DateTime<Utc>>,
    pub solved_at: Option<DateTime<Utc>>,
    /// Set while the response-target clock is paused (status `pending`).
    pub sla_paused_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub versions: FieldVersions,
}

impl Ticket {
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
pub struct Message {
    pub id: Uuid,
    pub ticket_id: Uuid,
    pub author_id: Uuid,
    pub author_name: String,
    pub author_role: Role,
    pub body: String,
    pub visibility: Visibility,
    pub created_at: DateTime<Utc>,
}

/// What happened on a ticket's timeline besides messages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
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
}

/// One entry of a ticket's timeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
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
