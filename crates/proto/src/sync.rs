//! The sync protocol: mutations a client pushes, the answers it gets, and the change
//! feed it pulls.
//!
//! - `POST /api/v1/sync/push` takes a [`PushRequest`] and answers a [`PushResponse`]
//!   with one [`MutationResult`] per mutation, in order. Each applied mutation's id is
//!   recorded with its result in the same transaction as its effect, so a retry is
//!   answered [`Outcome::Duplicate`] with the first result. Rejections are not recorded:
//!   the same mutation may be sent again once its cause is fixed.
//! - `GET /api/v1/sync/pull?cursor=N&limit=M` answers a [`PullResponse`]: changes with
//!   `seq > N` in order, filtered to what the caller may see. The cursor never passes a
//!   change that has not committed.
//! - `GET /api/v1/sync/snapshot` answers a first sync (cursor 0) in one gzip stream of
//!   [`SnapshotFrame`]s: what pulling from 0 up to the feed's head would bring, ending
//!   with the cursor to pull from next. Servers without it answer 404 (then pull).
//! - `GET /api/v1/events` is a Server-Sent Events stream; each `changes` event carries a
//!   [`ChangesAvailable`] and means "pull now".

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{
    check_attachment_refs, check_clean_text, Article, AttachmentRef, Channel, Checklist, Contact,
    Deflection, Description, ErrorCode, FieldError, Message, MessageBody, OutOfScope, Priority,
    ResponsePolicy, ShortText, Status, SupportTerms, TermsAcceptance, Ticket, TicketEvent,
    TicketField, TicketTitle, Tier, Visibility,
};

/// Most mutations accepted in one push.
pub const MAX_PUSH_BATCH: usize = 500;
/// Most changes returned by one pull.
pub const MAX_PULL_LIMIT: i64 = 5_000;
/// Longest `system_info` text accepted, in characters.
pub const MAX_SYSTEM_INFO_CHARS: usize = 4_000;
/// Most first-line checks on one ticket.
pub const MAX_CHECKS: usize = 20;
/// Longest contact detail (name, e-mail, phone) accepted, in characters.
pub const MAX_CONTACT_CHARS: usize = 254;
/// The first-line checks the app asks about before filing, by the id a ticket stores
/// when one is ticked (the app's list is `ui/src/lib/checks.ts`, same ids, same order).
/// Listed so that a reader (the CLI's `show`) can say which were NOT done as well.
pub const FIRST_LINE_CHECKS: [&str; 3] = ["restarted", "network_checked", "help_articles_read"];

/// A new ticket, as filed by a customer or logged by an agent on a customer's behalf.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct NewTicket {
    /// Made by the client (UUIDv7).
    pub id: Uuid,
    pub title: TicketTitle,
    pub description: Description,
    pub priority: Priority,
    pub channel: Channel,
    #[serde(default)]
    pub category: Option<ShortText>,
    #[serde(default)]
    pub contact: Contact,
    /// First-line checks the customer confirmed.
    #[serde(default)]
    pub checks: Vec<ShortText>,
    /// Technical information the user chose to attach, as shown to them.
    #[serde(default)]
    pub system_info: Option<String>,
    /// Staff only: the customer the ticket is for. Customers file for themselves.
    #[serde(default)]
    pub requester_id: Option<Uuid>,
    /// Staff only: why this ticket is logged although the requester's organisation's
    /// subscription is not active. Without it such a ticket is refused
    /// `subscription_inactive`; with it, it is accepted and the reason goes on the
    /// timeline (staff only). Ignored when the subscription is active.
    #[serde(default)]
    pub lapsed_override: Option<ShortText>,
    /// Files on the ticket (its description), each uploaded first (`/api/v1/uploads`).
    /// Absent from older clients' JSON: none.
    #[serde(default)]
    pub attachments: Vec<AttachmentRef>,
    /// The version of the support terms the filer accepted with this ticket (asked
    /// before an organisation's first ticket under a new version); recorded once per
    /// organisation and version. A customer's own ticket without it, while their
    /// organisation has not accepted the newest version, is refused
    /// `terms_not_accepted`. Absent from older clients' JSON: none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    // A version number fits a JS number; JSON cannot carry a bigint.
    #[cfg_attr(feature = "ts", ts(optional = nullable, as = "Option<i32>"))]
    pub terms_version: Option<i64>,
}

