//! Bodies of the REST ticket endpoints that other tools integrate with (the desktop app
//! syncs through push/pull instead). Every write here goes through the same apply path
//! as a pushed mutation on the server.

use serde::{Deserialize, Serialize};

use crate::{FieldChange, Message, ShortText, Ticket, TicketEvent, Tier};

/// Answer of `GET /api/v1/tickets/{id}`: the ticket with what the caller may see of its
/// conversation and timeline (customers never get internal notes or staff-only events).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct TicketDetail {
    pub ticket: Ticket,
    pub messages: Vec<Message>,
    pub events: Vec<TicketEvent>,
}

/// Answer of `GET /api/v1/tickets`: one page of the filtered list and the total count.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct TicketPage {
    pub tickets: Vec<Ticket>,
    pub total: i64,
}

/// Body of `PATCH /api/v1/tickets/{id}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct TicketChanges {
    pub changes: Vec<FieldChange>,
}

/// Body of `POST /api/v1/tickets/{id}/escalate`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct EscalateRequest {
    pub to_tier: Tier,
    pub reason: ShortText,
}

/// Answer of `GET /api/v1/people` (staff only): users with their organisation, e.g. to
/// pick the customer a phone ticket is for, or an assignee.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct PeoplePage {
    pub people: Vec<crate::Me>,
}