impl NewTicket {
    /// Checks the parts a newtype does not guard (contact details, system information,
    /// the number of checks): bounded, and free of [forbidden
    /// characters](crate::is_forbidden_char). Both the engine (before queueing) and the
    /// server (before applying) ask this, so they agree on what may be filed.
    pub fn check_free_text(&self) -> Result<(), FieldError> {
        if self.checks.len() > MAX_CHECKS {
            return Err(FieldError(format!("at most {MAX_CHECKS} checks")));
        }
        let contact = [
            ("contact name", &self.contact.name),
            ("contact e-mail", &self.contact.email),
            ("contact phone", &self.contact.phone),
        ];
        for (what, value) in contact {
            if let Some(v) = value {
                if v.chars().count() > MAX_CONTACT_CHARS {
                    return Err(FieldError(format!(
                        "{what} is longer than {MAX_CONTACT_CHARS} characters"
                    )));
                }
                check_clean_text(what, v)?;
            }
        }
        if let Some(info) = &self.system_info {
            if info.chars().count() > MAX_SYSTEM_INFO_CHARS {
                return Err(FieldError(format!(
                    "system information is longer than {MAX_SYSTEM_INFO_CHARS} characters"
                )));
            }
            check_clean_text("system information", info)?;
        }
        check_attachment_refs(&self.attachments)
    }
}

/// A reply (public) or internal note (staff only) on a ticket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct NewMessage {
    /// Made by the client (UUIDv7).
    pub id: Uuid,
    pub ticket_id: Uuid,
    pub body: MessageBody,
    pub visibility: Visibility,
    /// Files on the message, each uploaded first (`/api/v1/uploads`). Absent from
    /// older clients' JSON: none.
    #[serde(default)]
    pub attachments: Vec<AttachmentRef>,
}

/// A new value for one field of a ticket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "field", content = "value", rename_all = "snake_case")]
pub enum FieldValue {
    Title(TicketTitle),
    Status(Status),
    Priority(Priority),
    Assignee(Option<Uuid>),
    Category(Option<ShortText>),
}

impl FieldValue {
    /// The field this value is for (its word is the `field` tag on the wire).
    pub fn field(&self) -> TicketField {
        match self {
            FieldValue::Title(_) => TicketField::Title,
            FieldValue::Status(_) => TicketField::Status,
            FieldValue::Priority(_) => TicketField::Priority,
            FieldValue::Assignee(_) => TicketField::Assignee,
            FieldValue::Category(_) => TicketField::Category,
        }
    }
}

/// One field change with the version of that field the author last saw.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct FieldChange {
    pub value: FieldValue,
    pub seen_version: i64,
}

/// Changes to a ticket's fields (last writer wins, field by field, in server order).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct TicketUpdate {
    pub ticket_id: Uuid,
    pub changes: Vec<FieldChange>,
}

impl TicketUpdate {
    /// An update changes each field at most once: with a field named twice, which value
    /// wins (and which overwritten value the timeline shows) would depend on the order
    /// in which the server happened to read them.
    pub fn check_fields_once(&self) -> Result<(), FieldError> {
        let mut seen = Vec::with_capacity(self.changes.len());
        for change in &self.changes {
            let field = change.value.field();
            if seen.contains(&field) {
                return Err(FieldError(format!(
                    "the field {field} is changed more than once in one update"
                )));
            }
            seen.push(field);
        }
        Ok(())
    }
}

/// Moving a ticket to a higher support tier, with the reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Escalation {
    pub ticket_id: Uuid,
    pub to_tier: Tier,
    pub reason: ShortText,
}

/// A change a user made locally, queued in the outbox until the server answers it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "type", content = "data", rename_all = "snake_case")]
// New tickets are the bulk of an outbox anyway; boxing them would only add an allocation
// (the same reasoning as `Entity`'s).
#[allow(clippy::large_enum_variant)]
pub enum Mutation {
    CreateTicket(NewTicket),
    AddMessage(NewMessage),
    UpdateTicket(TicketUpdate),
    Escalate(Escalation),
    /// "This solved it" on a knowledge-base article.
    Deflect(Deflection),
    /// Staff resolve a ticket as outside the support terms.
    ResolveOutOfScope(OutOfScope),
    /// Staff log a call or a remote session on a ticket.
    LogContact(crate::ContactLog),
}

impl Mutation {
    /// The ticket this mutation is about; for a deflection, the article (no ticket has
    /// its id, so nothing depends on it and it depends on nothing).
    pub fn ticket_id(&self) -> Uuid {
        match self {
            Mutation::CreateTicket(t) => t.id,
            Mutation::AddMessage(m) => m.ticket_id,
            Mutation::UpdateTicket(u) => u.ticket_id,
            Mutation::Escalate(e) => e.ticket_id,
            Mutation::Deflect(d) => d.article_id,
            Mutation::ResolveOutOfScope(o) => o.ticket_id,
            Mutation::LogContact(l) => l.ticket_id,
        }
    }

    /// Checks the rules the field types alone cannot hold: a new ticket's free text
    /// ([`NewTicket::check_free_text`]) and an update naming each field at most once
    /// ([`TicketUpdate::check_fields_once`]). The engine asks before queueing (or
    /// resending an edited mutation) and the server before applying.
    pub fn check(&self) -> Result<(), FieldError> {
        match self {
            Mutation::CreateTicket(t) => t.check_free_text(),
            Mutation::UpdateTicket(u) => u.check_fields_once(),
            Mutation::AddMessage(m) => check_attachment_refs(&m.attachments),
            Mutation::LogContact(l) => l.check(),
            Mutation::Escalate(_) | Mutation::Deflect(_) => Ok(()),
            Mutation::ResolveOutOfScope(o) => crate::check_key("exclusion", &o.exclusion),
        }
    }

    /// A short name for logs and the outbox screen.
    pub fn kind(&self) -> &'static str {
        match self {
            Mutation::CreateTicket(_) => "create_ticket",
            Mutation::AddMessage(_) => "add_message",
            Mutation::UpdateTicket(_) => "update_ticket",
            Mutation::Escalate(_) => "escalate",
            Mutation::Deflect(_) => "deflect",
            Mutation::ResolveOutOfScope(_) => "resolve_out_of_scope",
            Mutation::LogContact(_) => "log_contact",
        }
    }
}

/// A mutation with the id the client gave it (UUIDv7); the id makes it idempotent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct MutationEnvelope {
    pub id: Uuid,
    pub mutation: Mutation,
}

/// `POST /api/v1/sync/push`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct PushRequest {
    /// The installation that sends (never reused after a reinstall or a copied profile).
    pub client_id: Uuid,
    /// Applied in this order; at most [`MAX_PUSH_BATCH`].
    pub mutations: Vec<MutationEnvelope>,
}

/// What applying a mutation produced; kept with its id and repeated on a duplicate.
/// For a deflection, `ticket_id` is the article's id and `ticket_number` is 0.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Applied {
    pub ticket_id: Uuid,
    /// The ticket's human number.
    pub ticket_number: i64,
    /// Sequence number of the last change this mutation wrote to the feed.
    pub seq: i64,
}

/// The server's answer to one mutation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Outcome {
    Applied {
        result: Applied,
    },
    /// Already applied earlier; `result` is what the first application produced.
    Duplicate {
        result: Applied,
    },
    Rejected {
        code: ErrorCode,
        message: String,
    },
}

/// One answer of a push, for the mutation with this id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct MutationResult {
    pub id: Uuid,
    #[serde(flatten)]
    pub outcome: Outcome,
}

/// Answer of `POST /api/v1/sync/push`: one result per mutation, in the order sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct PushResponse {
    pub results: Vec<MutationResult>,
}

/// The current state of something that changed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "kind", content = "data", rename_all = "snake_case")]
// Tickets dominate the feed anyway; boxing them would only add an allocation.
#[allow(clippy::large_enum_variant)]
pub enum Entity {
    Ticket(Ticket),
    Message(Message),
    Event(TicketEvent),
    /// A knowledge-base article (customers get published ones only).
    Article(Article),
    /// An article the caller may no longer see (a customer's, once it stops being
    /// published): the client deletes its copy.
    ArticleWithdrawn(ArticleWithdrawn),
    /// A published version of the support terms (never a draft).
    SupportTerms(SupportTerms),
    /// The first-line checklist of one category.
    Checklist(Checklist),
    /// An organisation accepted a version of the terms (to that organisation and staff).
    TermsAccepted(TermsAcceptance),
    /// The version of the response policy in effect (targets and business hours), to
    /// everyone: the customer's Support policy screen shows it offline.
    ResponsePolicy(ResponsePolicy),
}

/// The id of an article withdrawn from the caller's view.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ArticleWithdrawn {
    pub id: Uuid,
}

/// One entry of the change feed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Change {
    pub seq: i64,
    pub entity: Entity,
}

/// Answer of `GET /api/v1/sync/pull`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct PullResponse {
    /// Identity of the server's database. A client that sees a new epoch resyncs from 0.
    pub epoch: Uuid,
    pub changes: Vec<Change>,
    /// Pass this as `cursor` next time. It may move past changes the caller may not see.
    pub cursor: i64,
    /// More changes are ready now: pull again at once.
    pub has_more: bool,
}

/// The path of the first-sync snapshot (see [`SnapshotFrame`]).
pub const SNAPSHOT_PATH: &str = "api/v1/sync/snapshot";
/// The media type of a snapshot's body: a gzip stream of [`SnapshotFrame`]s.
pub const SNAPSHOT_MEDIA_TYPE: &str = "application/vnd.tadhkira.snapshot+gzip";
/// Largest frame a snapshot reader accepts, in bytes of JSON (the server's frames are
/// about [`SNAPSHOT_FRAME_BYTES`]): a corrupt length cannot make it allocate more.
pub const MAX_SNAPSHOT_FRAME: usize = 64 << 20;
/// About how many bytes of JSON the server puts in one frame of changes (always at
/// least one change).
pub const SNAPSHOT_FRAME_BYTES: usize = 4 << 20;

/// One frame of `GET /api/v1/sync/snapshot`, a first sync (cursor 0) in one answer: the
/// current state of everything the caller may see, instead of the change history page
/// by page. The body is ONE gzip stream; decompressed, it is a sequence of frames, each
/// a 4-byte big-endian length then that many bytes of this enum's JSON:
///
/// 1. [`SnapshotFrame::Head`] once, first;
/// 2. [`SnapshotFrame::Changes`], any number, in feed order — exactly what pulling
///    from 0 up to the head's cursor would bring (each entity once, at its current
///    state, filtered to what the caller may see);
/// 3. [`SnapshotFrame::End`] once, last, with the count of changes sent; nothing after.
///
/// A body that stops before its end frame, or whose gzip trailer does not match, was cut
/// or damaged: the reader must not take its cursor. A server without this path answers
/// 404: clients then pull page by page from 0.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SnapshotFrame {
    Head {
        /// Identity of the server's database, as in [`PullResponse::epoch`].
        epoch: Uuid,
        /// The feed's committed head when the snapshot began: every change up to it is
        /// in the snapshot (changes after it may be too, as entities are sent at their
        /// current state); pull from here next.
        cursor: i64,
    },
    Changes(Vec<Change>),
    End {
        /// How many changes the frames carried.
        changes: u64,
    },
}

/// Data of an SSE `changes` event on `GET /api/v1/events`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ChangesAvailable {
    /// The newest sequence number committed when the event was sent.
    pub seq: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mutation_reads_as_its_json_says() {
        let json = r#"{"id":"0190a8a0-0000-7000-8000-000000000001","mutation":
            {"type":"update_ticket","data":{"ticket_id":"0190a8a0-0000-7000-8000-000000000002",
             "changes":[{"value":{"field":"status","value":"pending"},"seen_version":7},
                        {"value":{"field":"assignee","value":null},"seen_version":3}]}}}"#;
        let env: MutationEnvelope = serde_json::from_str(json).unwrap();
        let Mutation::UpdateTicket(u) = &env.mutation else {
            panic!("{env:?}")
        };
        assert_eq!(u.changes[0].value, FieldValue::Status(Status::Pending));
        assert_eq!(u.changes[1].value, FieldValue::Assignee(None));
        let back = serde_json::to_value(&env).unwrap();
        assert_eq!(
            back,
            serde_json::from_str::<serde_json::Value>(json).unwrap()
        );
    }

    #[test]
    fn a_field_value_names_its_field_as_the_wire_tag_does() {
        let values = [
            FieldValue::Title(TicketTitle::parse("Printer offline").unwrap()),
            FieldValue::Status(Status::Open),
            FieldValue::Priority(Priority::Low),
            FieldValue::Assignee(None),
            FieldValue::Category(None),
        ];
        for v in values {
            let json = serde_json::to_value(&v).unwrap();
            assert_eq!(json["field"], v.field().as_str(), "{json}");
        }
    }

    #[test]
    fn an_update_may_name_each_field_once() {
        let change = |value| FieldChange {
            value,
            seen_version: 1,
        };
        let mut u = TicketUpdate {
            ticket_id: Uuid::nil(),
            changes: vec![
                change(FieldValue::Status(Status::Open)),
                change(FieldValue::Priority(Priority::Low)),
            ],
        };
        assert!(Mutation::UpdateTicket(u.clone()).check().is_ok());
        u.changes.push(change(FieldValue::Status(Status::Solved)));
        let err = Mutation::UpdateTicket(u).check().unwrap_err();
        assert!(err.to_string().contains("field status"), "{err}");
    }

    #[test]
    fn a_new_ticket_refuses_control_characters_in_its_free_text() {
        let json = r#"{"id":"0190a8a0-0000-7000-8000-000000000001","title":"Printer",
            "description":"d","priority":"high","channel":"desktop"}"#;
        let mut t: NewTicket = serde_json::from_str(json).unwrap();
        assert!(t.check_free_text().is_ok());
        t.system_info = Some("OS\u{1b}]0;pwned\u{7}".into());
        let err = t.check_free_text().unwrap_err();
        assert_eq!(
            err.to_string(),
            "system information must not contain the control character U+001B"
        );
        t.system_info = Some("Debian 12\n\tkernel 6.1".into());
        t.contact.name = Some("Sara\u{202E}".into());
        let err = Mutation::CreateTicket(t).check().unwrap_err();
        assert!(err.to_string().contains("contact name"), "{err}");
        assert!(err.to_string().contains("U+202E"), "{err}");
    }

    #[test]
    fn a_rejected_answer_carries_its_code() {
        let r = MutationResult {
            id: Uuid::nil(),
            outcome: Outcome::Rejected {
                code: ErrorCode::SubscriptionInactive,
                message: "lapsed".into(),
            },
        };
        let v = serde_json::to_value(&r).unwrap();
        assert_eq!(v["outcome"], "rejected");
        assert_eq!(v["code"], "subscription_inactive");
        assert_eq!(serde_json::from_value::<MutationResult>(v).unwrap(), r);
    }

    #[test]
    fn a_new_ticket_with_a_blank_title_does_not_parse() {
        let json = r#"{"id":"0190a8a0-0000-7000-8000-000000000001","title":"  ",
            "description":"d","priority":"high","channel":"desktop"}"#;
        let err = serde_json::from_str::<NewTicket>(json).unwrap_err();
        assert!(err.to_string().contains("title"), "{err}");
    }

    #[test]
    fn the_apps_first_line_checks_have_the_ids_listed_here_in_order() {
        // The app's list and this one are written twice (TypeScript and Rust); this
        // keeps them one list.
        let ts = include_str!("../../../ui/src/lib/checks.ts");
        let ids: Vec<&str> = ts
            .split("id: '")
            .skip(1)
            .filter_map(|rest| rest.split('\'').next())
            .collect();
        assert_eq!(ids, FIRST_LINE_CHECKS);
    }
}
